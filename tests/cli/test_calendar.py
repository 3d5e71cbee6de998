"""`monitor calendar ...` from the command line: upcoming votes, the check's exit code, counts, imports."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

from monitor.cli.main import main
from testbed.settings import make_settings
from tests.conftest import ROOT, FakeClock

FIXTURES = ROOT / "tests" / "fixtures" / "calendars"
DECEMBER = FakeClock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
URL = "https://example.org/calendar"


def calendar(tmp_path: Path, *entries: str) -> Path:
    path = tmp_path / "elections.yaml"
    path.write_text("# Test calendar\n\nelections:\n" + "".join(f"  - {e}\n" for e in entries), encoding="utf-8")
    return path


def run(tmp_path: Path, capsys, *argv: str, elections: Path | None = None) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    overrides = {"elections_file": elections} if elections else {}
    code = main(list(argv), clock=DECEMBER, settings=make_settings(tmp_path, **overrides))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_upcoming_lists_the_coming_votes_soonest_first(tmp_path: Path, capsys) -> None:
    """Days to each vote, the country's name, votes not yet dated apart; --country narrows it."""
    path = calendar(
        tmp_path,
        f'{{country: "LT", type: parliamentary, date: 2026-12-20, name: "Seimas election", status: scheduled, source: "{URL}"}}',
        f'{{country: "EE", type: parliamentary, date: 2026-12-06, name: "Riigikogu election", status: scheduled, source: "{URL}"}}',
        f'{{country: "LV", type: parliamentary, date: 2027-01-01, date_precision: month, name: "Saeima election", status: expected, source: "{URL}"}}',
        f'{{country: "PL", type: presidential, date: 2027-06-01, name: "Far away", status: scheduled, source: "{URL}"}}',
    )
    code, out, _ = run(tmp_path, capsys, "calendar", "upcoming", "--days", "40", elections=path)
    assert code == 0
    assert out.splitlines() == [
        "2026-12-06  EE  Estonia: Riigikogu election (scheduled, in 5 days)",
        "2026-12-20  LT  Lithuania: Seimas election (scheduled, in 19 days)",
        "Not yet dated, may fall in these days:",
        "  2027-01       LV  Latvia: Saeima election (expected)",
    ]
    code, out, _ = run(tmp_path, capsys, "calendar", "upcoming", "--days", "40", "--country", "lt", "--format", "json", elections=path)
    (vote,) = json.loads(out)
    assert (vote["country"], vote["country_name"], vote["days_until"], vote["source"]) == ("LT", "Lithuania", 19, URL)


def test_check_passes_on_the_shipped_calendar(tmp_path: Path, capsys) -> None:
    """The calendar and gazetteer the project ships pass their own check."""
    code, out, err = run(tmp_path, capsys, "calendar", "check")
    assert code == 0, err
    assert out.endswith(": OK\n") and "day-precise national votes" in out


def test_check_exits_2_listing_every_problem_with_its_line(tmp_path: Path, capsys) -> None:
    path = calendar(
        tmp_path,
        '{country: "LT", type: runoff, date: 2028-10-22, name: "Second round", status: scheduled}',
        f'{{country: "ZZ", type: referendum, date: 2027-01-01, name: "R", status: scheduled, source: "{URL}"}}',
    )
    code, out, err = run(tmp_path, capsys, "calendar", "check", elections=path)
    assert code == 2
    problems = [line.strip() for line in err.splitlines()[1:]]
    assert problems == [
        f"{path}:4: elections[0].source: no source: give one URL where the date can be confirmed",
        f"{path}:5: elections[1].country: ZZ is not in the gazetteer (data/countries.yaml)",
        f"{path}:4: elections[0].type: a runoff with no first round of the same country in the year before it",
    ]
    code, out, _ = run(tmp_path, capsys, "calendar", "check", "--format", "json", elections=path)
    assert code == 2 and [p["line"] for p in json.loads(out)["problems"]] == [4, 5, 4]


def test_stats_counts_per_year_and_continent(tmp_path: Path, capsys) -> None:
    code, out, _ = run(tmp_path, capsys, "calendar", "stats", "--format", "json")
    counts = json.loads(out)["day_precise_national"]
    assert code == 0
    assert all(counts[str(year)]["total"] >= 60 for year in range(2016, 2027))
    assert set(counts["2024"]) >= {"Africa", "Americas", "Asia", "Europe", "Oceania", "total"}
    code, out, _ = run(tmp_path, capsys, "calendar", "stats")
    assert out.splitlines()[1].split() == ["year", "Africa", "Americas", "Asia", "Europe", "Oceania", "total"]


def test_import_merges_an_ics_file_and_reports_what_it_did(tmp_path: Path, capsys) -> None:
    """Added and changed votes are listed, skipped events say why, the file keeps its header and loads again."""
    path = calendar(
        tmp_path,
        f'{{country: "LT", type: parliamentary, date: 2028-10-01, date_precision: month, name: "Seimas election", status: expected, source: "{URL}"}}',
    )
    code, out, _ = run(tmp_path, capsys, "calendar", "import", str(FIXTURES / "elections.ics"), "--dry-run", elections=path)
    assert code == 0 and "(dry run: nothing written)" in out
    assert path.read_text(encoding="utf-8").count("\n  - ") == 1
    code, out, _ = run(tmp_path, capsys, "calendar", "import", str(FIXTURES / "elections.ics"), "--format", "json", elections=path)
    report = json.loads(out)
    assert report["written"] is True
    assert sorted(v["country"] for v in report["added"]) == ["EE", "IN", "MD", "PL"]
    ((change),) = report["changed"]
    assert (change["before"]["date"], change["after"]["date"], change["after"]["date_precision"]) == ("2028-10-01", "2028-10-08", "day")
    assert len(report["skipped"]) == 2
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Test calendar\n") and "as_of: 2026-12-01" in text
    code, out, _ = run(tmp_path, capsys, "calendar", "import", str(FIXTURES / "elections.ics"), elections=path)
    assert out.splitlines()[-1].startswith("0 added, 0 changed, 5 already known")


def test_import_of_a_missing_file_is_a_configuration_error(tmp_path: Path, capsys) -> None:
    shutil.copy(ROOT / "data" / "elections.yaml", tmp_path / "elections.yaml")
    code, _, err = run(tmp_path, capsys, "calendar", "import", str(tmp_path / "nowhere.csv"), elections=tmp_path / "elections.yaml")
    assert code == 2 and "nowhere.csv" in err
