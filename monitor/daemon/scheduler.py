"""APScheduler jobs: one poll job per source, and the delivery job. Stops within seconds.

Polls run on a pool of their own: however many sources hang on slow servers, the delivery
job and the housekeeping jobs keep their own threads, so alerts already stored still go out.
"""

from __future__ import annotations

import itertools
import logging
import random
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from apscheduler.executors.pool import ThreadPoolExecutor as JobThreads
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from monitor.daemon.health import source_trouble
from monitor.daemon.pipeline import Deps, poll_source
from monitor.daemon.reload import Reload, ReloadStatus, RuleBook
from monitor.daemon.watch import watch_job
from monitor.detect.elections import ElectionsFile
from monitor.models import AlertKind, HealthPolicy, PollReport, PollStatus, RetryPolicy, Source, WatchPolicy
from monitor.notify.digest import FIRST_DIGEST_LOOKBACK, digest_message
from monitor.notify.outbox import DeliveryReport, deliver_pending
from monitor.review.calendar.checks import calendar_gaps
from monitor.store.repo import SourceStatus

logger = logging.getLogger(__name__)

POLL_WORKERS = 4
SCHEDULED_POLL_WORKERS = 10  # threads of the daemon's poll jobs
HOUSEKEEPING_WORKERS = 2  # rule reloads, health, calendar and digest jobs
HEALTH_EVERY = timedelta(minutes=5)
CALENDAR_EVERY = timedelta(hours=6)
CALENDAR_REMINDER = timedelta(days=7)  # a gap still open is reported again after this long
# Several workers may share one database. A source is polled by one of them at a time (its lease,
# held for the poll deadline and the margin for the entry in flight when it passes), and only when
# due, whoever polled it last; a housekeeping run is done by one of them at a time.
POLL_LEASE_MARGIN = timedelta(minutes=5)
HOUSEKEEPING_LEASE = timedelta(minutes=10)
DUE_SLACK = timedelta(seconds=5)  # a poll job firing this much before the source is due still polls it
LEASE_PURGE_EVERY = timedelta(minutes=10)
WATCH_EVERY = timedelta(minutes=15)

T = TypeVar("T")


def poll_job(source: Source, deps: Deps) -> PollReport | None:
    """A scheduled poll, when the source is due and no other worker is polling it.

    A source is due once its interval has passed since its last poll, by any worker (or its
    backoff, while it fails); a source never polled is due. Each worker has a job per source, so
    whichever fires first polls it and the others find it not due, or held.
    """
    try:
        if not _due(source, deps.store.source_status(source.id), deps):  # read first: a source not due costs no write
            return None
        with _leased(deps, f"source:{source.id}", deps.poll_deadline + POLL_LEASE_MARGIN) as won:
            status = deps.store.source_status(source.id) if won else None  # read again under the lease: another worker may just have polled it
            if status is None or not _due(source, status, deps):
                return None
            report = poll_source(source, deps, status)
    except Exception:  # the one catch-all: a bug in one poll (or the database gone) must not kill the daemon
        logger.exception("poll crashed source=%s", source.id)
        return None
    logger.info("polled source=%s status=%s new=%s alerts=%s deferred=%s", source.id, report.status, report.new_items, report.alerts, report.deferred)
    return report


def _jitter(source: Source) -> float:
    """Seconds a poll job may fire after its time (APScheduler's jitter): up to a tenth of the interval, at most a minute."""
    return min(60.0, source.interval.total_seconds() / 10)


def _due(source: Source, status: SourceStatus, deps: Deps) -> bool:
    if status.consecutive_failures:
        due = status.next_poll_at
    else:  # the interval as the sources file says now, even if it changed since the last poll
        due = status.last_polled_at + source.interval if status.last_polled_at else None
    return due is None or deps.clock() >= due - timedelta(seconds=_jitter(source)) - DUE_SLACK


