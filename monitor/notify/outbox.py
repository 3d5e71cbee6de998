"""Sends pending deliveries from the outbox, each channel on its own, retrying with backoff."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from monitor.models import Clock
from monitor.notify.channels import Channels
from monitor.store.repo import Store

logger = logging.getLogger(__name__)

FIRST_RETRY = timedelta(seconds=30)
LEASE = timedelta(minutes=10)  # a delivery claimed longer ago than this by a dead worker is retried


@dataclass(frozen=True)
class DeliveryReport:
    sent: int = 0
    failed: int = 0


def retry_delay(attempts: int, longest: timedelta) -> timedelta:
    """30 s, 1 min, 2 min, ... doubling after each failed attempt, never more than ``longest``."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), longest)


def deliver_pending(store: Store, channels: Channels, clock: Clock, longest_wait: timedelta) -> DeliveryReport:
    sent = failed = 0
    for delivery in store.claim_due_deliveries(clock(), LEASE):
        channel = channels.get(delivery.channel)
        if channel is None:
            result_ok, error = False, f"channel {delivery.channel} is no longer configured"
        else:
            result = channel.send(delivery.title, delivery.body)
            result_ok, error = result.ok, result.error
        if result_ok:
            store.delivery_sent(delivery.id, clock())
            sent += 1
            continue
        attempts = delivery.attempts + 1
        retry_at = clock() + retry_delay(attempts, longest_wait)
        store.delivery_failed(delivery.id, error or "unknown error", retry_at)
        logger.warning(
            "delivery failed alert=%s channel=%s attempt=%s retry_at=%s error=%s",
            delivery.alert_id, delivery.channel, attempts, retry_at.isoformat(), error,
        )
        failed += 1
    return DeliveryReport(sent, failed)
