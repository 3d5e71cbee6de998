"""What the command groups share: exit codes, the store, the sources file, dates from the command line.

Every command is a handler ``(args, settings, clock) -> exit code`` that a group module registers
with ``set_defaults(handler=...)``; ``monitor.cli.main`` reads the settings and calls it.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from monitor.config.packaged import is_shipped
from monitor.daemon.settings import Settings
from monitor.errors import ConfigError, Problem
from monitor.ingest.sources import load_sources
from monitor.models import Clock, Source
from monitor.store.engine import ensure_schema, make_engine
from monitor.store.repo import Store

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2

Handler = Callable[[argparse.Namespace, Settings, Clock], int]

# The type of ``ArgumentParser.add_subparsers()``: argparse keeps it private.
Subparsers = Any


def add_format(parser: argparse.ArgumentParser) -> None:
    """``--format text|json``, which most listing commands take."""
    parser.add_argument("--format", choices=["text", "json"], default="text")


def open_store(settings: Settings) -> Store:
    """The store, with its schema created if the database is new (listing commands run before `db upgrade`)."""
    engine = make_engine(settings.database_url)
    ensure_schema(engine)
    return Store(engine)


def known_sources(settings: Settings) -> dict[str, Source]:
    """The configured sources by id; none when the sources file does not exist."""
    if not settings.sources_file.is_file():
        return {}
    return {s.id: s for s in load_sources(settings.sources_file, settings.default_interval)}


def start_of(value: date | None) -> datetime | None:
    """Midnight UTC of a day given as ``--since``/``--until``."""
    return datetime.combine(value, time(0), tzinfo=UTC) if value else None


def iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def problem(path: str, message: str) -> Problem:
    """A configuration problem about a whole file or input (no location inside it)."""
    return Problem(path, "", message)


def editable(path: Path, setting: str) -> None:
    """Refuse to write into the copy shipped inside the installed package (ConfigError): an update
    would overwrite the change, and the package's folder is often read-only."""
    if is_shipped(path):
        raise ConfigError([problem(str(path), f"this is the copy shipped with the package: run `monitor init DIR`, then run from DIR (or set {setting})")])
