"""The calendar file written back in its canonical form: header kept, one line per entry, nothing lost."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from monitor.detect.elections import ElectionsFile, load_elections
from monitor.review.calendar.writer import header_of, render, write
from tests.conftest import ROOT


def test_the_shipped_calendar_survives_a_rewrite_unchanged(tmp_path: Path) -> None:
    """Rendering data/elections.yaml gives the same file, byte for byte: it is kept in canonical form."""
    shipped = ROOT / "data" / "elections.yaml"
    text = shipped.read_text(encoding="utf-8")
    assert render(header_of(text), load_elections(shipped)) == text


def test_a_rewritten_file_loads_to_the_same_entries(tmp_path: Path) -> None:
    """Every field of every entry (notes with quotes, unicode, Norway's code) comes back as it was."""
    path = tmp_path / "elections.yaml"
    path.write_text(
        "# Votes\n# kept\n\nas_of: 2026-12-01\nelections:\n"
        '  - {country: "NO", type: parliamentary, date: 2025-09-08, name: "Storting", status: held, source: "https://x.example/"}\n'
        '  - country: "RO"\n    type: runoff\n    date: 2024-12-08\n    name: Second round\n    status: cancelled\n'
        '    cancelled_on: 2024-12-06\n    note: \'The "runoff", annulled — à la Cour\'\n'
        '  - {country: "IN", type: parliamentary, date: 2024-04-19, end_date: 2024-06-01, name: "Lok Sabha", status: held}\n',
        encoding="utf-8",
    )
    before = load_elections(path)
    write(path, render(header_of(path.read_text(encoding="utf-8")), before))
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Votes\n# kept\n")
    assert set(load_elections(path).elections) == set(before.elections) and load_elections(path).as_of == before.as_of
    assert '  - {country: "NO", type: parliamentary, date: 2025-09-08, name: "Storting", status: held, source: "https://x.example/"}' in text


def test_entries_are_written_in_date_order_under_a_comment_per_year() -> None:
    from monitor.detect.elections import ElectionSpec

    later = ElectionSpec(country="LT", type="parliamentary", date=date(2028, 10, 8), name="b", status="scheduled")
    sooner = ElectionSpec(country="EE", type="parliamentary", date=date(2027, 3, 7), name="a", status="scheduled")
    text = render("", ElectionsFile(elections=(later, sooner)))
    assert text.index("2027-03-07") < text.index("# ---------------------------- 2028") < text.index("2028-10-08")
