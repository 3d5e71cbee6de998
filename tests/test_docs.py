"""The README documents every setting and every command, so the docs cannot drift from the code."""

from __future__ import annotations

import pytest

from monitor.daemon.settings import Settings
from monitor.detect.rules.schema import CONDITIONS
from tests.cli.test_main import COMMANDS
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_in_the_readme(name: str) -> None:
    """Each MONITOR_* variable has a row in the README's configuration table."""
    assert f"| `MONITOR_{name.upper()}` |" in README


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_is_in_the_readme(command: list[str]) -> None:
    """Each command appears in the README."""
    assert "monitor " + " ".join(command) in README


def test_the_readme_shows_the_two_commands() -> None:
    """The quick start is `make run` and `make test`."""
    assert "make run" in README and "make test" in README


RULES_README = (ROOT / "rules" / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("key", sorted(CONDITIONS))
def test_every_condition_is_documented_with_an_example(key: str) -> None:
    """Each condition of the rule language appears in rules/README.md inside a YAML example."""
    assert f"`{key}`" in RULES_README
    assert f"- {key}:" in RULES_README or f"{key}:" in RULES_README.split("```yaml", 1)[1]
