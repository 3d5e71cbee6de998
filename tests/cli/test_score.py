"""`monitor score`: one text, page or URL scored as the daemon would; its JSON keeps the design's contract."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from monitor.cli.main import main
from testbed.settings import make_settings

FOUNDING_TEXT = (
    "For centuries our peoples lived side by side, and there is nothing for us to divide. "
    "Official Vilnius made its bet on a state coup and waged a hybrid war. Lithuania has lost about $1 billion. "
    "We propose a reset of our relations. It is time to step back from the edge of the abyss. "
    "I call on Lithuanians to calmly and rationally assess the situation and vote correctly."
)


def test_score_json_follows_the_contract(tmp_path: Path, capsys) -> None:
    """`monitor score --format json` gives alert, severity, score, matches with evidence, elections, countries, language."""
    text_file = tmp_path / "statement.txt"
    text_file.write_text(FOUNDING_TEXT, encoding="utf-8")
    settings = make_settings(tmp_path)
    code = main(["score", str(text_file), "--published", "2024-09-25", "--source-kind", "official", "--source-country", "BY", "--format", "json"], settings=settings)
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) >= {"alert", "severity", "score", "matches", "elections", "countries", "language"}
    assert result["alert"] is True
    assert result["base_score"] == pytest.approx(sum(m["weight"] for m in result["matches"]))
    assert result["proximity_factor"] == 1.25  # 18 days before the vote
    assert result["score"] == round(result["base_score"] * 1.25, 2)
    assert result["elections"][0] == {"country": "LT", "type": "parliamentary", "date": "2024-10-13", "name": result["elections"][0]["name"], "days_until": 18}
    assert "LT" in result["countries"] and result["language"] == "en"
    rules = {m["rule"] for m in result["matches"]}
    assert {"ei02-vote-appeal-foreign", "ei03-reset-offer-before-election", "ei06-abyss-threat"} <= rules
    for match in result["matches"]:
        assert {"rule", "title", "weight", "tags", "evidence"} <= set(match)
        for evidence in match["evidence"]:
            assert FOUNDING_TEXT[evidence["start"] : evidence["end"]] == evidence["quote"]


def test_score_reads_a_page_and_standard_input(tmp_path: Path, capsys, monkeypatch) -> None:
    """An .html file goes through extraction; `-` reads plain text from standard input."""
    html = tmp_path / "page.html"
    html.write_text(f"<html><body><article><h1>Reset</h1><p>{FOUNDING_TEXT}</p></article></body></html>", encoding="utf-8")
    settings = make_settings(tmp_path)
    assert main(["score", str(html), "--published", "2024-09-25", "--source-country", "BY"], settings=settings) == 0
    assert "ALERT" in capsys.readouterr().out

    monkeypatch.setattr(sys, "stdin", __import__("io").StringIO("The weather in Minsk is fine."))
    assert main(["score", "-", "--published", "2023-06-01"], settings=settings) == 0
    out = capsys.readouterr().out
    assert "no alert" in out and "No rule matched." in out


def test_the_same_statement_from_the_target_country_does_not_alert(tmp_path: Path, capsys) -> None:
    """The speaker's country matters: the same words from a Lithuanian source are not interference."""
    text_file = tmp_path / "statement.txt"
    text_file.write_text(FOUNDING_TEXT, encoding="utf-8")
    main(["score", str(text_file), "--published", "2024-09-25", "--source-country", "LT", "--format", "json"], settings=make_settings(tmp_path))
    assert json.loads(capsys.readouterr().out)["alert"] is False


def test_score_fetches_and_extracts_a_url(tmp_path: Path, http_server, capsys) -> None:
    """A URL is fetched (through the address guard) and extracted like a page of a feed."""
    url = http_server.serve("/statement.html", f"<html><body><article><h1>Reset</h1><p>{FOUNDING_TEXT}</p></article></body></html>", headers={"Content-Type": "text/html"})
    settings = make_settings(tmp_path)
    assert main(["score", url, "--published", "2024-09-25", "--source-country", "BY", "--format", "json"], settings=settings) == 0
    assert json.loads(capsys.readouterr().out)["alert"] is True

    assert main(["score", url], settings=make_settings(tmp_path, allow_private_addresses="false")) == 2
    assert "non-public address" in capsys.readouterr().err


def test_score_refuses_a_binary_page(tmp_path: Path, http_server, capsys) -> None:
    """A URL that serves binary bytes is not scored as text: exit 2 saying why."""
    url = http_server.serve("/garbage.html", b"<html><body>" + bytes(range(256)) * 100 + b"</body></html>", headers={"Content-Type": "text/html"})
    assert main(["score", url], settings=make_settings(tmp_path)) == 2
    assert "binary content" in capsys.readouterr().err
