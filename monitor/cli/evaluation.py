"""`monitor eval` and `monitor backtest`: a rule set measured on labelled texts, and tried on the stored items."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from itertools import chain
from pathlib import Path

from monitor.cli.common import EXIT_OK, Subparsers, add_format, known_sources, open_store, start_of
from monitor.cli.progress import ProgressBar, add_speed_options
from monitor.daemon.settings import Settings
from monitor.daemon.wiring import load_knowledge
from monitor.models import Clock
from monitor.review.backtest import backtest
from monitor.review.backtest import report_json as backtest_json
from monitor.review.backtest import report_text as backtest_text
from monitor.review.evaluation import evaluate, load_cases, report_json, report_text
from monitor.review.rescoring import processes_for
from monitor.review.selftest import checked_rules


def register(commands: Subparsers) -> None:
    evaluation = commands.add_parser("eval", help="precision and recall of the rules on labelled texts", description="Score every labelled case in PATH (a YAML file or a directory of them) and print precision, recall and the misses.")
    evaluation.add_argument("path", type=Path, help="an evaluation file or directory, e.g. tests/eval")
    add_format(evaluation)
    add_speed_options(evaluation)
    evaluation.set_defaults(handler=cmd_eval)

    back = commands.add_parser("backtest", help="re-score stored items with another rule set and show what would change", description="Re-score the stored items with the rules in DIR and report the alerts that would be added, removed or change severity, per rule, with the analysts' verdicts. Sends nothing and changes no stored alert; keeps each item's analysis that no rule changes, so the next run is faster.")
    back.add_argument("--rules", type=Path, required=True, metavar="DIR", help="the rule set to try (a directory of rule files)")
    back.add_argument("--since", type=date.fromisoformat, help="items published on or after YYYY-MM-DD")
    back.add_argument("--until", type=date.fromisoformat, help="items published before YYYY-MM-DD")
    add_format(back)
    add_speed_options(back)
    back.set_defaults(handler=cmd_backtest)


def cmd_eval(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    knowledge = load_knowledge(settings)
    cases = load_cases(args.path)
    processes = processes_for(len(cases), args.processes)
    bar = ProgressBar("eval", len(cases), args.progress)
    report = evaluate(cases, knowledge.rules, knowledge.gazetteer, knowledge.calendar, settings.thresholds(), processes, bar)
    bar.finish("texts", processes)
    if args.format == "json":
        print(json.dumps(report_json(report), ensure_ascii=False, indent=2))
    else:
        print(report_text(report))
    return EXIT_OK


def cmd_backtest(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    knowledge = load_knowledge(settings)
    rules, warnings = checked_rules(args.rules, knowledge.gazetteer, knowledge.calendar)  # the checks of a reload
    for warning in warnings:
        print(warning, file=sys.stderr)
    store = open_store(settings)
    since, until = start_of(args.since), start_of(args.until)
    total = store.count_history(since, until)
    processes = processes_for(total, args.processes)
    bar = ProgressBar("backtest", total, args.progress)
    report = backtest(
        chain.from_iterable(store.history_batches(since, until)), rules, knowledge.gazetteer, knowledge.calendar,
        settings.thresholds(), store.verdicts(), known_sources(settings), bar, processes, keep=store.save_features,
    )
    bar.finish("items", processes, report.items)
    if args.format == "json":
        print(json.dumps(backtest_json(report), ensure_ascii=False, indent=2))
    else:
        print(backtest_text(report, since, until))
    return EXIT_OK
