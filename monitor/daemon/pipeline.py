"""One source's poll: fetch -> parse -> dedupe -> extract -> context -> score -> decide -> store -> alert.

Everything a poll needs arrives in one ``Deps`` object built in ``monitor.daemon.wiring``. A failure of one
entry is recorded on that entry and the poll goes on; a failure of the feed is recorded on
the source, which then backs off (but is never given up). The new entries' pages are fetched
and extracted a few at a time while the poll's thread scores and stores them in feed order
(``monitor.daemon.inflight``).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from monitor.daemon.inflight import InFlight, NewEntry, Outcome, Tally
from monitor.daemon.metrics import Metrics
from monitor.detect import prepared
from monitor.detect.article_context import build_context
from monitor.detect.countries import Gazetteer
from monitor.detect.document import Document, prepare
from monitor.detect.elections import ElectionCalendar
from monitor.detect.rules.ruleset import RuleSet
from monitor.detect.scoring import assess
from monitor.detect.stories import StoryAlert, alert_candidate, find_story, item_candidate
from monitor.errors import FetchError, FetchStopped
from monitor.ingest.article import Extract, fetch_article
from monitor.ingest.extract import MAX_TEXT_CHARS, extract_page
from monitor.ingest.feeds import title_key
from monitor.ingest.fetch import Fetcher, Validators
from monitor.ingest.formats import parse_source, with_earlier_pages
from monitor.models import (
    Article,
    Assessment,
    Capture,
    Clock,
    Decision,
    Fate,
    FeedEntry,
    PollReport,
    PollStatus,
    Source,
    SourceFormat,
    Thresholds,
)
from monitor.notify.channels import Channels
from monitor.notify.decision import decide
from monitor.notify.links import LinkSigner
from monitor.notify.messages import render_alert
from monitor.notify.routing import Router
from monitor.store.repo import NewAlert, SourceStatus, Store

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Deps:
    """Everything a job needs, built once in ``monitor.daemon.wiring`` and passed down."""

    fetcher: Fetcher
    store: Store
    rules: Callable[[], RuleSet]  # the current rule set; a reload swaps what it returns
    gazetteer: Gazetteer
    calendar: ElectionCalendar
    thresholds: Thresholds
    channels: Channels
    router: Router
    clock: Clock
    max_backoff: timedelta
    stop: threading.Event = field(default_factory=threading.Event)
    signer: LinkSigner | None = None  # signs the verdict links of e-mails, when configured
    realert: timedelta = timedelta(hours=24)  # a story alerts once in this period; its copies are listed
    story_similarity: float = 0.5  # Jaccard of word 4-grams: same-language copies of one story
    # Bounds on one poll: new entries processed, and time to start new ones. What is left is read
    # again next poll (the feed still lists it and it is not stored), so nothing is lost.
    max_entries_per_poll: int = 200
    poll_deadline: timedelta = timedelta(minutes=10)
    monotonic: Callable[[], float] = time.monotonic  # the clock of the poll deadline
    max_text_chars: int = MAX_TEXT_CHARS  # the text kept per item: a huge page makes no unbounded item
    extract: Extract = extract_page  # in the fetching thread, or in the extraction pool's processes (wiring)
    pages_in_flight: int = 8  # pages of one poll fetched and extracted at once (each host also has its limit)
    alert_stored: Callable[[], None] = lambda: None  # the daemon's delivery bell: an alert goes out at once, not at the next tick
    metrics: Metrics = field(default_factory=Metrics)  # what /metrics serves


def next_poll_after_failure(source: Source, failures: int, max_backoff: timedelta) -> timedelta:
    """Exponential backoff: 2, 4, 8 ... intervals, capped; a source is never given up."""
    return min(source.interval * int(2 ** min(failures, 20)), max(max_backoff, source.interval))


def poll_source(source: Source, deps: Deps, status: SourceStatus | None = None) -> PollReport:
    """Poll one source; every failure is recorded on the source, none escapes.

    ``status``: the source's state, when the caller has just read it (under its lease)."""
    report = _poll_guarded(source, deps, status)
    deps.metrics.polls.labels(source.id, str(report.status)).inc()
    return report


def _poll_guarded(source: Source, deps: Deps, status: SourceStatus | None) -> PollReport:
    if deps.stop.is_set():
        return PollReport(source.id, PollStatus.SKIPPED)
    started = deps.clock()
    status = deps.store.source_status(source.id) if status is None else status
    try:
        return _poll(source, status, started, deps)
    except FetchStopped:  # a shutdown, not a failure of the source
        return PollReport(source.id, PollStatus.SKIPPED)
    except FetchError as exc:
        return _failed(source, status, started, str(exc), deps)
    except Exception as exc:  # a bug or a surprise in a dependency: recorded, never fatal to the run
        logger.exception("poll failed unexpectedly source=%s", source.id)
        return _failed(source, status, started, f"internal error: {type(exc).__name__}: {exc}", deps)