@contextmanager
def _leased(deps: Deps, key: str, ttl: timedelta) -> Iterator[bool]:
    """Whether this worker won the lease on ``key``; released at the end of the block if so."""
    store = deps.store
    won = store.claim(key, store.worker, deps.clock(), ttl)
    try:
        yield won
    finally:
        if won:
            store.release(key, store.worker)


def run_alone(key: str, deps: Deps, job: Callable[..., T], *args: object) -> T | None:
    """Run a housekeeping job unless another worker is running it: the health, calendar and digest
    jobs of several workers run one at a time, and each finds what the one before did (a trouble
    already reported, a digest already queued), so nothing is raised or queued twice."""
    try:
        with _leased(deps, f"job:{key}", HOUSEKEEPING_LEASE) as won:
            return job(*args) if won else None
    except Exception:  # the database may be down: the next run tries again
        logger.exception("job %s could not run", key)
        return None


def purge_job(deps: Deps) -> int:
    """Delete the expired leases (a page's lease is never released, it expires)."""
    try:
        return deps.store.purge_leases(deps.clock())
    except Exception:
        logger.exception("lease purge crashed")
        return 0


def delivery_job(deps: Deps, policy: RetryPolicy) -> DeliveryReport | None:
    try:
        return deliver_pending(deps.store, deps.channels, deps.clock, policy, deps.stop, deps.signer, _counter(deps))
    except Exception:  # the database may be down: the deliveries stay in the outbox for the next run
        logger.exception("delivery job crashed")
        return None


DELIVERY_JOB = "deliver"


