"""Probes 11, 12 and 13: ``monitor run --once`` with unreadable files and bad settings, and rules whose regex can backtrack."""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from bench.hostile_probes.measure import ROOT
from monitor.cli.main import main as cli_main
from monitor.detect.rules.loader import load_rules
from monitor.errors import RuleError
from testbed.settings import sandbox_environment

# -- 11, 12. the command line ------------------------------------------------------------------


GOOD_SOURCES = "sources:\n  - id: s\n    name: S\n    url: http://127.0.0.1:9/feed.xml\n    kind: official\n    country: BY\n"


@contextlib.contextmanager
def environment(variables: dict[str, str], cwd: Path) -> Iterator[None]:
    """Only these MONITOR_* variables set, and ``cwd`` (which holds no .env) as the working directory."""
    saved, here = dict(os.environ), Path.cwd()
    for name in [n for n in os.environ if n.startswith("MONITOR_")]:
        del os.environ[name]
    os.environ.update(variables)
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(here)
        os.environ.clear()
        os.environ.update(saved)


def run_once(tmp: Path, overrides: dict[str, str], sources: str = GOOD_SOURCES, rules_dir: Path | None = None) -> tuple[int, list[str], bool]:
    """``monitor run --once`` through ``monitor.cli.main.main`` in a fresh directory: exit code, stderr lines, database created."""
    work = Path(tempfile.mkdtemp(dir=tmp))
    (work / "sources.yaml").write_text(sources, encoding="utf-8")
    database = work / "monitor.db"
    variables = sandbox_environment(work) | {
        "MONITOR_RULES_DIR": str(rules_dir or ROOT / "rules"),
        "MONITOR_CONNECT_TIMEOUT": "1",
        **overrides,
    }
    err, out = io.StringIO(), io.StringIO()
    with environment(variables, work), contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = cli_main(["run", "--once"])
    return code, [line for line in err.getvalue().splitlines() if line.strip()], database.exists()


def probe_unreadable_config(tmp: Path) -> str:
    rules = tmp / "latin1-rules"
    rules.mkdir()
    (rules / "ministere.yaml").write_bytes("rules:\n  - id: x\n    title: Minist\xe8re des Affaires \xe9trang\xe8res\n".encode("latin-1"))
    answers = []
    for name, overrides, rules_dir in (("a rule file in Latin-1", {}, rules), ("MONITOR_LOG_LEVEL=LOUD", {"MONITOR_LOG_LEVEL": "LOUD"}, None)):
        code, lines, _ = run_once(tmp, overrides, rules_dir=rules_dir)
        shown = lines[0].replace(str(rules), "<rules>") if lines else ""
        answers.append(f"{name}: exit {code}, {len(lines)} line{'s' if len(lines) != 1 else ''}: {shown!r}")
    return "; ".join(answers)


def probe_bad_settings(tmp: Path) -> str:
    # (what is set, the variables, the sources file, what the error line must name)
    with_line_break = GOOD_SOURCES.replace("url: http://127.0.0.1:9/feed.xml", 'url: "http://127.0.0.1:9/a\\nb.xml"')
    cases = [(f"{name}={value}", {name: value}, GOOD_SOURCES, name) for name, value in (
        ("MONITOR_MAX_BODY_BYTES", "-1"),
        ("MONITOR_READ_TIMEOUT", "-1"),
        ("MONITOR_CONNECT_TIMEOUT", "0"),
        ("MONITOR_MAX_REDIRECTS", "-1"),
        ("MONITOR_HTTP_LISTEN", "nonsense"),
    )] + [("a source URL with a line break", {}, with_line_break, "sources[0].url")]
    answers = []
    for label, overrides, sources, culprit in cases:
        code, lines, created = run_once(tmp, overrides, sources)
        named = "naming it" if any(culprit in line for line in lines) else "NOT naming it"
        answers.append(f"{label} -> exit {code}, database {'CREATED' if created else 'none'}, {len(lines)} line {named}")
    return "; ".join(answers)


# -- 13. the pattern check ---------------------------------------------------------------------


def probe_patterns(tmp: Path) -> str:
    patterns = [r"(a|aa)+$", r"((a+))+$", r"(a|a)*$"]
    rules = tmp / "pattern-rules"
    rules.mkdir()
    (rules / "patterns.yaml").write_text(
        "rules:\n"
        + "".join(
            f"  - id: p{index}\n    title: t\n    severity: low\n    weight: 1\n    match:\n      regex: '{pattern}'\n"
            "    examples:\n      match: [{text: a}]\n      no_match: [{text: b}]\n"
            for index, pattern in enumerate(patterns)
        ),
        encoding="utf-8",
    )
    try:
        load_rules(rules, learned=False)
        problems: dict[str, str] = {}
    except RuleError as exc:
        problems = {p.location: p.message for p in exc.problems}
    answers = []
    for index, pattern in enumerate(patterns):
        message = problems.get(f"rules[{index}].match.regex")
        answers.append(f"{pattern} refused: yes ({message.split(': it can backtrack')[0]})" if message else f"{pattern} refused: NO")
    return f"{sum(1 for i in range(len(patterns)) if f'rules[{i}].match.regex' in problems)}/{len(patterns)} refused at load; " + "; ".join(answers)