def _poll(source: Source, status: SourceStatus, started: datetime, deps: Deps) -> PollReport:
    ends = deps.monotonic() + deps.poll_deadline.total_seconds()  # the feed's own fetch counts too
    known = Validators(status.etag, status.last_modified)
    fetched = deps.fetcher.get(source.url, known)
    if fetched.not_modified:
        _succeeded(source, status, started, deps, status.content_hash, known, status.last_warning)
        return PollReport(source.id, PollStatus.NOT_MODIFIED)
    digest = hashlib.sha256(fetched.body).hexdigest()
    validators = Validators(fetched.validators.etag or None, fetched.validators.last_modified or None)
    if digest == status.content_hash:
        # Some servers send new validators for an unchanged feed, others unchanged validators
        # for a changed one: the hash of the body is what decides.
        _succeeded(source, status, started, deps, digest, validators, status.last_warning)
        return PollReport(source.id, PollStatus.UNCHANGED)
    feed = parse_source(fetched.body, source, fetched.url, fetched.content_type)
    if source.format is SourceFormat.TELEGRAM and status.last_success_at is None:  # a first poll reads back a little
        feed = with_earlier_pages(feed, fetched.url, lambda address: deps.fetcher.get(address).body, source.id)
    if not feed.usable:
        return _failed(source, status, started, f"not a feed: {feed.problem or 'no entries'}", deps)
    if feed.problem:
        logger.warning("feed is malformed, using what it yields source=%s problem=%s", source.id, feed.problem)
    tally = Tally()
    feed_capture = Capture("feed", source.url, fetched.url, fetched.body, fetched.headers, started)  # kept with any item that alerts
    # Entries are taken in feed order (newest first in most feeds); the seen check is cheap, so
    # the cap counts only the entries that are new, each of which costs a page fetch.
    with InFlight(_Steps(source, deps, feed_capture), source, deps.stop, deps.pages_in_flight, tally) as flight:
        for index, entry in enumerate(feed.entries):
            if deps.stop.is_set() or tally.stopped:
                tally.stop()
                break
            if tally.attempted >= deps.max_entries_per_poll or deps.monotonic() >= ends:
                tally.deferred = len(feed.entries) - index  # not looked at yet: known ones among them cost nothing next time
                why = f"{deps.max_entries_per_poll} new entries" if tally.attempted >= deps.max_entries_per_poll else "the poll deadline"
                logger.info("poll reached %s; %d entries left for the next poll source=%s", why, tally.deferred, source.id)
                break
            flight.take(entry)
    errors, deferred = tally.errors, tally.deferred
    if errors or deferred:
        # Something was left undone: keep the old hash and validators, so that the next poll
        # reads the whole feed again (a conditional GET would answer 304) and takes it up.
        _succeeded(source, status, started, deps, status.content_hash, known, feed.problem)
    else:
        _succeeded(source, status, started, deps, digest, validators, feed.problem)
    return PollReport(source.id, PollStatus.OK, len(feed.entries), tally.new_items, tally.alerts, tuple(errors), deferred)


@dataclass(frozen=True)
class _Steps:
    """An entry's steps, as the poll's entries in flight take them."""

    source: Source
    deps: Deps
    feed: Capture  # the document the entries came in

    def look(self, entry: FeedEntry) -> NewEntry | None:
        return new_entry(entry, self.source, self.deps)

    def fetch(self, new: NewEntry) -> Article:
        return fetch_entry(new, self.source, self.deps)

    def settle(self, new: NewEntry, article: Article) -> Outcome:
        return settle_entry(new, replace(article, captures=(self.feed, *article.captures)), self.source, self.deps)


def process_entry(entry: FeedEntry, source: Source, deps: Deps) -> Outcome:
    """Store one entry if it is new, and say what became of it (the steps a poll takes, one after another)."""
    new = new_entry(entry, source, deps)
    if new is None:
        return Outcome.KNOWN
    return settle_entry(new, fetch_entry(new, source, deps), source, deps)


def new_entry(entry: FeedEntry, source: Source, deps: Deps) -> NewEntry | None:
    """The seen check, a step of its own before any fetch: None for an entry stored before, or
    whose page another worker sharing the database is fetching."""
    now = deps.clock()
    key_by_title = title_key(source.id, entry.title, entry.published)
    if deps.store.seen(entry.keys, key_by_title, now):
        return None
    if not deps.store.claim_entry(entry.keys, key_by_title, now):  # another worker is fetching it (if it dies, a later poll will)
        return None
    return NewEntry(entry, now, key_by_title)


def fetch_entry(new: NewEntry, source: Source, deps: Deps) -> Article:
    """The entry's article: its page fetched and extracted (on a fetch thread of the poll), else the feed's text."""
    return fetch_article(new.entry, source, deps.fetcher, new.now, deps.max_text_chars, deps.extract)


