"""The parts of README.md that the code writes: the command table, the sample alert, the JSON of `monitor score`.

README.md holds cog blocks (``cog -r README.md``, or ``make docs``) that call these functions, and
``tests/test_docs.py`` runs ``cog --check`` so a block that no longer matches the code fails the
tests. Everything here is deterministic and offline: the parser is walked, not run; the sample
alert is a real `monitor demo` (its sample site is served on loopback) with a fixed clock; the JSON
is a real `monitor score` of the founding case's page. Settings come from the arguments only,
never from the environment or a .env file, so the README reads the same on every machine.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import shlex
import tempfile
from collections.abc import Iterator
from contextlib import redirect_stdout
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from monitor.daemon.settings import Settings
from monitor.demo import run_demo

# The founding case's publication day, at noon UTC: the clock of the generated examples.
FOUNDING_DAY = datetime(2024, 9, 25, 12, 0, tzinfo=UTC)

SCORE_EXAMPLE = "monitor score monitor/demo/site/by-mfa/reset-with-lithuania.html --published 2024-09-25 --source-country BY --format json"


# -- the command table ------------------------------------------------------------------------


def leaf_commands(parser: argparse.ArgumentParser, words: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every command that runs something (``("rules", "check")`` and its parser), in the order ``--help`` lists them."""
    groups = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    if not groups:
        yield words, parser
    for group in groups:
        for name, sub in group.choices.items():
            yield from leaf_commands(sub, (*words, name))


def synopsis(words: tuple[str, ...], parser: argparse.ArgumentParser) -> str:
    """``monitor rules stats [--since SINCE] [--format text|json]``: argparse's usage line, with choices as a|b."""
    parts = ["monitor", *words]
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        if not action.option_strings:  # a positional argument
            name = action.metavar or action.dest.upper()
            parts.append(f"[{name}]" if action.nargs == "?" else str(name))
            continue
        flag = action.option_strings[0]
        if action.nargs != 0:
            value = action.metavar or ("|".join(map(str, action.choices)) if action.choices else action.dest.upper())
            flag = f"{flag} {value}"
        parts.append(flag if action.required else f"[{flag}]")
    return " ".join(parts)


def command_table(parser: argparse.ArgumentParser | None = None) -> str:
    """The README's table of commands: each command's synopsis and its ``--help`` description."""
    if parser is None:
        from monitor.cli.main import build_parser  # here, not at the top: main imports every command group

        parser = build_parser()
    rows = ["| command | what it does |", "|---|---|"]
    for words, sub in leaf_commands(parser):
        what = sub.description or sub.format_usage()
        rows.append(f"| `{_cell(synopsis(words, sub))}` | {_cell(what)} |")
    return "\n".join(rows) + "\n"


def _cell(text: str) -> str:
    """Text for one cell of a Markdown table: one line, its pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


# -- real output --------------------------------------------------------------------------------


class _ArgumentsOnly(Settings):
    """Settings from the arguments and the defaults only: no MONITOR_* variable, no .env file."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def docs_settings(root: Path, workdir: Path) -> Settings:
    """The project's rules and data under ``root``; a database and sources file in ``workdir``; no channel."""
    return _ArgumentsOnly(
        database_url=f"sqlite:///{workdir}/monitor.db",
        sources_file=workdir / "sources.yaml",
        rules_dir=root / "rules",
        elections_file=root / "data" / "elections.yaml",
        countries_file=root / "data" / "countries.yaml",
        notify_urls="",
        allow_private_addresses="127.0.0.1",
    )


def demo_alert(root: Path, rules_shown: int = 3) -> str:
    """The alert `monitor demo` would send, its list of matched rules cut after ``rules_shown``.

    The sample site's address (a free port on loopback) is written ``127.0.0.1:PORT``.
    """
    out = io.StringIO()
    with tempfile.TemporaryDirectory(prefix="monitor-docs-") as workdir:
        run_demo(docs_settings(root, Path(workdir)), lambda: FOUNDING_DAY, out)
    printed = out.getvalue()
    base = re.search(r"Sample site at (\S+);", printed)
    alert = printed.split("would be sent:\n\n", 1)[1].strip()
    if base:
        alert = alert.replace(base.group(1), "http://127.0.0.1:PORT")
    lines = alert.splitlines()
    rule_starts = [i for i, line in enumerate(lines) if line.startswith("- ")]
    ending = next(i for i, line in enumerate(lines) if line.startswith("Link: "))
    if len(rule_starts) > rules_shown:
        lines = [*lines[: rule_starts[rules_shown]], "...", *lines[ending:]]
    return "\n".join(lines) + "\n"


def score_json(root: Path, command: str = SCORE_EXAMPLE, matches_shown: int = 1, evidence_shown: int = 2) -> str:
    """What ``command`` prints, run in ``root``: one top-level key a line, long lists cut, each cut marked ``...``."""
    from monitor.cli.main import main  # here, not at the top: main imports every command group

    out = io.StringIO()
    words = [str(root / word) if (root / word).is_file() else word for word in shlex.split(command)[1:]]
    with tempfile.TemporaryDirectory(prefix="monitor-docs-") as workdir, redirect_stdout(out):
        main(words, clock=lambda: FOUNDING_DAY, settings=docs_settings(root, Path(workdir)))
    lines = []
    for key, value in json.loads(out.getvalue()).items():
        if key == "matches":
            lines.append(f'  "matches": [\n{_matches(value, matches_shown, evidence_shown)}\n  ]')
        elif value and isinstance(value, list) and all(isinstance(v, dict) for v in value):
            lines.append(f"  {json.dumps(key)}: [\n" + ",\n".join(f"    {_compact(v)}" for v in value) + "\n  ]")
        else:
            lines.append(f"  {json.dumps(key)}: {_compact(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def _matches(matches: list[dict[str, Any]], shown: int, evidence_shown: int) -> str:
    rows = []
    for match in matches[:shown]:
        evidence = [_compact(e) for e in match["evidence"][:evidence_shown]]
        if len(match["evidence"]) > evidence_shown:
            evidence.append("...")
        fields = [f"{json.dumps(k)}: {_compact(v)}" for k, v in match.items() if k != "evidence"]
        rows.append("    {" + ", ".join(fields) + ',\n     "evidence": [' + ",\n                  ".join(evidence) + "]}")
    if len(matches) > shown:
        rows.append(f"    ... ({len(matches) - shown} more matches)")
    return ",\n".join(rows)


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def fenced(text: str, language: str = "") -> str:
    """``text`` as a Markdown code block."""
    return f"```{language}\n{text.rstrip()}\n```\n"
