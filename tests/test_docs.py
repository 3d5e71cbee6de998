"""The README documents every setting and every command, so the docs cannot drift from the code.

Its command table, sample alert and JSON example are written by the code (cog blocks calling
``monitor.cli.docs``; ``make docs`` renews them), its routing example is read by the real loader,
and its layout lists exactly the packages there are.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cogapp import Cog

from monitor.daemon.settings import Settings
from monitor.daemon.wiring import check_crontab
from monitor.detect.rules.schema import CONDITIONS
from monitor.notify.channels import build_channels
from monitor.notify.routing import load_router
from tests.cli.test_main import COMMANDS
from tests.conftest import ROOT

README_PATH = ROOT / "README.md"
README = README_PATH.read_text(encoding="utf-8")


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


def test_the_generated_parts_of_the_readme_are_up_to_date() -> None:
    """Running the README's cog blocks again changes nothing: the command table, the sample alert and
    the JSON are what the code prints today. When this fails, `make docs` and read the difference."""
    assert Cog().process_string(README, fname=str(README_PATH)) == README


def test_the_readme_has_its_generated_parts() -> None:
    """The three cog blocks are there, each closed: the table, the alert, the JSON."""
    assert README.count("[[[cog") == 3 and README.count("[[[end]]]") == 3
    assert "| `monitor rules check [--format text\\|json]` |" in README
    assert "[CRITICAL] Lithuania votes in 18 days (parliamentary, 13 October 2024)" in README
    assert '"proximity_factor": 1.25' in README


def fenced_block(title: str) -> str:
    """The YAML code block of the README whose first line is the comment ``title``."""
    found = re.search(r"```yaml\n(" + re.escape(title) + r"\n.*?)```", README, re.S)
    assert found, title
    return found.group(1)


def test_the_routing_example_is_a_valid_routing_file(tmp_path: Path) -> None:
    """The README's apprise.yaml and routing.yaml load with the real loaders and agree on their tags."""
    apprise_file = tmp_path / "apprise.yaml"
    apprise_file.write_text(fenced_block("# apprise.yaml (MONITOR_NOTIFY_CONFIG)"), encoding="utf-8")
    routing_file = tmp_path / "routing.yaml"
    routing_file.write_text(fenced_block("# routing.yaml (MONITOR_ROUTING_FILE)"), encoding="utf-8")
    channels = build_channels((), apprise_file)
    assert channels.tags >= {"chat", "email", "moldova-desk"}

    router = load_router(routing_file, channels, check_cron=check_crontab)  # ConfigError on a field or a tag the code does not know

    (email,) = channels.tagged("email")
    (chat,) = channels.tagged("chat")
    assert router.digests() == [("0 7 * * *", (email,))]
    assert router.operational() == (chat,)


LAYOUT_LINE = re.compile(r"^( *)(\S+/) ")


def layout() -> set[str]:
    """The directories the README's layout lists, as paths from the repository's root (``monitor/detect/rules``)."""
    block = README.split("\nLayout ", 1)[1].split("```\n", 2)[1]
    paths: set[str] = set()
    parents: list[str] = []
    for line in block.splitlines():
        found = LAYOUT_LINE.match(line)
        assert found, f"not a directory and what it holds: {line!r}"
        depth = len(found.group(1)) // 2
        parents[depth:] = [found.group(2).rstrip("/")]
        paths.add("/".join(parents))
    return paths


def test_the_layout_lists_every_package_and_nothing_else() -> None:
    """Every package under monitor/ has its line in the README's layout, and every line names a directory there is."""
    listed = layout()
    packages = {str(init.parent.relative_to(ROOT)) for init in (ROOT / "monitor").rglob("__init__.py")}
    assert {p for p in listed if p.startswith("monitor")} == packages
    assert all((ROOT / p).is_dir() for p in listed), sorted(p for p in listed if not (ROOT / p).is_dir())
    assert {"rules", "data", "tests", "testbed", "bench"} <= listed


RULES_README = (ROOT / "rules" / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("key", sorted(CONDITIONS))
def test_every_condition_is_documented_with_an_example(key: str) -> None:
    """Each condition of the rule language appears in rules/README.md inside a YAML example."""
    assert f"`{key}`" in RULES_README
    assert f"- {key}:" in RULES_README or f"{key}:" in RULES_README.split("```yaml", 1)[1]
