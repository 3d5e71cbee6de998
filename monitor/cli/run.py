"""`monitor run`, `monitor db upgrade`, `monitor demo`: running the monitor, its database, its offline demonstration."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from monitor.cli.common import EXIT_FAILED, EXIT_OK, Subparsers, add_format
from monitor.cli.progress import ProgressBar
from monitor.daemon.arenas import limit_arenas
from monitor.daemon.endpoint import Operator, Verdicts, serve_endpoint
from monitor.daemon.scheduler import build_scheduler, delivery_job, poll_all, run_until_stopped
from monitor.daemon.settings import Settings, parse_listen
from monitor.daemon.status import check_health
from monitor.daemon.wiring import Monitor, endpoint_limits, link_signer
from monitor.demo import run_demo
from monitor.errors import ConfigError, Problem
from monitor.models import Clock, PollStatus
from monitor.store.engine import ensure_schema, make_engine, upgrade

logger = logging.getLogger("monitor")


def register(commands: Subparsers) -> None:
    run = commands.add_parser("run", help="run the daemon (or one cycle with --once)", description="Poll every enabled source on its schedule, score, store and deliver alerts until SIGTERM or Ctrl-C.")
    run.add_argument("--once", action="store_true", help="poll every enabled source once, deliver, and exit")
    add_format(run)  # the summary of --once
    run.set_defaults(handler=cmd_run)


def register_db_and_demo(commands: Subparsers) -> None:
    """`db` and `demo`, registered last: `monitor --help` lists them after the analysts' commands."""
    db = commands.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True, metavar="ACTION")
    upgrade_parser = db.add_parser("upgrade", help="apply pending migrations", description="Apply every pending database migration (Alembic).")
    add_format(upgrade_parser)
    upgrade_parser.set_defaults(handler=cmd_db_upgrade)

    demo = commands.add_parser("demo", help="offline demonstration on a bundled sample site", description="Serve a bundled sample site on loopback, run one cycle into a temporary database, and print the alerts it would send.")
    add_format(demo)
    demo.set_defaults(handler=cmd_demo)


def cmd_run(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    limit_arenas()  # before any thread starts
    with Monitor(settings, clock) as monitor:
        ensure_schema(monitor.engine)
        with _stop_on_signals(monitor):
            if args.once:
                return run_once(monitor, args.format)
            scheduler = build_scheduler(
                monitor.enabled_sources,
                monitor.deps,
                settings.delivery_interval,
                settings.retry_policy(),
                monitor.rulebook,
                settings.rules_reload_interval,
                settings.health_policy(),
                elections=monitor.knowledge.elections,
                watch=settings.watch_policy(),
            )
            endpoint = _start_endpoint(monitor, settings, clock, lambda: bool(scheduler.running) and not monitor.stop.is_set())
            try:
                run_until_stopped(scheduler, monitor.stop)
            finally:
                if endpoint is not None:
                    endpoint.shutdown()
                    endpoint.server_close()
    return EXIT_OK


def _start_endpoint(monitor: Monitor, settings: Settings, clock: Clock, scheduler_running: Callable[[], bool]) -> Any:
    """The endpoint (health, metrics, and verdict links when they are signed), when MONITOR_HTTP_LISTEN is set."""
    if not settings.http_listen:
        return None
    signer = link_signer(settings)
    verdicts = Verdicts(signer, monitor.deps.store.mark, clock) if signer is not None else None
    store = monitor.deps.store
    operator = Operator(lambda: check_health(monitor.sources, store.all_source_status, scheduler_running, monitor.rulebook.current), monitor.metrics.render)
    host, port = parse_listen(settings.http_listen)  # checked when the settings were read
    try:
        server = serve_endpoint(host, port, operator, verdicts, endpoint_limits(settings))
    except OSError as exc:  # the port is taken, the host is not ours
        raise ConfigError([Problem("MONITOR_HTTP_LISTEN", "", f"cannot listen on {settings.http_listen}: {exc.strerror or exc}")]) from exc
    links = "verdict links" if verdicts is not None else "no verdict links (they need MONITOR_SECRET_KEY and MONITOR_PUBLIC_URL)"
    logger.info("endpoint on %s: /health, /metrics, %s", settings.http_listen, links)
    return server


def run_once(monitor: Monitor, form: str = "text") -> int:
    sources = monitor.enabled_sources
    if not sources:
        print("No enabled source to poll.", file=sys.stderr)
        return EXIT_FAILED
    bar = ProgressBar("poll", len(sources))  # drawn on a terminal only
    reports = poll_all(sources, monitor.deps, progress=bar)
    if bar.drawing:
        sys.stderr.write("\n")
    delivered = delivery_job(monitor.deps, monitor.settings.retry_policy())
    failed = [r for r in reports if r.status is PollStatus.FAILED]
    if monitor.stop.is_set():
        print("Stopped early: sources not yet polled were skipped.", file=sys.stderr)
    sent = delivered.sent if delivered else 0
    skipped = sum(r.status is PollStatus.SKIPPED for r in reports)  # stopping, or polled by another worker
    outcome = EXIT_FAILED if len(failed) == len(reports) else EXIT_OK
    if form == "json":
        polls = [
            {"source": r.source_id, "status": str(r.status), "entries": r.entries, "new": r.new_items, "alerts": r.alerts, "deferred": r.deferred, "errors": list(r.errors)}
            for r in reports
        ]
        totals = {"polled": len(reports) - skipped, "skipped": skipped, "failed": len(failed), "alerts": sum(r.alerts for r in reports), "deliveries_sent": sent}
        print(json.dumps({**totals, "sources": polls}, ensure_ascii=False, indent=2))
        return outcome
    for report in reports:
        detail = f" ({report.errors[0]})" if report.errors else ""
        if report.deferred:
            detail += f" ({report.deferred} entries left for the next poll)"
        print(f"{report.source_id}: {report.status}, {report.entries} entries, {report.new_items} new, {report.alerts} alerts{detail}")
    polled = f"{len(reports) - skipped} sources polled" + (f" ({skipped} skipped)" if skipped else "")
    print(f"{polled}, {len(failed)} failed; {sum(r.alerts for r in reports)} alerts; {sent} deliveries sent")
    return outcome


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


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    upgrade(make_engine(settings.database_url))
    print(json.dumps({"schema": "up to date"}) if args.format == "json" else "Database schema is up to date.")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    return run_demo(settings, clock, form=args.format)
