"""scripts/gazetteer_lint.py: a generated name that catches an ordinary word is reported, a country's own forms are not."""

from __future__ import annotations

from pathlib import Path

from monitor.detect.countries import load_countries
from scripts.gazetteer_lint import catches


def test_a_stem_catching_an_ordinary_word_is_reported(tmp_path: Path) -> None:
    """Кита*3 (from Китай) catches кита, a form of кит (whale); Китая and the demonym китаец are China's own."""
    path = tmp_path / "countries.yaml"
    path.write_text(
        'languages: [ru]\ncountries:\n'
        '  - {code: "CN", name: China, region: Asia, phrases: {ru: [китаец, китайц*]}}\n'
        '  - {code: "GE", name: Georgia, region: Asia, phrases: {ru: [грузин*]}}\n',
        encoding="utf-8",
    )
    lemmas = {"кита": "кит", "китая": "китай", "китайца": "китаец", "грузить": "грузить", "грузии": "грузия", "грузины": "грузин"}
    assert sorted(catches(load_countries(path), "ru", lemmas)) == [("CN", "кита*3", "кита"), ("GE", "грузи*3", "грузить")]
