"""`monitor report`: one self-contained HTML page (and Markdown) with a timeline per target country, what fired, and every alert."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from monitor.cli.main import main

PERIOD = ["--since", "2024-09-01", "--until", "2024-10-31"]


def report(settings, clock, tmp_path: Path, *extra: str) -> str:
    target = tmp_path / "report.out"
    assert main(["report", *PERIOD, "--output", str(target), *extra], clock=clock, settings=settings) == 0
    return target.read_text(encoding="utf-8")


def test_the_html_report_holds_the_timeline_what_fired_and_every_alert(founding_case_stored, clock, tmp_path: Path) -> None:
    page = report(founding_case_stored, clock, tmp_path)
    assert "<h2>Lithuania: 1 alert(s)</h2>" in page
    assert "parliamentary 2024-10-13" in page and page.count("<svg") == 1  # the chart, inline
    assert "<code>ei02-vote-appeal-foreign</code>" in page and "<td>EI-02</td>" in page
    assert "Lithuania votes in 18 days" in page and "“calmly and rationally assess”" in page  # each rule's first quote
    assert "None has been marked right or wrong yet." in page
    # Self-contained: nothing to load from anywhere (the only addresses are the alerts' links).
    assert not re.search(r"<(script|link|img|iframe)\b", page) and 'src="' not in page


def test_the_report_says_the_precision_of_what_analysts_marked(founding_case_stored, clock, tmp_path: Path) -> None:
    assert main(["alerts", "mark", "1", "--verdict", "tp"], clock=clock, settings=founding_case_stored) == 0
    assert "1 right, 0 wrong (precision 1.00)" in report(founding_case_stored, clock, tmp_path)


def test_markdown_and_a_country_filter(founding_case_stored, clock, tmp_path: Path) -> None:
    markdown = report(founding_case_stored, clock, tmp_path, "--format", "markdown")
    assert markdown.startswith("# Election-interference alerts, 2024-09-01 to 2024-10-31")
    assert "## Lithuania: 1 alert(s)" in markdown and "| `ei02-vote-appeal-foreign` |" in markdown
    assert "0 alert(s) on 0 target countries" in report(founding_case_stored, clock, tmp_path, "--country", "lv")


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it)")
def test_a_real_browser_renders_the_report(founding_case_stored, clock, tmp_path: Path) -> None:
    """Opened as a person would: headless Chromium loads the file and saves a screenshot."""
    page = tmp_path / "report.html"
    assert main(["report", *PERIOD, "--output", str(page)], clock=clock, settings=founding_case_stored) == 0
    shot = tmp_path / "report.png"
    assert CHROMIUM is not None
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1200,1600", f"--screenshot={shot}", page.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000  # a drawn page, not a blank one


def test_an_alert_that_names_no_vote_is_kept_apart_not_dropped() -> None:
    from datetime import UTC, date, datetime

    from monitor.detect.elections import ElectionCalendar
    from monitor.models import Severity
    from monitor.review.report import build_report
    from monitor.store.findings import Finding

    when = datetime(2024, 9, 25, tzinfo=UTC)
    finding = Finding(1, when, Severity.HIGH, 8.0, "[HIGH] No election in window: X", "x", None, "A text", "en", when, "No election in window", (), (), None, False)
    report = build_report([finding], date(2024, 9, 1), date(2024, 9, 30), None, {"LT": "Lithuania"}, ElectionCalendar([]))
    assert [(t.name, t.alerts) for t in report.timelines] == [("No vote named", 1)]
    assert build_report([finding], date(2024, 9, 1), date(2024, 9, 30), "LT", {"LT": "Lithuania"}, ElectionCalendar([])).timelines == ()