def settle_entry(new: NewEntry, article: Article, source: Source, deps: Deps) -> Outcome:
    """Score, decide and store an entry's article, in the poll's own thread and in feed order."""
    now = new.now
    document = prepare(article.title, article.text)
    context = build_context(document, source, article.published, deps.gazetteer, deps.calendar, article.language)
    article = replace(article, language=context.language)
    assessment = assess(document, context, deps.rules(), deps.thresholds)
    analysis = prepared.encode(document, context, prepared.digest_of(deps.gazetteer))  # kept for re-scoring
    saved = _decide_and_save(_Item(article, document, source, assessment, new.title_key, analysis), deps, now)
    if saved.item_id is None:
        return Outcome.DUPLICATE
    deps.metrics.items.labels(source.id).inc()
    decision = saved.decision
    if decision.fate is Fate.COPY:
        logger.info("copy of the story of alert %s source=%s item=%s", decision.story, source.id, saved.item_id)
        return Outcome.STORED
    if decision.new_alert:
        assert saved.message is not None
        held = f" (silenced by #{decision.silenced_by})" if decision.silenced_by is not None else ""
        logger.info("alert%s source=%s item=%s score=%s title=%s", held, source.id, saved.item_id, assessment.score, saved.message.title)
        deps.metrics.alerts.labels(str(assessment.severity)).inc()
        if decision.silenced_by is None:
            deps.alert_stored()
        return Outcome.ALERT
    return Outcome.STORED


@dataclass(frozen=True)
class _Item:
    """An assessed entry, before its fate is decided."""

    article: Article
    document: Document
    source: Source
    assessment: Assessment
    title_key: str | None
    analysis: bytes | None = None  # what no rule changes, encoded (monitor.detect.prepared)


@dataclass(frozen=True)
class _Saved:
    decision: Decision
    message: NewAlert | None
    item_id: int | None  # None: another poll stored the item first


def _decide_and_save(item: _Item, deps: Deps, now: datetime) -> _Saved:
    """Gather what the decision weighs, decide, and have the store record the decision."""
    article, source, assessment = item.article, item.source, item.assessment
    if not assessment.alert:  # no silence or story bears on it: nothing to look up, no lock
        decision = decide(assessment, source, (), None)
        message = _message(item, (), deps) if decision.fate is Fate.REVIEW else None
        return _Saved(decision, message, _save(item, decision, message, deps, now))
    message = _message(item, deps.router.targets(assessment, source), deps)
    with deps.store.alert_lock.held():  # copies polled at once, by any worker, still find each other
        decision = decide(assessment, source, deps.store.silences(now), _story_of(item.document, article, assessment, deps, now))
        return _Saved(decision, message, _save(item, decision, message, deps, now))


def _message(item: _Item, channels: tuple[str, ...], deps: Deps) -> NewAlert:
    title, body, payload = render_alert(item.article, item.source, item.assessment, deps.gazetteer.name)
    return NewAlert(title, body, channels, payload)


def _save(item: _Item, decision: Decision, message: NewAlert | None, deps: Deps, now: datetime) -> int | None:
    entry = item.article.entry
    return deps.store.save_item(item.article, item.source, item.assessment, decision, message, entry.keys, item.title_key, now, item.analysis)


def _story_of(document: Document, article: Article, assessment: Assessment, deps: Deps, now: datetime) -> int | None:
    """The alert of a recent story this item repeats (republished or translated), if any."""
    recent = deps.store.recent_alerts(now - deps.realert)
    if not recent:
        return None
    new = item_candidate(document, article.language, assessment, article.published)
    known = [StoryAlert(r.alert_id, alert_candidate(r.text, r.language, r.elections, r.tags, r.published_at)) for r in recent]
    return find_story(new, known, deps.story_similarity)


def _succeeded(
    source: Source,
    status: SourceStatus,
    started: datetime,
    deps: Deps,
    content_hash: str | None,
    validators: Validators,
    warning: str | None,
) -> None:
    """Record a poll that worked; the last error stays visible for the operator."""
    deps.store.record_poll(
        replace(
            status,
            etag=validators.etag,
            last_modified=validators.last_modified,
            content_hash=content_hash,
            last_polled_at=started,
            last_success_at=started,
            last_warning=warning,
            consecutive_failures=0,
            next_poll_at=started + source.interval,
        )
    )


def _failed(source: Source, status: SourceStatus, started: datetime, error: str, deps: Deps) -> PollReport:
    failures = status.consecutive_failures + 1
    next_poll = started + next_poll_after_failure(source, failures, deps.max_backoff)
    logger.warning("poll failed source=%s failures=%s next_poll=%s error=%s", source.id, failures, next_poll.isoformat(), error)
    deps.store.record_poll(
        replace(status, last_polled_at=started, last_error_at=started, last_error=error, consecutive_failures=failures, next_poll_at=next_poll)
    )
    return PollReport(source.id, PollStatus.FAILED, errors=(error,))
