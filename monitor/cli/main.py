"""The `monitor` command: a thin layer that builds objects (through ``monitor.daemon.wiring``) and calls the library."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from time import monotonic
from typing import Any

from pydantic import ValidationError
from pydantic_settings import SettingsError

from monitor import __version__
from monitor.cli.calendar import add_calendar_commands
from monitor.daemon.endpoint import serve_verdicts
from monitor.daemon.scheduler import build_scheduler, delivery_job, poll_all, run_until_stopped
from monitor.daemon.settings import Settings, parse_listen
from monitor.daemon.wiring import Monitor, load_knowledge, make_fetcher
from monitor.demo import run_demo
from monitor.detect.explain import assessment_json, assessment_text
from monitor.detect.rules.loader import load_rules
from monitor.detect.rules.weights import weights_path
from monitor.detect.scoring import assess_text
from monitor.errors import ConfigError, DatabaseError, FetchError, NotText, Problem
from monitor.ingest.extract import clip_text, extract_page
from monitor.ingest.sources import load_sources
from monitor.models import Clock, Source, SourceKind
from monitor.notify.channels import build_channels
from monitor.notify.messages import FORMATS, render
from monitor.review.backtest import backtest, rescore, source_of
from monitor.review.backtest import report_json as backtest_json
from monitor.review.backtest import report_text as backtest_text
from monitor.review.evaluation import evaluate, load_cases, report_json, report_text
from monitor.review.selftest import run_examples
from monitor.review.tuning import cross_validate, fit, fit_json, labelled, report_lines, weights_yaml
from monitor.store.engine import ensure_schema, make_engine, upgrade
from monitor.store.repo import AlertView, Store

logger = logging.getLogger("monitor")

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2


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
    # Does nothing where logging is already set up (an embedding program, the test runner).
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger().setLevel(settings.log_level.upper())
    for noisy in ("httpx", "httpcore", "trafilatura", "htmldate", "alembic", "apscheduler.executors.default"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="monitor", description="Election-interference indicator monitor.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run the daemon (or one cycle with --once)", description="Poll every enabled source on its schedule, score, store and deliver alerts until SIGTERM or Ctrl-C.")
    run.add_argument("--once", action="store_true", help="poll every enabled source once, deliver, and exit")
    run.set_defaults(handler=cmd_run)

    score = commands.add_parser("score", help="score one text or page without storing or alerting", description="Score one text or page exactly as the daemon would, without storing or alerting. .html/.htm files and URLs go through extraction; other files are plain text.")
    score.add_argument("input", nargs="?", default="-", help="a file, an http(s) URL, or - for standard input (default)")
    score.add_argument("--published", type=date.fromisoformat, help="publication day, YYYY-MM-DD (default: today)")
    score.add_argument("--source", help="id of a source in the sources file (gives kind and country)")
    score.add_argument("--source-kind", choices=[k.value for k in SourceKind], help="kind of the publishing source")
    score.add_argument("--source-country", help="ISO country code of the publishing source")
    score.add_argument("--title", default=None, help="the title (for a page: overrides the extracted one)")
    score.add_argument("--format", choices=["text", "json"], default="text")
    score.set_defaults(handler=cmd_score)

    rules = commands.add_parser("rules", help="check or test the rule files").add_subparsers(dest="rules_command", required=True, metavar="ACTION")
    check = rules.add_parser("check", help="validate every rule file; exit 2 listing every error", description="Validate the rule files, the election calendar and the gazetteer; list every error with its file and location and exit 2.")
    check.set_defaults(handler=cmd_rules_check)
    test = rules.add_parser("test", help="run every rule's examples; exit 1 on a failure", description="Run each rule's examples: texts it must match and texts it must not.")
    test.add_argument("-v", "--verbose", action="store_true", help="list passing examples too")
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
    tune.add_argument("--format", choices=["text", "json"], default="text")
    tune.set_defaults(handler=cmd_rules_tune)
    stats = rules.add_parser("stats", help="per rule: fired, marked true/false, precision, last fired", description="For each rule: the stored items it matched, the alerts among them that analysts marked true or false, its precision, and when it last fired.")
    stats.add_argument("--since", type=date.fromisoformat, help="only items published on or after YYYY-MM-DD")
    stats.add_argument("--format", choices=["text", "json"], default="text")
    stats.set_defaults(handler=cmd_rules_stats)

    alerts = commands.add_parser("alerts", help="stored alerts").add_subparsers(dest="alerts_command", required=True, metavar="ACTION")
    alerts_list = alerts.add_parser("list", help="list stored alerts, newest first, with their deliveries", description="List stored alerts, newest first, with the state of each channel's delivery.")
    alerts_list.add_argument("--format", choices=["text", "json"], default="text")
    alerts_list.add_argument("--limit", type=int, default=50)
    alerts_list.add_argument("--failed", action="store_true", help="only alerts that some channel failed to receive for good")
    alerts_list.set_defaults(handler=cmd_alerts_list)

    review = commands.add_parser("review", help="items stored for review: near misses below the alert score").add_subparsers(dest="review_command", required=True, metavar="ACTION")
    review_list = review.add_parser(
        "list",
        help="list the items stored for review, newest first",
        description="List the items stored for review: a foreign state source, a vote in its window, evidence of an indicator, "
        "a score below the alert threshold. Mark one with `monitor alerts mark ID --verdict tp|fp`: the verdict joins `monitor rules tune`.",
    )
    review_list.add_argument("--format", choices=["text", "json"], default="text")
    review_list.add_argument("--limit", type=int, default=50)
    review_list.set_defaults(handler=cmd_review_list)

    show = alerts.add_parser("show", help="one alert in full: message, deliveries, copies", description="Print one stored alert as its plain-text message, with its deliveries, later copies and silence.")
    show.add_argument("alert_id", type=int, metavar="ID")
    show.set_defaults(handler=cmd_alerts_show)
    preview = alerts.add_parser("preview", help="exactly what a channel would receive", description="Render a stored alert as a channel would receive it: e-mail HTML for mailto channels, Markdown for chat.")
    preview.add_argument("alert_id", type=int, metavar="ID")
    preview.add_argument("--channel", required=True, help="a channel tag, a channel id, or a format: email, chat, text")
    preview.set_defaults(handler=cmd_alerts_preview)

    mark = alerts.add_parser("mark", help="record an analyst's verdict on an alert", description="Record whether an alert (or an item for review) was right (tp) or wrong (fp); `monitor rules stats`, `monitor backtest` and `monitor rules tune` use the verdicts.")
    mark.add_argument("alert_id", type=int, metavar="ID")
    mark.add_argument("--verdict", choices=["tp", "fp"], required=True, help="tp: a true positive; fp: a false positive")
    mark.add_argument("--note", help="why, for the next analyst")
    mark.set_defaults(handler=cmd_alerts_mark)

    silence = commands.add_parser("silence", help="hold back alerts of a rule, source or country for a while").add_subparsers(dest="silence_command", required=True, metavar="ACTION")
    silence_add = silence.add_parser("add", help="silence alerts until a date", description="Alerts that match every given condition are stored and listed, but not sent, until the date.")
    silence_add.add_argument("--rule", help="a rule id the alert matched")
    silence_add.add_argument("--source", help="the id of the source that published it")
    silence_add.add_argument("--country", help="the country of the election it bears on (ISO code)")
    silence_add.add_argument("--until", type=datetime.fromisoformat, required=True, help="YYYY-MM-DD[THH:MM] (UTC)")
    silence_add.add_argument("--reason", required=True, help="why, for the analysts who will wonder")
    silence_add.set_defaults(handler=cmd_silence_add)
    silence_list = silence.add_parser("list", help="active silences", description="List the active silences (with --all, also ended and removed ones).")
    silence_list.add_argument("--all", action="store_true", help="include ended and removed silences")
    silence_list.set_defaults(handler=cmd_silence_list)
    silence_remove = silence.add_parser("remove", help="end a silence now", description="End a silence before its date.")
    silence_remove.add_argument("silence_id", type=int, metavar="ID")
    silence_remove.set_defaults(handler=cmd_silence_remove)

    sources = commands.add_parser("sources", help="configured sources").add_subparsers(dest="sources_command", required=True, metavar="ACTION")
    sources_list = sources.add_parser("list", help="list sources with their health", description="List every configured source with its last success, last error, consecutive failures and next poll.")
    sources_list.add_argument("--format", choices=["text", "json"], default="text")
    sources_list.set_defaults(handler=cmd_sources_list)

    evaluation = commands.add_parser("eval", help="precision and recall of the rules on labelled texts", description="Score every labelled case in PATH (a YAML file or a directory of them) and print precision, recall and the misses.")
    evaluation.add_argument("path", type=Path, help="an evaluation file or directory, e.g. tests/eval")
    evaluation.add_argument("--format", choices=["text", "json"], default="text")
    evaluation.set_defaults(handler=cmd_eval)

    back = commands.add_parser("backtest", help="re-score stored items with another rule set and show what would change", description="Re-score the stored items with the rules in DIR and report the alerts that would be added, removed or change severity, per rule, with the analysts' verdicts. Sends nothing and changes no stored alert.")
    back.add_argument("--rules", type=Path, required=True, metavar="DIR", help="the rule set to try (a directory of rule files)")
    back.add_argument("--since", type=date.fromisoformat, help="items published on or after YYYY-MM-DD")
    back.add_argument("--until", type=date.fromisoformat, help="items published before YYYY-MM-DD")
    back.add_argument("--format", choices=["text", "json"], default="text")
    back.set_defaults(handler=cmd_backtest)

    add_calendar_commands(commands)

    db = commands.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db.add_parser("upgrade", help="apply pending migrations", description="Apply every pending database migration (Alembic).").set_defaults(handler=cmd_db_upgrade)

    demo = commands.add_parser("demo", help="offline demonstration on a bundled sample site", description="Serve a bundled sample site on loopback, run one cycle into a temporary database, and print the alerts it would send.")
    demo.set_defaults(handler=cmd_demo)
    return parser


# -- commands ---------------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    with Monitor(settings, clock) as monitor:
        ensure_schema(monitor.engine)
        with _stop_on_signals(monitor):
            if args.once:
                return run_once(monitor)
            scheduler = build_scheduler(
                monitor.enabled_sources,
                monitor.deps,
                settings.delivery_interval,
                settings.retry_policy(),
                monitor.rulebook,
                settings.rules_reload_interval,
                settings.health_policy(),
                elections=monitor.knowledge.elections,
            )
            endpoint = _start_endpoint(monitor, settings, clock)
            try:
                run_until_stopped(scheduler, monitor.stop)
            finally:
                if endpoint is not None:
                    endpoint.shutdown()
                    endpoint.server_close()
    return EXIT_OK


def _start_endpoint(monitor: Monitor, settings: Settings, clock: Clock) -> Any:
    """The verdict-link endpoint, when MONITOR_HTTP_LISTEN is set."""
    if not settings.http_listen:
        return None
    signer = settings.link_signer()
    if signer is None:
        raise ConfigError([Problem("MONITOR_HTTP_LISTEN", "", "the endpoint needs MONITOR_SECRET_KEY and MONITOR_PUBLIC_URL")])
    host, port = parse_listen(settings.http_listen)  # checked when the settings were read
    try:
        server = serve_verdicts(host, port, signer, monitor.deps.store.mark, clock, settings.endpoint_limits())
    except OSError as exc:  # the port is taken, the host is not ours
        raise ConfigError([Problem("MONITOR_HTTP_LISTEN", "", f"cannot listen on {settings.http_listen}: {exc.strerror or exc}")]) from exc
    logger.info("verdict endpoint on %s", settings.http_listen)
    return server


def run_once(monitor: Monitor) -> int:
    sources = monitor.enabled_sources
    if not sources:
        print("No enabled source to poll.", file=sys.stderr)
        return EXIT_FAILED
    reports = poll_all(sources, monitor.deps)
    delivered = delivery_job(monitor.deps, monitor.settings.retry_policy())
    failed = [r for r in reports if r.status == "failed"]
    if monitor.stop.is_set():
        print("Stopped early: sources not yet polled were skipped.", file=sys.stderr)
    for report in reports:
        detail = f" ({report.errors[0]})" if report.errors else ""
        if report.deferred:
            detail += f" ({report.deferred} entries left for the next poll)"
        print(f"{report.source_id}: {report.status}, {report.entries} entries, {report.new_items} new, {report.alerts} alerts{detail}")
    sent = delivered.sent if delivered else 0
    print(f"{len(reports)} sources polled, {len(failed)} failed; {sum(r.alerts for r in reports)} alerts; {sent} deliveries sent")
    return EXIT_FAILED if len(failed) == len(reports) else EXIT_OK


@contextmanager
def _stop_on_signals(monitor: Monitor) -> Iterator[None]:
    """SIGTERM and Ctrl-C ask the monitor to stop; the previous handlers come back afterwards."""

    def stop(signum: int, _frame: Any) -> None:
        logger.info("signal %s received", signal.Signals(signum).name)
        monitor.stop.set()

    if threading.current_thread() is not threading.main_thread():  # signals reach the main thread only
        yield
        return
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def cmd_score(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    knowledge = load_knowledge(settings)
    source = _score_source(args, settings)
    title, text, language = _read_input(args, settings)
    text = clip_text(text, settings.max_text_chars)  # as the daemon keeps it
    published = datetime.combine(args.published, time(12), tzinfo=UTC) if args.published else clock()
    assessment = assess_text(title, text, source, published, knowledge.gazetteer, knowledge.calendar, knowledge.rules, settings.thresholds(), language)
    if args.format == "json":
        print(json.dumps(assessment_json(assessment), ensure_ascii=False, indent=2))
    else:
        print(assessment_text(assessment, knowledge.gazetteer.name))
    return EXIT_OK


def _score_source(args: argparse.Namespace, settings: Settings) -> Source:
    base = Source.standing_in("cli", SourceKind.OFFICIAL, "XX")
    if args.source:
        known = {s.id: s for s in load_sources(settings.sources_file, settings.default_interval)}
        if args.source not in known:
            raise ConfigError([_problem(str(settings.sources_file), f"no source with id {args.source!r}")])
        base = known[args.source]
    return replace(
        base,
        kind=SourceKind(args.source_kind) if args.source_kind else base.kind,
        country=args.source_country.upper() if args.source_country else base.country,
    )


def _read_input(args: argparse.Namespace, settings: Settings) -> tuple[str, str, str | None]:
    """(title, text, language hint) from a file, a URL or standard input."""
    name: str = args.input
    if name.startswith(("http://", "https://")):
        fetcher = make_fetcher(settings)
        try:
            page = fetcher.get(name)
        except FetchError as exc:
            raise ConfigError([_problem(name, str(exc))]) from exc
        finally:
            fetcher.close()
        return _extracted(page.body, page.url, args.title, page.content_type)
    if name == "-":
        return args.title or "", sys.stdin.read(), None
    path = Path(name)
    if not path.is_file():
        raise ConfigError([_problem(name, "no such file")])
    if path.suffix.lower() in (".html", ".htm"):
        return _extracted(path.read_bytes(), None, args.title)
    return args.title or "", path.read_text(encoding="utf-8", errors="replace"), None


def _extracted(body: bytes, url: str | None, title: str | None, content_type: str | None = None) -> tuple[str, str, str | None]:
    try:
        extracted = extract_page(body, url, content_type)
    except NotText as exc:
        raise ConfigError([_problem(url or "page", str(exc))]) from exc
    if extracted is None:
        raise ConfigError([_problem(url or "page", "no article text found in the page")])
    return title or extracted.title or "", extracted.text, extracted.language


def _problem(path: str, message: str) -> Problem:
    return Problem(path, "", message)


def cmd_rules_check(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    knowledge = load_knowledge(settings)  # raises ConfigError (exit 2) listing every problem
    files = len({rule.path for rule in knowledge.rules.rules})
    print(f"{len(knowledge.rules)} rules in {files} files: OK")
    print(f"{len(knowledge.calendar)} elections, gazetteer of {len(knowledge.gazetteer.names)} countries: OK")
    return EXIT_OK


def cmd_rules_test(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    knowledge = load_knowledge(settings)
    results = run_examples(knowledge.rules, knowledge.gazetteer, knowledge.calendar)
    failures = [r for r in results if not r.passed]
    for r in results:
        if r.passed and not args.verbose:
            continue
        verdict = "ok  " if r.passed else "FAIL"
        expectation = "should match" if r.expected else "should not match"
        print(f"{verdict} {r.owner.id}: {expectation}: {' '.join(r.example.text.split())[:100]}")
    filters = len(knowledge.rules.filters)
    print(f"{len(results) - len(failures)} of {len(results)} examples pass in {len(knowledge.rules)} rules and {filters} filters")
    return EXIT_FAILED if failures else EXIT_OK


def cmd_alerts_list(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    alerts = _store(settings).alerts(limit=args.limit, failed_only=args.failed)
    if args.format == "json":
        print(json.dumps([_alert_json(a) for a in alerts], ensure_ascii=False, indent=2))
        return EXIT_OK
    if not alerts:
        print("No alerts.")
    for a in alerts:
        states = ", ".join(f"{channel}: {state}" + (f" ({attempts} attempts)" if attempts > 1 else "") for channel, state, attempts, _ in a.deliveries)
        print(f"#{a.id} {a.created_at:%Y-%m-%d %H:%M} {a.title}\n    {a.url or ''}\n    deliveries: {states}")
        if a.silenced_by:
            print(f"    silenced by #{a.silenced_by}")
        if a.copies:
            print("    also published by: " + ", ".join(f"{c['source']} ({str(c['published'])[:10]})" for c in a.copies))
    return EXIT_OK


def cmd_review_list(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    store = _store(settings)
    items = store.alerts(limit=args.limit, review=True)
    verdicts = store.verdicts()
    if args.format == "json":
        print(json.dumps([_alert_json(a) | {"verdict": verdicts.get(a.id)} for a in items], ensure_ascii=False, indent=2))
        return EXIT_OK
    if not items:
        print("Nothing for review.")
    for a in items:
        marked = f" [marked {verdicts[a.id]}]" if a.id in verdicts else ""
        print(f"#{a.id} {a.created_at:%Y-%m-%d %H:%M} score {a.score:g}{marked} {a.title}\n    {a.url or ''}")
        for match in (a.payload or {}).get("matches", []):
            quotes = "; ".join(f'"{q["quote"]}"' for q in match["quotes"][:2])
            print(f"    +{match['weight']} {match['rule']}" + (f": {quotes}" if quotes else ""))
    return EXIT_OK


def _alert_json(a: Any) -> dict[str, Any]:
    return {
        "id": a.id,
        "kind": a.kind,
        "created_at": a.created_at.isoformat(),
        "severity": a.severity,
        "score": a.score,
        "title": a.title,
        "body": a.body,
        "source": a.source_id,
        "url": a.url,
        "published": a.published_at.isoformat() if a.published_at else None,
        "deliveries": [{"channel": c, "state": s, "attempts": n, "last_error": e} for c, s, n, e in a.deliveries],
        "silenced_by": a.silenced_by,
        "copies": list(a.copies),
    }


def _store(settings: Settings) -> Store:
    engine = make_engine(settings.database_url)
    ensure_schema(engine)
    return Store(engine)


def _day(value: date | None) -> datetime | None:
    return datetime.combine(value, time(0), tzinfo=UTC) if value else None


def _alert(settings: Settings, alert_id: int) -> AlertView | None:
    found = _store(settings).alerts(alert_id=alert_id)
    if not found:
        print(f"No alert #{alert_id}.", file=sys.stderr)
    return found[0] if found else None


def cmd_alerts_show(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    alert = _alert(settings, args.alert_id)
    if alert is None:
        return EXIT_FAILED
    print(f"Alert #{alert.id} ({alert.kind}), created {alert.created_at:%Y-%m-%d %H:%M} UTC\n")
    print(alert.title)
    print(alert.body)
    print("\nDeliveries:")
    for channel, state, attempts, error in alert.deliveries:
        print(f"  {channel}: {state}, {attempts} attempt(s)" + (f"; last error: {error}" if error else ""))
    if alert.silenced_by:
        print(f"Silenced by #{alert.silenced_by}")
    for copy in alert.copies:
        print(f"Also published by {copy['source']} on {str(copy['published'])[:10]}: {copy['url']}")
    return EXIT_OK


def cmd_alerts_preview(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    alert = _alert(settings, args.alert_id)
    if alert is None:
        return EXIT_FAILED
    form = args.channel if args.channel in FORMATS else None
    if form is None:
        channels = build_channels(settings.notify_url_list(), settings.notify_config)
        ids = channels.tagged(args.channel) or ((args.channel,) if channels.get(args.channel) else ())
        channel = channels.get(ids[0]) if ids else None
        if channel is None:
            print(f"No channel with the tag or id {args.channel!r}, and not a format ({', '.join(FORMATS)}).", file=sys.stderr)
            return EXIT_CONFIG
        form = channel.format
    print(alert.title)
    print(render(alert.payload, form) if alert.payload else alert.body)
    return EXIT_OK


def cmd_alerts_mark(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    if not _store(settings).mark(args.alert_id, args.verdict, args.note, clock()):
        print(f"No alert #{args.alert_id}.", file=sys.stderr)
        return EXIT_FAILED
    print(f"Alert #{args.alert_id} marked {args.verdict}.")
    return EXIT_OK


def cmd_rules_tune(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    knowledge = load_knowledge(settings, learned_weights=False)  # a stale weights file must not stop its own renewal
    thresholds = settings.thresholds()
    cases = [c for c in load_cases(args.path) if c.split == "dev"]
    report = evaluate(tuple(cases), knowledge.rules, knowledge.gazetteer, knowledge.calendar, thresholds)
    texts = [labelled(o.assessment, o.expected, "dev", o.case.unit) for o in report.outcomes]
    if not args.no_verdicts:
        store = _store(settings)
        verdicts = store.verdicts()
        known = {s.id: s for s in load_sources(settings.sources_file, settings.default_interval)} if settings.sources_file.is_file() else {}
        for item in store.history(None, None):
            source = source_of(item, known)
            if item.alert_id in verdicts and source is not None:
                assessment = rescore(item, source, knowledge.rules, knowledge.gazetteer, knowledge.calendar, thresholds)
                texts.append(labelled(assessment, verdicts[item.alert_id] == "tp", "verdict", f"item-{item.id}"))
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


def cmd_rules_stats(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    stats = _store(settings).rule_stats(_day(args.since))
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


def cmd_backtest(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    knowledge = load_knowledge(settings)
    rules = load_rules(args.rules)
    store = _store(settings)
    since, until = _day(args.since), _day(args.until)
    total = store.count_history(since, until)
    known = {s.id: s for s in load_sources(settings.sources_file, settings.default_interval)} if settings.sources_file.is_file() else {}
    report = backtest(
        store.history(since, until), rules, knowledge.gazetteer, knowledge.calendar, settings.thresholds(),
        store.verdicts(), known, _progress_printer(total),
    )
    if args.format == "json":
        print(json.dumps(backtest_json(report), ensure_ascii=False, indent=2))
    else:
        print(backtest_text(report, since, until))
    return EXIT_OK


def _progress_printer(total: int) -> Any:
    """Progress on standard error, at most every two seconds, for long backtests."""
    started = last = monotonic()

    def show(done: int) -> None:
        nonlocal last
        now = monotonic()
        if now - last >= 2 or done == total:
            last = now
            rate = done / max(now - started, 1e-9)
            print(f"backtest: {done}/{total} items, {rate:.0f} items/s", file=sys.stderr)

    return show


def cmd_silence_add(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    if not (args.rule or args.source or args.country):
        print("Say what to silence: --rule, --source or --country.", file=sys.stderr)
        return EXIT_CONFIG
    until = args.until if args.until.tzinfo else args.until.replace(tzinfo=UTC)
    country = args.country.upper() if args.country else None
    silence_id = _store(settings).add_silence(args.rule, args.source, country, until, args.reason, clock())
    print(f"Silence #{silence_id} added.")
    return EXIT_OK


def cmd_silence_list(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    silences = _store(settings).silences(clock(), include_ended=args.all)
    if not silences:
        print("No silences." if args.all else "No active silences.")
    for silence in silences:
        print(silence.describe())
    return EXIT_OK


def cmd_silence_remove(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    if not _store(settings).remove_silence(args.silence_id, clock()):
        print(f"No active silence #{args.silence_id}.", file=sys.stderr)
        return EXIT_FAILED
    print(f"Silence #{args.silence_id} removed.")
    return EXIT_OK


def cmd_sources_list(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    sources = load_sources(settings.sources_file, settings.default_interval)
    store = _store(settings)
    states, counts = store.all_source_status(), store.items_per_source()
    rows = []
    for s in sources:
        st = states.get(s.id)
        rows.append(
            {
                "id": s.id,
                "kind": str(s.kind),
                "country": s.country,
                "enabled": s.enabled,
                "interval": int(s.interval.total_seconds()),
                "last_success": _iso(st.last_success_at if st else None),
                "last_error": st.last_error if st else None,
                "last_error_at": _iso(st.last_error_at if st else None),
                "consecutive_failures": st.consecutive_failures if st else 0,
                "next_poll": _iso(st.next_poll_at if st else None),
                "items": counts.get(s.id, 0),
                "warning": st.last_warning if st else None,
            }
        )
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    for r in rows:
        health = "disabled" if not r["enabled"] else ("FAILING" if r["consecutive_failures"] else ("ok" if r["last_success"] else "never polled"))
        print(f"{r['id']:<24} {r['kind']:<12} {r['country']}  {health:<12} items {r['items']:<5} last ok {r['last_success'] or '-'}  next {r['next_poll'] or '-'}")
        if r["consecutive_failures"]:
            print(f"{'':<24} {r['consecutive_failures']} failures in a row, last at {r['last_error_at']}: {r['last_error']}")
        if r["warning"]:
            print(f"{'':<24} warning: {r['warning']}")
    return EXIT_OK


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def cmd_eval(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    knowledge = load_knowledge(settings)
    cases = load_cases(args.path)
    report = evaluate(cases, knowledge.rules, knowledge.gazetteer, knowledge.calendar, settings.thresholds())
    if args.format == "json":
        print(json.dumps(report_json(report), ensure_ascii=False, indent=2))
    else:
        print(report_text(report))
    return EXIT_OK


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    upgrade(make_engine(settings.database_url))
    print("Database schema is up to date.")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    return run_demo(settings, clock)
