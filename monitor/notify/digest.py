"""Digests: one message listing the alerts since the last digest, grouped by the election they
bear on, most severe first. Nothing is sent when there is nothing to say."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from monitor.store.repo import AlertView

FIRST_DIGEST_LOOKBACK = timedelta(days=1)  # a channel's first digest covers the last day


def digest_message(alerts: list[AlertView], since: datetime, reviews: list[AlertView] | None = None) -> tuple[str, str] | None:
    """(title, body) of a digest of ``alerts`` and of the items stored for review, or None when there are none."""
    reviews = reviews or []
    if not alerts and not reviews:
        return None
    lines = _grouped(alerts)
    if reviews:
        lines += [*([""] if lines else []), f"For review ({len(reviews)}): below the alert score, with evidence of an indicator", *_grouped(reviews)]
    count = len(alerts)
    title = f"Digest: {count} alert{'s' if count != 1 else ''}" + (f", {len(reviews)} for review" if reviews else "") + f" since {since:%Y-%m-%d %H:%M} UTC"
    return title, "\n".join(lines)


def _grouped(alerts: list[AlertView]) -> list[str]:
    """Alerts grouped by the election they bear on, most severe first."""
    groups: dict[str, list[AlertView]] = defaultdict(list)
    for alert in alerts:
        groups[str((alert.payload or {}).get("target", "No election in window"))].append(alert)

    def rank(alert: AlertView) -> tuple[int, float]:
        return (-alert.severity.rank, -alert.score)

    ordered = sorted(groups.items(), key=lambda kv: min(rank(a) for a in kv[1]))
    lines = []
    for target, members in ordered:
        lines.append(target)
        for alert in sorted(members, key=rank):
            payload = alert.payload or {}
            source = (payload.get("source") or {}).get("name", alert.source_id)
            lines.append(f"  [{alert.severity.upper()}] score {alert.score:g}, {source}, {payload.get('published', '')}: {payload.get('title', alert.title)}")
            if alert.url:
                lines.append(f"    {alert.url}")
            if alert.copies:
                lines.append("    also published by " + ", ".join(str(c["source"]) for c in alert.copies))
    return lines
