"""`monitor alerts list` and `monitor sources list`: what a run stored, and each source's health."""

from __future__ import annotations

import json
from pathlib import Path

from monitor.cli.main import main
from monitor.demo import demo_sources, serve_sample_site
from testbed.settings import make_settings


def test_alerts_and_sources_list_show_what_a_run_did(tmp_path: Path, clock, capsys) -> None:
    """After a run, `alerts list` shows the alert with its deliveries and `sources list` the health."""
    with serve_sample_site() as base:
        settings = make_settings(tmp_path, sources_file=demo_sources(base, tmp_path))
        assert main(["run", "--once"], clock=clock, settings=settings) == 0
    capsys.readouterr()

    assert main(["alerts", "list", "--format", "json"], settings=settings) == 0
    (alert,) = json.loads(capsys.readouterr().out)
    assert alert["source"] == "demo-by-mfa" and alert["deliveries"][0]["state"] == "sent"

    assert main(["sources", "list"], settings=settings) == 0
    out = capsys.readouterr().out
    assert "demo-by-mfa" in out and "demo-lt-gov" in out and "FAILING" not in out


def test_sources_list_shows_a_failing_source(tmp_path: Path, http_server, clock, capsys) -> None:
    """A source that fails shows its failures, last error and next poll."""
    http_server.serve("/feed.xml", "down", status=503)
    (tmp_path / "sources.yaml").write_text(
        f"sources:\n  - {{id: down, name: Down, url: '{http_server.url('/feed.xml')}', kind: official, country: BY}}\n", encoding="utf-8"
    )
    settings = make_settings(tmp_path)
    assert main(["run", "--once"], clock=clock, settings=settings) == 1  # nothing could run
    capsys.readouterr()
    main(["sources", "list", "--format", "json"], settings=settings)
    (row,) = json.loads(capsys.readouterr().out)
    assert row["consecutive_failures"] == 1 and "HTTP 503" in row["last_error"] and row["next_poll"]
