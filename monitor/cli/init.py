"""`monitor init DIR`: a folder an analyst can tune, with a copy of the shipped rule pack and data files."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from monitor.cli.common import EXIT_CONFIG, EXIT_OK, Subparsers, add_format
from monitor.config.packaged import SHIPPED, shipped
from monitor.daemon.settings import Settings
from monitor.models import Clock


def register(commands: Subparsers) -> None:
    init = commands.add_parser(
        "init",
        help="copy the shipped rules and data into a folder to tune",
        description="Copy the shipped rule pack (rules/) and data files (data/sources.yaml, elections.yaml, countries.yaml) "
        "into DIR. Run the monitor from DIR, and it uses these copies: each path setting defaults to the working "
        "directory's file when there is one. Refuses to overwrite a file that is already there.",
    )
    init.add_argument("directory", type=Path, metavar="DIR")
    add_format(init)
    init.set_defaults(handler=cmd_init)


def cmd_init(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    target: Path = args.directory
    there = [relative for relative in SHIPPED if (target / relative).exists()]
    if there:
        print(f"Configuration error: {target / there[0]} already exists; nothing was copied (choose a new folder, or move it away)", file=sys.stderr)
        return EXIT_CONFIG
    for relative in SHIPPED:
        source, copy = shipped(relative), target / relative
        copy.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copyfile(source, copy)
    if args.format == "json":
        print(json.dumps({"directory": str(target), "copied": list(SHIPPED)}))
    else:
        print(f"Copied {', '.join(SHIPPED)} into {target}.")
        print(f"Run the monitor from there (cd {target}), or point MONITOR_RULES_DIR and the MONITOR_*_FILE settings at these copies.")
    return EXIT_OK
