"""Sends pending deliveries from the outbox, each channel on its own, retrying with backoff."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from monitor.models import AlertKind, Clock, RetryPolicy
from monitor.notify.channels import LOG_CHANNEL, Channels
from monitor.notify.links import LinkSigner
from monitor.notify.messages import render
from monitor.store.repo import PendingDelivery, Store

logger = logging.getLogger(__name__)

FIRST_RETRY = timedelta(seconds=30)
LEASE = timedelta(minutes=10)  # a delivery claimed longer ago than this by a dead worker is retried (it may have gone out)
SENT, RETRY, GIVEN_UP = "sent", "retry", "given_up"  # what became of one attempt

Counted = Callable[[str, str], None]  # (channel, what became of the attempt)


@dataclass(frozen=True)
class DeliveryReport:
    sent: int = 0
    failed: int = 0


def _with_links(delivery: PendingDelivery, signer: LinkSigner | None, clock: Clock) -> dict[str, object]:
    """The payload, with signed verdict links when the endpoint is configured."""
    payload = dict(delivery.payload or {})
    if signer is not None:
        payload["links"] = signer.links(delivery.alert_id, clock())
    return payload


def _give_up(store: Store, channels: Channels, clock: Clock, delivery: PendingDelivery, error: str) -> None:
    """Fail the delivery for good and say so on the other channels (the log if there is no other)."""
    store.delivery_given_up(delivery.id, error)
    logger.error("delivery given up alert=%s channel=%s error=%s", delivery.alert_id, delivery.channel, error)
    if delivery.kind is AlertKind.OPERATIONAL:
        return  # a failure about a failure goes to the log only: no chain of alerts
    others = tuple(c for c in channels.targets if c != delivery.channel) or (LOG_CHANNEL,)
    title = f"[OPERATIONAL] Alert #{delivery.alert_id} could not be delivered to {delivery.channel}"
    body = f"Retries on channel {delivery.channel} ended after the maximum age. Last error: {error}\nThe alert: {delivery.title}"
    store.add_operational_alert(title, body, others, clock())


def retry_delay(attempts: int, longest: timedelta) -> timedelta:
    """30 s, 1 min, 2 min, ... doubling after each failed attempt, never more than ``longest``."""
    return min(FIRST_RETRY * int(2 ** max(attempts - 1, 0)), longest)  # int(): typeshed's int ** int is Any


def deliver_pending(
    store: Store,
    channels: Channels,
    clock: Clock,
    policy: RetryPolicy,
    stop: threading.Event | None = None,
    signer: LinkSigner | None = None,
    counted: Counted | None = None,
) -> DeliveryReport:
    """Send every due delivery, one at a time, until none is due or ``stop`` is set.

    ``counted``, if given, is told each attempt's channel and outcome: sent, retry or given_up.

    Each delivery is claimed just before it is sent, never in a batch: a worker killed while
    sending leaves only the delivery on the wire "sending" (in doubt, retried after its lease);
    every other due delivery stays pending, and the next run sends it at once.
    """
    sent = failed = 0
    while not (stop is not None and stop.is_set()):
        claimed = store.claim_next_delivery(clock(), LEASE)
        if claimed is None:
            break
        state = _deliver(store, channels, clock, policy, claimed, signer)
        if counted is not None:
            counted(claimed.channel, state)
        if state == SENT:
            sent += 1
        else:
            failed += 1
    return DeliveryReport(sent, failed)


def _deliver(
    store: Store, channels: Channels, clock: Clock, policy: RetryPolicy, delivery: PendingDelivery, signer: LinkSigner | None
) -> str:
    channel = channels.get(delivery.channel)
    error: str | None  # a channel may fail without saying why
    if channel is None:
        result_ok, error = False, f"channel {delivery.channel} is no longer configured"
    else:
        try:
            body = render(_with_links(delivery, signer, clock), channel.format) if delivery.payload else delivery.body
            result = channel.send(delivery.title, body)
            result_ok, error = result.ok, result.error
        except Exception as exc:  # a plugin that raises must not strand the rest of the batch
            result_ok, error = False, f"{type(exc).__name__}: {exc}"
    if result_ok:
        store.delivery_sent(delivery.id, clock())
        return SENT
    attempts = delivery.attempts + 1
    if clock() - delivery.alert_created_at >= policy.max_age:
        _give_up(store, channels, clock, delivery, error or "unknown error")
        return GIVEN_UP
    retry_at = clock() + retry_delay(attempts, policy.longest_wait)
    store.delivery_failed(delivery.id, error or "unknown error", retry_at)
    logger.warning(
        "delivery failed alert=%s channel=%s attempt=%s retry_at=%s error=%s",
        delivery.alert_id, delivery.channel, attempts, retry_at.isoformat(), error,
    )
    return RETRY
