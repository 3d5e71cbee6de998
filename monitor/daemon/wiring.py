"""Builds every object the commands need, in one place, from Settings."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from types import TracebackType
from typing import TypeVar

from apscheduler.triggers.cron import CronTrigger

from monitor.config.buildcache import BuildCache, file_inputs
from monitor.daemon.endpoint import EndpointLimits
from monitor.daemon.metrics import Metrics
from monitor.daemon.pipeline import Deps
from monitor.daemon.reload import RuleBook
from monitor.daemon.settings import Settings
from monitor.detect.countries import Gazetteer, load_gazetteer
from monitor.detect.elections import ElectionCalendar, ElectionsFile, calendar_of, load_elections
from monitor.detect.rules.loader import load_rules, rules_digest
from monitor.detect.rules.ruleset import RuleSet
from monitor.errors import ConfigError, Problem
from monitor.ingest.extraction_pool import ExtractionPool, OneAtATime
from monitor.ingest.fetch import Fetcher, Limits, build_client
from monitor.ingest.guard import AddressGuard
from monitor.ingest.sources import load_sources
from monitor.models import Clock, Source
from monitor.notify.channels import Channels, build_channels
from monitor.notify.links import LinkSigner
from monitor.notify.routing import load_router
from monitor.store.engine import make_engine
from monitor.store.leases import worker_id
from monitor.store.repo import Store

T = TypeVar("T")


@dataclass(frozen=True)
class Knowledge:
    """The files analysts edit: rules, calendar, gazetteer."""

    rules: RuleSet
    elections: ElectionsFile  # the whole calendar file, votes not yet dated included
    calendar: ElectionCalendar  # its polling days
    gazetteer: Gazetteer


def load_knowledge(settings: Settings, learned_weights: bool = True) -> Knowledge:
    """Load rules, calendar and gazetteer; one ConfigError lists the problems of all three.

    ``learned_weights=False``: the rules with their own weights, ``rules/weights.yaml`` aside.
    """
    problems: list[Problem] = []
    with _collector_paused():
        rules, elections, gazetteer = _load_all(settings, learned_weights, problems)
    if problems or rules is None or elections is None or gazetteer is None:
        raise ConfigError(problems)
    return Knowledge(rules=rules, elections=elections, calendar=calendar_of(elections), gazetteer=gazetteer)


def _load_all(settings: Settings, learned_weights: bool, problems: list[Problem]) -> tuple[RuleSet | None, ElectionsFile | None, Gazetteer | None]:
    built = BuildCache(settings.cache_dir)
    rules = _collecting(problems, lambda: _rules(built, settings.rules_dir, learned_weights))
    elections = _collecting(problems, lambda: load_elections(settings.elections_file))
    gazetteer = _collecting(problems, lambda: _gazetteer(built, settings.countries_file))
    return rules, elections, gazetteer


def _gazetteer(built: BuildCache, path: Path) -> Gazetteer:
    try:
        inputs = file_inputs(path)
    except OSError:
        return load_gazetteer(path)  # its error names the file
    return built.get("gazetteer", inputs, lambda: load_gazetteer(path))


def _rules(built: BuildCache, directory: Path, learned_weights: bool) -> RuleSet:
    """The rule set, built or read back: its files' digest, where they are, and whether weights are learned, say which."""
    if not directory.is_dir():
        return load_rules(directory, learned_weights)  # its error names the directory
    inputs = f"{directory.resolve()}\0{learned_weights}\0{rules_digest(directory)}".encode()
    return built.get("rules", inputs, lambda: load_rules(directory, learned_weights))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while the knowledge loads: loading makes millions of objects
    that live as long as the process, and the collector would walk them again and again as they
    pile up (a second or two of every start)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _collecting(problems: list[Problem], load: Callable[[], T]) -> T | None:
    """What ``load`` returns, or None with its problems added to ``problems`` (to report all files at once)."""
    try:
        return load()
    except ConfigError as exc:
        problems.extend(exc.problems)
        return None


def make_fetcher(settings: Settings, stop: threading.Event | None = None, observe: Callable[[str, float], None] | None = None) -> Fetcher:
    """The fetcher and its client, one address guard for both. Close it after use.

    Setting ``stop`` abandons the fetches in flight at their next chunk; ``observe`` is told each fetch's duration.
    """
    guard = AddressGuard(settings.allowed_networks())
    client = build_client(settings.user_agent, settings.connect_timeout, settings.read_timeout, guard)
    return Fetcher(client, guard, Limits(settings.max_body_bytes, settings.max_redirects, settings.fetch_deadline), stop, observe=observe)


def check_crontab(line: str) -> None:
    """Raises ValueError when the scheduler cannot read ``line``: a digest's schedule (routing file)."""
    CronTrigger.from_crontab(line, timezone=UTC)


def link_signer(settings: Settings) -> LinkSigner | None:
    """The signer of verdict links, when the settings hold a secret key and a public address."""
    if not (settings.secret_key and settings.public_url):
        return None
    return LinkSigner(settings.secret_key.encode(), settings.public_url, settings.link_ttl)


def endpoint_limits(settings: Settings) -> EndpointLimits:
    return EndpointLimits(settings.http_timeout.total_seconds(), settings.http_max_connections)


class Monitor(AbstractContextManager["Monitor"]):
    """A fully wired monitor: sources, knowledge, channels, store, HTTP client. Close it after use."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.sources: tuple[Source, ...] = load_sources(settings.sources_file, settings.default_interval)
        self.knowledge = load_knowledge(settings)
        self.channels: Channels = build_channels(settings.notify_url_list(), settings.notify_config)
        self.engine = make_engine(settings.database_url)
        self.stop = threading.Event()
        self.metrics = Metrics()
        fetch_seconds = self.metrics.fetch_seconds
        self.fetcher = make_fetcher(settings, self.stop, lambda what, seconds: fetch_seconds.labels(what).observe(seconds))
        # Extraction on every core, in processes started on the first page (none for a run of 304s).
        self.extraction = ExtractionPool(settings.extract_workers, log_format=settings.log_format) if settings.extract_workers > 1 else None
        self.rulebook = RuleBook(settings.rules_dir, self.knowledge.rules, self.knowledge.gazetteer, self.knowledge.calendar)
        store = Store(self.engine, worker_id())  # its leases name this worker
        self.metrics.watch(store.all_source_status, self.rulebook.current, clock)
        self.deps = Deps(
            fetcher=self.fetcher,
            store=store,
            rules=self.rulebook.current,
            gazetteer=self.knowledge.gazetteer,
            calendar=self.knowledge.calendar,
            thresholds=settings.thresholds(),
            channels=self.channels,
            router=load_router(settings.routing_file, self.channels, check_cron=check_crontab),
            clock=clock,
            max_backoff=settings.max_backoff,
            stop=self.stop,
            signer=link_signer(settings),
            realert=settings.realert_period,
            story_similarity=settings.story_similarity,
            max_entries_per_poll=settings.max_entries_per_poll,
            poll_deadline=settings.poll_deadline,
            max_text_chars=settings.max_text_chars,
            extract=self.metrics.timed(self.extraction.extract if self.extraction else OneAtATime().extract),
            metrics=self.metrics,
        )

    @property
    def enabled_sources(self) -> tuple[Source, ...]:
        return tuple(s for s in self.sources if s.enabled)

    def close(self) -> None:
        if self.extraction is not None:
            self.extraction.close()
        self.fetcher.close()
        self.engine.dispose()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
