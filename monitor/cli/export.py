"""`monitor export`: the alerts of a period as CSV, JSON or a STIX 2.1 bundle, for other tools."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, timedelta
from pathlib import Path

from monitor.cli.common import EXIT_OK, Subparsers, open_store, start_of
from monitor.daemon.settings import Settings
from monitor.models import Clock
from monitor.review.export import as_record, to_csv, to_stix


def register(commands: Subparsers) -> None:
    export = commands.add_parser(
        "export",
        help="the alerts of a period as CSV, JSON or STIX 2.1",
        description="Write the alerts on items published in a period, with their indicators (EI-01 …), DISARM techniques, "
        "rules, quotes and verdicts: CSV (one row per alert), JSON, or a STIX 2.1 bundle (a report per alert, its "
        "article as observed data, its DISARM techniques as attack patterns).",
    )
    export.add_argument("--since", type=date.fromisoformat, help="items published on or after YYYY-MM-DD")
    export.add_argument("--until", type=date.fromisoformat, help="items published up to YYYY-MM-DD (inclusive)")
    export.add_argument("--format", choices=["csv", "json", "stix"], default="json")
    export.add_argument("--output", type=Path, help="the file to write (default: standard output)")
    export.set_defaults(handler=cmd_export)


def cmd_export(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    until = start_of(args.until + timedelta(days=1)) if args.until else None
    findings = open_store(settings).findings(start_of(args.since), until)
    if args.format == "csv":
        text = to_csv(findings)
    elif args.format == "stix":
        text = to_stix(findings, clock()).serialize(pretty=True) + "\n"
    else:
        text = json.dumps([as_record(f) for f in findings], ensure_ascii=False, indent=2) + "\n"
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
        print(f"{len(findings)} alert(s) written to {args.output} ({args.format}).", file=sys.stderr)
    return EXIT_OK
