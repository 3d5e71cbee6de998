"""Logs: one JSON object per line with MONITOR_LOG_FORMAT=json, naming the ids a message concerns; other libraries kept quiet."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from monitor.demo import demo_sources, serve_sample_site
from testbed.settings import sandbox_environment
from tests.conftest import ROOT


def run_once(tmp_path: Path, **settings: str) -> list[str]:
    """The lines `monitor run --once` writes to standard error over the demo's sources."""
    with serve_sample_site() as base:
        demo_sources(base, tmp_path)
        env = os.environ | sandbox_environment(tmp_path) | {"MONITOR_CACHE_DIR": ""} | settings
        done = subprocess.run([sys.executable, "-m", "monitor", "run", "--once"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stderr.splitlines()


def test_json_logs_parse_line_by_line_and_name_what_they_concern(tmp_path: Path) -> None:
    lines = run_once(tmp_path, MONITOR_LOG_FORMAT="json")
    records = [json.loads(line) for line in lines]  # every line is one object
    assert records
    for record in records:
        assert {"time", "level", "logger", "message"} <= record.keys()
    polled = [r for r in records if r["message"].startswith("alert ")]
    assert polled and polled[0]["source"] == "demo-by-mfa" and polled[0]["item"].isdigit()
    alert = next(r for r in records if r["message"].startswith("ALERT"))
    assert "\n" in alert["message"]  # the whole message, on one line of the log


def test_other_libraries_log_warnings_only_unless_debug(tmp_path: Path) -> None:
    records = [json.loads(line) for line in run_once(tmp_path, MONITOR_LOG_FORMAT="json")]
    assert {r["logger"].split(".")[0] for r in records if r["level"] in ("INFO", "DEBUG")} == {"monitor"}
    (tmp_path / "debug").mkdir()
    debug = [json.loads(line) for line in run_once(tmp_path / "debug", MONITOR_LOG_FORMAT="json", MONITOR_LOG_LEVEL="DEBUG")]
    assert {r["logger"].split(".")[0] for r in debug} - {"monitor"}, "DEBUG lets the libraries speak"


def test_text_logs_stay_the_default(tmp_path: Path) -> None:
    lines = run_once(tmp_path)
    assert lines and not lines[0].startswith("{")
