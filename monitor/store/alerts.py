"""Alerts, the outbox of deliveries, silences, digests and analysts' verdicts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from monitor.errors import DatabaseError
from monitor.models import AlertKind, DeliveryState, Severity, SilenceRule, Verdict
from monitor.store.records import AlertView, PendingDelivery, RecentAlert, RuleStat
from monitor.store.tables import Alert, Delivery, Item, RuleMatch, Silence, VerdictRevision


class AlertsRepo:
    engine: Engine

    def add_operational_alert(self, title: str, body: str, channels: tuple[str, ...], now: datetime) -> int:
        """An alert about the monitor itself (a rule change that failed to load, ...), through the outbox."""
        return self.add_message(AlertKind.OPERATIONAL, title, body, channels, now)

    def operational_alert_since(self, title: str, since: datetime) -> bool:
        """Whether an operational alert with this title was raised since ``since`` (to remind, not repeat)."""
        with Session(self.engine) as session:
            query = select(Alert.id).where(col(Alert.kind) == AlertKind.OPERATIONAL, col(Alert.title) == title, col(Alert.created_at) >= since)
            return session.exec(query.limit(1)).first() is not None

    def add_message(self, kind: AlertKind, title: str, body: str, channels: tuple[str, ...], now: datetime) -> int:
        """A message with no item (operational, digest), delivered through the outbox like any alert."""
        with Session(self.engine) as session:
            message_id = add_message_in(session, kind, title, body, channels, now)
            session.commit()
            return message_id

    # -- outbox --------------------------------------------------------------------------

    def claim_next_delivery(self, now: datetime, lease: timedelta) -> PendingDelivery | None:
        """Claim the oldest due delivery for sending and return it; None when none is due.

        One at a time, never a batch: a worker killed while sending leaves only that delivery in
        doubt. The claim is a conditional update that only one worker can win, so two workers (a
        daemon and a manual `run --once`, or several PostgreSQL workers) never send the same
        delivery; the one that loses a race goes on to the next due row. A delivery left
        "sending" by a dead worker is due again once its lease expires.
        """
        due = (col(Delivery.state) == DeliveryState.PENDING) & (col(Delivery.next_attempt_at) <= now)
        stale = (col(Delivery.state) == DeliveryState.SENDING) & (col(Delivery.claimed_at) <= now - lease)
        with Session(self.engine) as session:
            while True:
                query = select(Delivery.id).where(due | stale).order_by(col(Delivery.id)).limit(1)
                if self.engine.dialect.name == "postgresql":
                    query = query.with_for_update(skip_locked=True)  # workers take different rows
                delivery_id = session.exec(query).first()
                if delivery_id is None:
                    return None
                won = session.execute(update(Delivery).where(col(Delivery.id) == delivery_id, due | stale).values(state=DeliveryState.SENDING, claimed_at=now))
                session.commit()
                if won.rowcount == 1:  # type: ignore[attr-defined]
                    d, a = session.exec(select(Delivery, Alert).join(Alert, col(Alert.id) == col(Delivery.alert_id)).where(col(Delivery.id) == delivery_id)).one()
                    return PendingDelivery(delivery_id, d.alert_id, d.channel, d.attempts, a.title, a.body, a.created_at, AlertKind(a.kind), a.payload)

    def delivery_sent(self, delivery_id: int, now: datetime) -> None:
        self._update_delivery(delivery_id, state=DeliveryState.SENT, sent_at=now, last_error=None, attempts_delta=1)

    def delivery_failed(self, delivery_id: int, error: str, retry_at: datetime) -> None:
        self._update_delivery(delivery_id, state=DeliveryState.PENDING, next_attempt_at=retry_at, last_error=error, attempts_delta=1)

    def delivery_given_up(self, delivery_id: int, error: str) -> None:
        """No more retries: the delivery is failed, for `alerts list --failed` to show."""
        self._update_delivery(delivery_id, state=DeliveryState.FAILED, last_error=error, attempts_delta=1)

    def _update_delivery(self, delivery_id: int, attempts_delta: int, **values: object) -> None:
        with Session(self.engine) as session:
            delivery = session.get(Delivery, delivery_id)
            if delivery is None:
                return
            for name, value in values.items():
                setattr(delivery, name, value)
            delivery.attempts += attempts_delta
            delivery.claimed_at = None
            session.add(delivery)
            session.commit()

    # -- reading -------------------------------------------------------------------------

    def alerts(
        self,
        limit: int = 50,
        failed_only: bool = False,
        alert_id: int | None = None,
        created_after: datetime | None = None,
        unsilenced_items_only: bool = False,
        review: bool = False,
    ) -> list[AlertView]:
        """Alerts (items, operational, digests), newest first; ``review``: the items stored for review instead."""
        with Session(self.engine) as session:
            query = select(Alert, Item).join(Item, col(Item.id) == col(Alert.item_id), isouter=True)
            if alert_id is not None:
                query = query.where(col(Alert.id) == alert_id)
            else:
                query = query.where((col(Alert.kind) == AlertKind.REVIEW) if review else (col(Alert.kind) != AlertKind.REVIEW))
            if created_after is not None:
                query = query.where(col(Alert.created_at) > created_after)
            if unsilenced_items_only:
                query = query.where(col(Alert.kind) == AlertKind.ITEM, col(Alert.silenced_by).is_(None))
            if failed_only:
                failed = select(Delivery.alert_id).where(col(Delivery.state) == DeliveryState.FAILED)
                query = query.where(col(Alert.id).in_(failed))
            rows = session.exec(query.order_by(col(Alert.created_at).desc(), col(Alert.id).desc()).limit(limit)).all()
            views = []
            for alert, item in rows:
                deliveries = session.exec(select(Delivery).where(Delivery.alert_id == alert.id).order_by(col(Delivery.channel))).all()
                assert alert.id is not None
                views.append(
                    AlertView(
                        id=alert.id,
                        kind=AlertKind(alert.kind),
                        created_at=alert.created_at,
                        score=alert.score,
                        severity=Severity(alert.severity),
                        title=alert.title,
                        body=alert.body,
                        source_id=item.source_id if item else None,
                        url=item.url if item else None,
                        published_at=item.published_at if item else None,
                        deliveries=tuple((d.channel, DeliveryState(d.state), d.attempts, d.last_error) for d in deliveries),
                        copies=tuple(alert.copies or ()),
                        silenced_by=alert.silenced_by,
                        payload=alert.payload,
                    )
                )
            return views

    def recent_alerts(self, since: datetime) -> list[RecentAlert]:
        """Item alerts created since ``since``: the stories a new item may repeat."""
        with Session(self.engine) as session:
            rows = session.exec(
                select(Alert, Item).join(Item, col(Item.id) == col(Alert.item_id)).where(col(Alert.created_at) >= since, col(Alert.kind) == AlertKind.ITEM)
            ).all()
            recent = []
            for alert, item in rows:
                assert alert.id is not None
                tags = session.exec(select(RuleMatch.tags).where(RuleMatch.item_id == item.id)).all()
                elections = tuple((str(e["country"]), str(e["date"])) for e in item.elections)
                recent.append(
                    RecentAlert(alert.id, item.text, item.language, item.published_at, elections, tuple(t for ts in tags for t in ts))
                )
            return recent

    def last_digest(self, channel: str) -> datetime | None:
        with Session(self.engine) as session:
            query = (
                select(func.max(Alert.created_at))
                .join(Delivery, col(Delivery.alert_id) == col(Alert.id))
                .where(col(Alert.kind) == AlertKind.DIGEST, col(Delivery.channel) == channel)
            )
            value = session.exec(query).one()
            return _aware(value)

    # -- silences ------------------------------------------------------------------------

    def add_silence(self, rule_id: str | None, source_id: str | None, country: str | None, until: datetime, reason: str, now: datetime) -> int:
        with Session(self.engine) as session:
            row = Silence(rule_id=rule_id, source_id=source_id, country=country, until=until, reason=reason, created_at=now)
            session.add(row)
            session.commit()
            assert row.id is not None
            return row.id

    def remove_silence(self, silence_id: int, now: datetime) -> bool:
        with Session(self.engine) as session:
            row = session.get(Silence, silence_id)
            if row is None or row.removed_at is not None:
                return False
            row.removed_at = now
            session.add(row)
            session.commit()
            return True

    def silences(self, now: datetime, include_ended: bool = False) -> list[SilenceRule]:
        """Active silences (or every silence ever set), newest first."""
        with Session(self.engine) as session:
            query = select(Silence).order_by(col(Silence.id).desc())
            if not include_ended:
                query = query.where(col(Silence.until) > now, col(Silence.removed_at).is_(None))
            return [
                SilenceRule(row.id, row.rule_id, row.source_id, row.country, row.until, row.reason)
                for row in session.exec(query)
                if row.id is not None
            ]

    # -- feedback ------------------------------------------------------------------------

    def mark(self, alert_id: int, verdict: Verdict, note: str | None, now: datetime) -> bool:
        """Record an analyst's verdict on an alert; False if there is no such alert.

        Idempotent: marking an alert with the verdict (and note) it already has records nothing,
        so a link followed twice, or two clicks at once, leave one row.
        """
        for _ in range(3):  # a concurrent mark took the next revision: look again
            with Session(self.engine) as session:
                if session.get(Alert, alert_id) is None:
                    return False
                latest = session.exec(
                    select(VerdictRevision).where(col(VerdictRevision.alert_id) == alert_id).order_by(col(VerdictRevision.revision).desc()).limit(1)
                ).first()
                if latest is not None and latest.verdict == verdict and (note is None or note == latest.note):
                    return True
                revision = latest.revision + 1 if latest is not None else 1
                session.add(VerdictRevision(alert_id=alert_id, revision=revision, verdict=verdict, note=note, created_at=now))
                try:
                    session.commit()
                    return True
                except IntegrityError:
                    session.rollback()
        raise DatabaseError(f"the verdict on alert #{alert_id} kept changing under a concurrent writer")

    def verdicts(self) -> dict[int, Verdict]:
        """The latest verdict of every marked alert."""
        with Session(self.engine) as session:
            rows = session.exec(select(VerdictRevision).order_by(col(VerdictRevision.alert_id), col(VerdictRevision.revision))).all()
            return {row.alert_id: Verdict(row.verdict) for row in rows}

    def rule_stats(self, since: datetime | None = None) -> list[RuleStat]:
        """Per rule: items it matched, alerts marked true and false among them, the last match."""
        verdicts = self.verdicts()
        counts: dict[str, dict[str, int]] = {}
        last: dict[str, datetime] = {}
        with Session(self.engine) as session:
            query = (
                select(RuleMatch.rule_id, Item.published_at, Alert.id)
                .join(Item, col(Item.id) == col(RuleMatch.item_id))
                .join(Alert, col(Alert.item_id) == col(Item.id), isouter=True)
            )
            if since is not None:
                query = query.where(col(Item.published_at) >= since)
            for rule_id, published, alert_id in session.exec(query):
                entry = counts.setdefault(rule_id, {"fired": 0, Verdict.TP: 0, Verdict.FP: 0})
                entry["fired"] += 1
                last[rule_id] = max(last.get(rule_id, published), published)
                verdict = verdicts.get(alert_id) if alert_id is not None else None
                if verdict is not None:
                    entry[verdict] += 1
        return sorted(
            (RuleStat(rule, v["fired"], v[Verdict.TP], v[Verdict.FP], last[rule]) for rule, v in counts.items()),
            key=lambda r: (-r.fired, r.rule_id),
        )


def _aware(value: datetime | None) -> datetime | None:
    """Aggregates bypass the column type: SQLite gives back a naive UTC datetime (or a string)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def add_message_in(session: Session, kind: AlertKind, title: str, body: str, channels: tuple[str, ...], now: datetime) -> int:
    """A message with no item and its deliveries, in the caller's transaction."""
    severity = Severity.HIGH if kind in (AlertKind.OPERATIONAL, AlertKind.UPDATE) else Severity.LOW
    row = Alert(item_id=None, kind=kind, created_at=now, score=0.0, severity=severity, title=title, body=body)
    session.add(row)
    session.flush()
    assert row.id is not None
    for channel in channels:
        session.add(Delivery(alert_id=row.id, channel=channel, next_attempt_at=now))
    return row.id
