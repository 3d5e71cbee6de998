"""`monitor report`: the alerts of a period on one page (HTML with timelines, or Markdown)."""

from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta
from pathlib import Path

from monitor.cli.common import EXIT_OK, Subparsers, open_store, start_of
from monitor.daemon.settings import Settings
from monitor.daemon.wiring import load_knowledge
from monitor.models import Clock
from monitor.review.report import build_report, render


def register(commands: Subparsers) -> None:
    report = commands.add_parser(
        "report",
        help="the alerts of a period on one page: HTML with timelines, or Markdown",
        description="Write one self-contained HTML file (no network needed to view it) or Markdown: per target country a "
        "timeline of alerts per day by severity with its election days marked, the indicators and rules that fired, the "
        "precision the analysts' verdicts give, and every alert with its evidence and link.",
    )
    report.add_argument("--since", type=date.fromisoformat, required=True, help="items published on or after YYYY-MM-DD")
    report.add_argument("--until", type=date.fromisoformat, required=True, help="items published up to YYYY-MM-DD (inclusive)")
    report.add_argument("--country", type=str.upper, help="only alerts on this target country (ISO code)")
    report.add_argument("--format", choices=["html", "markdown"], default="html")
    report.add_argument("--output", type=Path, required=True, metavar="FILE")
    report.set_defaults(handler=cmd_report)


def cmd_report(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    knowledge = load_knowledge(settings)
    findings = open_store(settings).findings(start_of(args.since), start_of(args.until + timedelta(days=1)))
    report = build_report(findings, args.since, args.until, args.country, dict(knowledge.gazetteer.names), knowledge.calendar)
    args.output.write_text(render(report, args.format), encoding="utf-8")
    print(f"{len(report.findings)} alert(s) on {len(report.timelines)} countries written to {args.output} ({args.format}).", file=sys.stderr)
    return EXIT_OK
