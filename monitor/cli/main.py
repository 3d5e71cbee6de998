"""The `monitor` command: the parser assembled from the command groups, the settings read, the handler called.

Each group module (``monitor.cli.run``, ``score``, ``rules``, ...) registers its subcommands and
their handlers; this module turns what can go wrong before or around a handler (invalid settings,
invalid configuration files, an unreachable database, a closed pipe) into a message and an exit code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from pydantic import ValidationError
from pydantic_settings import SettingsError

from monitor import __version__
from monitor.cli import alerts, calendar, evaluation, export, init, report, rules, run, score, silence, sources
from monitor.cli.common import EXIT_CONFIG, EXIT_OK
from monitor.config.logs import set_up_logging
from monitor.daemon.settings import Settings
from monitor.errors import ConfigError, DatabaseError
from monitor.models import Clock

# In the order `monitor --help` lists them.
GROUPS = (
    run.register,
    score.register,
    rules.register,
    alerts.register,
    silence.register,
    sources.register,
    evaluation.register,
    calendar.register,
    export.register,
    report.register,
    init.register,
    run.register_db_and_demo,
)

def utc_now() -> datetime:
    return datetime.now(UTC)


def main(argv: Sequence[str] | None = None, *, clock: Clock = utc_now, settings: Settings | None = None) -> int:
    """Entry point. Tests pass ``clock`` and ``settings``; the console script passes nothing."""
    args = build_parser().parse_args(argv)
    try:
        settings = settings or Settings()
    except ValidationError as exc:
        return _config_errors([f"{_variable(error['loc'])}: {error['msg'].removeprefix('Value error, ')}" for error in exc.errors(include_url=False)])
    except (SettingsError, UnicodeDecodeError) as exc:  # a .env file that cannot be read
        return _config_errors([f".env: {exc}"])
    set_up_logging(settings.log_level, settings.log_format)
    try:
        return int(args.handler(args, settings, clock))
    except BrokenPipeError:  # `monitor alerts list | head`
        sys.stderr.close()
        return EXIT_OK
    except ConfigError as exc:
        return _config_errors([str(problem) for problem in exc.problems])
    except DatabaseError as exc:
        print(f"Database: {exc}", file=sys.stderr)
        return EXIT_CONFIG


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="monitor", description="Election-interference indicator monitor.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in GROUPS:
        register(commands)
    return parser


def _variable(loc: tuple[int | str, ...]) -> str:
    return "MONITOR_" + "_".join(str(part) for part in loc).upper()


def _config_errors(lines: list[str]) -> int:
    """Print configuration problems to standard error: one on one line, several under a heading."""
    if len(lines) == 1:
        print(f"Configuration error: {lines[0]}", file=sys.stderr)
    else:
        print("Configuration errors:", file=sys.stderr)
        for line in lines:
            print(f"  {line}", file=sys.stderr)
    return EXIT_CONFIG
