"""`monitor.cli.docs`: the README's generated parts read like the command line and do not depend on the machine."""

from __future__ import annotations

from monitor.cli.docs import command_table, demo_alert, leaf_commands, synopsis
from monitor.cli.main import build_parser
from tests.conftest import ROOT


def test_a_synopsis_shows_what_is_required_optional_and_chosen() -> None:
    """Optional arguments in brackets, required ones bare, choices as a|b, as `--help` names them."""
    commands = dict(leaf_commands(build_parser()))
    assert synopsis(("alerts", "mark"), commands[("alerts", "mark")]) == "monitor alerts mark ID --verdict tp|fp [--note NOTE] [--format text|json]"
    assert synopsis(("rules", "tune"), commands[("rules", "tune")]) == "monitor rules tune [PATH] [--dry-run] [--no-verdicts] [--format text|json] [--processes N] [--progress]"


def test_the_command_table_has_one_row_per_command_with_its_pipes_escaped() -> None:
    table = command_table().splitlines()
    assert len(table) == 2 + len(list(leaf_commands(build_parser())))
    assert "| `monitor alerts mark ID --verdict tp\\|fp [--note NOTE] [--format text\\|json]` | Record whether" in command_table()


def test_the_sample_alert_hides_the_sample_sites_port(monkeypatch) -> None:
    """The demo serves on a free port; the README shows PORT, and no MONITOR_* variable changes the alert."""
    monkeypatch.setenv("MONITOR_ALERT_SEVERITY", "critical")
    monkeypatch.setenv("MONITOR_RULES_DIR", "/nonexistent")
    alert = demo_alert(ROOT)
    assert "Link: http://127.0.0.1:PORT/by-mfa/reset-with-lithuania.html" in alert
    assert alert.startswith("[CRITICAL] Lithuania votes in 18 days (parliamentary, 13 October 2024)") and "\n...\n" in alert
