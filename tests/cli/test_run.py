"""`monitor run`, `monitor db upgrade`, `monitor demo`: running the monitor, its schema, the offline demonstration."""

from __future__ import annotations

from pathlib import Path

from monitor.cli.main import main
from testbed.settings import make_settings


def test_demo_shows_the_founding_case_alert_offline(tmp_path: Path, capsys) -> None:
    """`monitor demo` serves its sample site, runs one cycle and prints the one alert it would send."""
    assert main(["demo"], settings=make_settings(tmp_path)) == 0
    out = capsys.readouterr().out
    assert "1 alert(s) would be sent" in out
    assert "Lithuania, parliamentary election on 2024-10-13, 18 days after publication" in out
    assert "vote correctly" in out


def test_invalid_rules_stop_run_once_with_exit_2(tmp_path: Path, capsys) -> None:
    """With an invalid rule file nothing runs: exit 2 and the error with its location."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "bad.yaml").write_text("rules:\n  - id: x\n    title: t\n    severity: urgent\n", encoding="utf-8")
    (tmp_path / "sources.yaml").write_text("sources: []\n", encoding="utf-8")
    assert main(["run", "--once"], settings=make_settings(tmp_path, rules_dir=rules)) == 2
    err = capsys.readouterr().err
    assert "bad.yaml:4: rules[0].severity" in err


def test_db_upgrade_creates_the_schema(tmp_path: Path, capsys) -> None:
    """`monitor db upgrade` applies the migrations to a new database, and is idempotent."""
    settings = make_settings(tmp_path)
    assert main(["db", "upgrade"], settings=settings) == 0
    assert main(["db", "upgrade"], settings=settings) == 0
    assert (tmp_path / "monitor.db").exists()
