"""`monitor alerts evidence`: an alert's feed document and page as they were fetched, with a manifest of checksums."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from monitor.cli.main import main
from monitor.store.engine import make_engine
from monitor.store.repo import Store
from monitor.store.tables import Evidence
from testbed.builders import count_rows
from tests.conftest import ROOT

PAGE = ROOT / "monitor" / "demo" / "site" / "by-mfa" / "reset-with-lithuania.html"


def test_the_alerts_bytes_are_written_as_fetched_with_their_checksums(founding_case_stored, clock, tmp_path: Path, capsys) -> None:
    folder = tmp_path / "evidence"
    assert main(["alerts", "evidence", "1", "--output", str(folder)], clock=clock, settings=founding_case_stored) == 0
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    by_kind = {entry["kind"]: entry for entry in manifest["files"]}
    assert set(by_kind) == {"feed", "page", "text"}
    assert (folder / by_kind["page"]["name"]).read_bytes() == PAGE.read_bytes()  # exactly what was served
    assert by_kind["page"]["name"] == "page.html" and by_kind["feed"]["name"] == "feed.xml"
    assert b"reset-with-lithuania" in (folder / by_kind["feed"]["name"]).read_bytes()
    for entry in manifest["files"]:
        assert hashlib.sha256((folder / entry["name"]).read_bytes()).hexdigest() == entry["sha256"]
    assert by_kind["page"]["url"].endswith("/by-mfa/reset-with-lithuania.html?utm_source=rss&utm_medium=feed")
    assert by_kind["page"]["fetched_at"].startswith("2024-09-25") and ["content-type", "text/html; charset=utf-8"] in [[k.lower(), v] for k, v in by_kind["page"]["headers"]]
    assert "vote correctly" in (folder / "text.txt").read_text(encoding="utf-8")


def test_only_alerting_items_keep_their_bytes(founding_case_stored) -> None:
    kept = count_rows(Store(make_engine(founding_case_stored.database_url)), Evidence)
    assert kept == 2  # the founding case's feed document and page; the routine items keep none


def test_a_folder_in_use_and_an_unknown_alert_are_refused(founding_case_stored, clock, tmp_path: Path, capsys) -> None:
    used = tmp_path / "used"
    used.mkdir()
    (used / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(["alerts", "evidence", "1", "--output", str(used)], clock=clock, settings=founding_case_stored) == 2
    assert (used / "notes.txt").read_text(encoding="utf-8") == "mine" and len(list(used.iterdir())) == 1
    assert main(["alerts", "evidence", "99", "--output", str(tmp_path / "none")], clock=clock, settings=founding_case_stored) == 1