class DeliveryBell:
    """Runs the delivery job as soon as an alert is stored (``Deps.alert_stored``), besides its
    regular ticks. An alert stored while a delivery run is under way makes that run go round once
    more: it never waits for the next tick."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rung = False
        self._running = False
        self._scheduler: BackgroundScheduler | None = None

    def attach(self, scheduler: BackgroundScheduler) -> None:
        self._scheduler = scheduler

    def ring(self) -> None:
        with self._lock:
            self._rung = True
            scheduler = None if self._running else self._scheduler
        if scheduler is None:
            return
        with suppress(JobLookupError, SchedulerNotRunningError):  # stopping: the outbox keeps the alert for the next start
            scheduler.modify_job(DELIVERY_JOB, next_run_time=datetime.now(UTC))

    def run(self, deliver: Callable[[], T]) -> T:
        """``deliver()``, again as long as the bell rang during the last round."""
        with self._lock:
            self._running = True
        while True:
            with self._lock:
                self._rung = False
            try:
                result = deliver()
            except BaseException:
                with self._lock:
                    self._running = False
                raise
            with self._lock:
                if not self._rung:
                    self._running = False
                    return result


def rung_delivery_job(bell: DeliveryBell, deps: Deps, policy: RetryPolicy) -> DeliveryReport | None:
    return bell.run(lambda: delivery_job(deps, policy))


def _counter(deps: Deps) -> Callable[[str, str], None]:
    deliveries = deps.metrics.deliveries
    return lambda channel, state: deliveries.labels(channel, state).inc()


def reload_job(rulebook: RuleBook, deps: Deps) -> Reload | None:
    """Swap in changed rules that pass their checks; a rejected change raises an operational alert."""
    try:
        outcome = rulebook.reload()
        deps.metrics.reloaded(str(outcome.status))
        if outcome.status is ReloadStatus.REJECTED:
            body = "The rules in force are unchanged. Problems in the new rule files:\n" + "\n".join(f"- {p}" for p in outcome.problems)
            title = f"[OPERATIONAL] Rule change rejected ({len(outcome.problems)} problems); the previous rules stay in force"
            deps.store.add_operational_alert(title, body, deps.router.operational(), deps.clock())
        return outcome
    except Exception:
        logger.exception("rule reload crashed; the rules in force are unchanged")
        return None


def health_job(sources: Iterable[Source], deps: Deps, policy: HealthPolicy) -> list[str]:
    """An operational alert when a source starts failing or falls silent (once per trouble)."""
    reported = []
    try:
        now = deps.clock()
        for source in sources:
            status = deps.store.source_status(source.id)
            trouble = source_trouble(
                deps.store.item_times(source.id), now, policy, failures=status.consecutive_failures, last_success_at=status.last_success_at, last_error=status.last_error
            )
            kind = trouble.kind if trouble else None
            if kind == status.health_alert:
                continue
            deps.store.set_health_alert(source.id, kind)
            if trouble is None:
                logger.info("source healthy again source=%s", source.id)
                continue
            title = f"[OPERATIONAL] Source {source.id} is {trouble.kind}: {source.name}"
            deps.store.add_operational_alert(title, f"{trouble.message}\nFeed: {source.url}", deps.router.operational(), now)
            logger.warning("source %s source=%s %s", trouble.kind, source.id, trouble.message)
            reported.append(source.id)
    except Exception:
        logger.exception("health job crashed")
    return reported


def calendar_job(elections: ElectionsFile, sources: Iterable[Source], deps: Deps) -> list[str]:
    """An operational alert when the calendar falls short for the sources (once a week while it does)."""
    raised = []
    try:
        now = deps.clock()
        covered = {source.country for source in sources}
        for gap in calendar_gaps(elections, covered, now.date(), deps.gazetteer.name):
            title = f"[OPERATIONAL] Election calendar: {gap.message}"
            if deps.store.operational_alert_since(title, now - CALENDAR_REMINDER):
                continue
            body = "Without a known vote the monitor cannot weigh statements about it. Research the votes and add them to the calendar (`monitor calendar import FILE`, or edit the file), then run `monitor calendar check`."
            deps.store.add_operational_alert(title, body, deps.router.operational(), now)
            logger.warning("calendar gap %s: %s", gap.key, gap.message)
            raised.append(gap.key)
    except Exception:
        logger.exception("calendar job crashed")
    return raised


def digest_job(deps: Deps, channels: tuple[str, ...]) -> list[int]:
    """Queue one digest per channel of the alerts since its last digest; nothing when there are none."""
    queued = []
    try:
        now = deps.clock()
        for channel in channels:
            since = deps.store.last_digest(channel) or now - FIRST_DIGEST_LOOKBACK
            alerts = deps.store.alerts(limit=1000, created_after=since, unsilenced_items_only=True)
            reviews = deps.store.alerts(limit=1000, created_after=since, review=True)
            message = digest_message(alerts, since, reviews)
            if message is not None:
                queued.append(deps.store.add_message(AlertKind.DIGEST, message[0], message[1], (channel,), now))
    except Exception:
        logger.exception("digest job crashed")
    return queued


def poll_all(sources: Iterable[Source], deps: Deps, workers: int = POLL_WORKERS, progress: Callable[[int], None] | None = None) -> list[PollReport]:
    """Poll every source once, a few at a time (``monitor run --once``); once ``deps.stop``
    is set, the sources not yet started are skipped. ``progress`` is told how many are done.

    Whether due or not, each source is polled, unless another worker is polling it or has polled
    it since this run began: several runs at once share the sources out (skipped ones say so).
    """
    began = deps.clock()
    done = itertools.count(1)
    lock = threading.Lock()

    def poll(source: Source) -> PollReport:
        report = _poll_once(source, deps, began)
        if progress is not None:
            with lock:
                progress(next(done))
        return report

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="poll") as pool:
        reports = list(pool.map(poll, sources))
    purge_job(deps)
    return reports


def _poll_once(source: Source, deps: Deps, began: datetime) -> PollReport:
    if deps.stop.is_set():
        return PollReport(source.id, PollStatus.SKIPPED)
    with _leased(deps, f"source:{source.id}", deps.poll_deadline + POLL_LEASE_MARGIN) as won:
        status = deps.store.source_status(source.id) if won else None
        if status is None or (status.last_polled_at is not None and status.last_polled_at > began):
            return PollReport(source.id, PollStatus.SKIPPED)
        return poll_source(source, deps, status)


def build_scheduler(
    sources: Iterable[Source],
    deps: Deps,
    delivery_every: timedelta,
    delivery_policy: RetryPolicy,
    rulebook: RuleBook | None = None,
    reload_every: timedelta = timedelta(seconds=30),
    health: HealthPolicy | None = None,
    rng: random.Random | None = None,
    elections: ElectionsFile | None = None,
    poll_workers: int = SCHEDULED_POLL_WORKERS,
    watch: WatchPolicy | None = None,
) -> BackgroundScheduler:
    # Three pools: a slow source can only ever hold a poll thread, never the delivery's.
    executors = {"default": JobThreads(HOUSEKEEPING_WORKERS), "polls": JobThreads(poll_workers), "delivery": JobThreads(1)}
    scheduler = BackgroundScheduler(timezone=UTC, executors=executors)
    bell = DeliveryBell()
    deps = replace(deps, alert_stored=bell.ring)  # every job's deps: a poll that stores an alert rings
    sources = tuple(sources)
    rng = rng or random.Random()
    now = deps.clock()

    def every(seconds: float, job: Callable[..., object], *args: object, **options: Any) -> None:
        # No job ever runs twice at once, and runs missed while one was running merge into one.
        scheduler.add_job(job, "interval", args=args, seconds=seconds, max_instances=1, coalesce=True, **options)

    for source in sources:
        seconds = source.interval.total_seconds()
        every(
            seconds, poll_job, source, deps,
            id=f"poll:{source.id}",
            name=f"poll {source.id}",
            executor="polls",
            jitter=_jitter(source),
            misfire_grace_time=int(seconds),
            # Spread the first polls over half a minute instead of starting all at once.
            next_run_time=now + timedelta(seconds=rng.uniform(0, 30)),
        )
    every(delivery_every.total_seconds(), rung_delivery_job, bell, deps, delivery_policy, id=DELIVERY_JOB, name="deliver alerts", next_run_time=now, executor="delivery")
    if rulebook is not None:
        every(reload_every.total_seconds(), reload_job, rulebook, deps, id="reload-rules", name="reload changed rules")
    # The reloads are each worker's own (its rules); health, calendar and digests are done once across workers.
    if health is not None:
        every(HEALTH_EVERY.total_seconds(), run_alone, "health", deps, health_job, sources, deps, health, id="source-health", name="report failing or silent sources")
    if elections is not None:
        every(CALENDAR_EVERY.total_seconds(), run_alone, "calendar", deps, calendar_job, elections, sources, deps, id="calendar", name="report gaps in the election calendar", next_run_time=now)
    if watch is not None:  # the job comes often; each page is due once per watch.every
        every(WATCH_EVERY.total_seconds(), run_alone, "watch", deps, watch_job, deps, watch, id="watch-pages", name="look again at alerted pages")
    every(LEASE_PURGE_EVERY.total_seconds(), purge_job, deps, id="purge-leases", name="delete expired leases")
    for index, (cron, channels) in enumerate(deps.router.digests()):
        trigger = CronTrigger.from_crontab(cron, timezone=UTC)
        args = (f"digest:{index}", deps, digest_job, deps, channels)
        scheduler.add_job(run_alone, trigger, args=args, id=f"digest:{index}", name=f"digest ({cron})", max_instances=1, coalesce=True)
    bell.attach(scheduler)
    return scheduler


def run_until_stopped(scheduler: BackgroundScheduler, stop: threading.Event) -> None:
    """Run the jobs until ``stop`` is set (SIGTERM, Ctrl-C), then wait for running jobs to end.

    ``stop`` is also the fetcher's: fetches in flight are abandoned at their next chunk, and the
    polls end before their next entry, so the wait is short even with slow servers.
    """
    scheduler.start()
    logger.info("monitor running: %d jobs", len(scheduler.get_jobs()))
    stop.wait()
    logger.info("stopping")
    scheduler.shutdown(wait=True)
    logger.info("stopped")
