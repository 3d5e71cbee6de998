"""`monitor rules check | test | tune | stats`: the rule files validated, their examples run, their weights learned, their record."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from datetime import date
from itertools import chain
from pathlib import Path

from monitor.cli.common import (
    EXIT_CONFIG,
    EXIT_FAILED,
    EXIT_OK,
    Subparsers,
    add_format,
    editable,
    known_sources,
    open_store,
    start_of,
)
from monitor.cli.progress import ProgressBar, add_speed_options
from monitor.daemon.settings import Settings
from monitor.daemon.wiring import Knowledge, load_knowledge
from monitor.detect.rules.weights import weights_path
from monitor.errors import ConfigError
from monitor.models import Clock, Thresholds, Verdict
from monitor.review.backtest import source_of
from monitor.review.evaluation import evaluate, load_cases
from monitor.review.rescoring import Scorer, Text, processes_for, score_all
from monitor.review.selftest import check_pack, run_examples
from monitor.review.tuning import Labelled, cross_validate, fit, fit_json, labelled, report_lines, weights_yaml
from monitor.store.repo import StoredItem


def register(commands: Subparsers) -> None:
    rules = commands.add_parser("rules", help="check or test the rule files").add_subparsers(dest="rules_command", required=True, metavar="ACTION")
    check = rules.add_parser(
        "check",
        help="validate every rule file; exit 2 listing every error",
        description="Validate the rule files, the election calendar and the gazetteer, run the rule validators and every example; list every error with its file, line and location and exit 2. Warnings are printed and do not fail.",
    )
    add_format(check)
    check.set_defaults(handler=cmd_rules_check)
    test = rules.add_parser("test", help="run every rule's examples; exit 1 on a failure", description="Run each rule's examples: texts it must match and texts it must not.")
    test.add_argument("-v", "--verbose", action="store_true", help="list passing examples too")
    add_format(test)
    test.set_defaults(handler=cmd_rules_test)
    tune = rules.add_parser(
        "tune",
        help="learn the rules' weights and the alert threshold from labelled texts",
        description="Score the dev split of the evaluation corpus and the stored items analysts marked, fit one bounded, "
        "regularised weight per rule and the alert threshold, print each rule's hits and weights, and write them to "
        "weights.yaml in the rules directory.",
    )
    tune.add_argument("path", nargs="?", type=Path, default=Path("tests/eval"), help="evaluation corpus (default tests/eval); only its dev split is used")
    tune.add_argument("--dry-run", action="store_true", help="print the fit, write nothing")
    tune.add_argument("--no-verdicts", action="store_true", help="leave analysts' verdicts in the database out")
    add_format(tune)
    add_speed_options(tune)
    tune.set_defaults(handler=cmd_rules_tune)
    stats = rules.add_parser("stats", help="per rule: fired, marked true/false, precision, last fired", description="For each rule: the stored items it matched, the alerts among them that analysts marked true or false, its precision, and when it last fired.")
    stats.add_argument("--since", type=date.fromisoformat, help="only items published on or after YYYY-MM-DD")
    add_format(stats)
    stats.set_defaults(handler=cmd_rules_stats)


def cmd_rules_check(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    try:
        knowledge = load_knowledge(settings)  # raises ConfigError (exit 2) listing every problem
        warnings = check_pack(knowledge.rules, knowledge.gazetteer, knowledge.calendar)  # RuleError (exit 2) on an error
    except ConfigError as exc:
        if args.format != "json":
            raise
        print(json.dumps({"ok": False, "problems": [str(p) for p in exc.problems]}, ensure_ascii=False, indent=2))
        return EXIT_CONFIG
    files = len({rule.path for rule in knowledge.rules.rules})
    if args.format == "json":
        counts = {"rules": len(knowledge.rules), "files": files, "filters": len(knowledge.rules.filters), "elections": len(knowledge.calendar), "countries": len(knowledge.gazetteer.names)}
        print(json.dumps({"ok": True, **counts, "warnings": [str(w) for w in warnings]}, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(f"{len(knowledge.rules)} rules in {files} files: OK")
    print(f"{len(knowledge.calendar)} elections, gazetteer of {len(knowledge.gazetteer.names)} countries: OK")
    for warning in warnings:
        print(warning)
    return EXIT_OK


def cmd_rules_test(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    knowledge = load_knowledge(settings)
    results = run_examples(knowledge.rules, knowledge.gazetteer, knowledge.calendar)
    failures = [r for r in results if not r.passed]
    if args.format == "json":
        shown = [r for r in results if args.verbose or not r.passed]
        examples = [{"owner": r.owner.id, "should_match": r.expected, "matched": r.matched, "passed": r.passed, "text": r.example.text, "where": str(r.where)} for r in shown]
        print(json.dumps({"passed": len(results) - len(failures), "failed": len(failures), "examples": examples}, ensure_ascii=False, indent=2))
        return EXIT_FAILED if failures else EXIT_OK
    for r in results:
        if r.passed and not args.verbose:
            continue
        verdict = "ok  " if r.passed else "FAIL"
        expectation = "should match" if r.expected else "should not match"
        print(f"{verdict} {r.owner.id}: {expectation}: {' '.join(r.example.text.split())[:100]} ({r.where})")
    filters = len(knowledge.rules.filters)
    print(f"{len(results) - len(failures)} of {len(results)} examples pass in {len(knowledge.rules)} rules and {filters} filters")
    return EXIT_FAILED if failures else EXIT_OK


def cmd_rules_tune(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    if not args.dry_run:
        editable(settings.rules_dir, "MONITOR_RULES_DIR")
    knowledge = load_knowledge(settings, learned_weights=False)  # a stale weights file must not stop its own renewal
    thresholds = settings.thresholds()
    cases = [c for c in load_cases(args.path) if c.split == "dev"]
    processes = processes_for(len(cases), args.processes)
    bar = ProgressBar("tune", len(cases), args.progress)
    report = evaluate(tuple(cases), knowledge.rules, knowledge.gazetteer, knowledge.calendar, thresholds, processes, bar)
    bar.finish("texts", processes)
    texts = [labelled(o.assessment, o.expected, "dev", o.case.unit) for o in report.outcomes]
    if not args.no_verdicts:
        texts += _marked_texts(settings, knowledge, thresholds, args.processes)
    declared = {rule.id: rule.declared_weight for rule in knowledge.rules.rules}
    result = replace(fit(texts, declared, thresholds.alert_score), held_out=cross_validate(texts, declared, thresholds.alert_score))
    if args.format == "json":
        print(json.dumps(fit_json(result), indent=2))
    else:
        print("\n".join(report_lines(result)))
    if not args.dry_run:
        path = weights_path(settings.rules_dir)
        path.write_text(weights_yaml(result, clock().date()), encoding="utf-8")
        print(f"Weights written to {path}.", file=sys.stderr)
    return EXIT_OK


def _marked_texts(settings: Settings, knowledge: Knowledge, thresholds: Thresholds, asked: int | None) -> list[Labelled]:
    """The stored items analysts marked, re-scored with the rules being tuned (with their kept analyses), labelled by their verdicts."""
    store = open_store(settings)
    verdicts = store.verdicts()
    known = known_sources(settings)
    marked: list[tuple[StoredItem, Text]] = []
    for item, kept in chain.from_iterable(store.history_batches(None, None)):
        source = source_of(item, known)
        if item.alert_id in verdicts and source is not None:
            marked.append((item, Text(item.title, item.text, source, item.published_at, item.language, kept)))
    scorer = Scorer(knowledge.rules, knowledge.gazetteer, knowledge.calendar, thresholds)
    scored = score_all((text for _, text in marked), scorer, processes_for(len(marked), asked))
    return [
        labelled(result.assessment, verdicts[item.alert_id] is Verdict.TP, "verdict", f"item-{item.id}")
        for (item, _), result in zip(marked, scored, strict=True)
        if item.alert_id is not None
    ]


def cmd_rules_stats(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    stats = open_store(settings).rule_stats(start_of(args.since))
    if args.format == "json":
        rows = [
            {"rule": s.rule_id, "fired": s.fired, "marked_true": s.marked_true, "marked_false": s.marked_false,
             "precision": s.precision, "last_fired": s.last_fired.isoformat()}
            for s in stats
        ]
        print(json.dumps(rows, indent=2))
        return EXIT_OK
    if not stats:
        print("No rule has matched a stored item yet.")
    print(f"{'rule':<45} {'fired':>6} {'true':>5} {'false':>5} {'precision':>9}  last fired")
    for s in stats:
        precision = f"{s.precision:.2f}" if s.precision is not None else "-"
        print(f"{s.rule_id:<45} {s.fired:>6} {s.marked_true:>5} {s.marked_false:>5} {precision:>9}  {s.last_fired:%Y-%m-%d}")
    return EXIT_OK
