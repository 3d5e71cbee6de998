"""Verdict links: an analyst marks an alert true or false from the message itself.

A link carries the alert, the verdict and an expiry, signed with HMAC-SHA256 under the
monitor's secret key, so that a forwarded link stops working after its time and cannot be
altered to another alert or verdict. Messages carry the links (the outbox adds them when it
sends); the daemon's endpoint verifies them (``monitor.daemon.endpoint``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlencode

from monitor.models import Verdict

LINK_FIELDS = ("alert", "verdict", "expires", "sig")  # in this order in a link and its confirm form
MAX_ALERT_ID = 2**31 - 1  # the alert table's integer key (32 bits on PostgreSQL)
_ALERT = re.compile(r"[0-9]{1,10}")
_EXPIRES = re.compile(r"[0-9]{1,12}")  # Unix seconds, up to the year 33658
_SIGNATURE = re.compile(r"[0-9a-f]{64}")


class LinkError(Exception):
    """A link refused; ``status`` is the HTTP status the endpoint answers with."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


@dataclass(frozen=True)
class LinkSigner:
    key: bytes
    base_url: str  # where analysts reach the endpoint, e.g. https://monitor.example.org
    ttl: timedelta

    def _signature(self, alert_id: int, verdict: str, expires: int) -> str:
        message = f"{alert_id}:{verdict}:{expires}".encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()

    def links(self, alert_id: int, now: datetime) -> dict[str, str]:
        """One link per verdict for an alert, valid for ``ttl`` from ``now``."""
        expires = int((now + self.ttl).timestamp())
        return {
            verdict: f"{self.base_url.rstrip('/')}/verdict?"
            + urlencode({"alert": alert_id, "verdict": verdict, "expires": expires, "sig": self._signature(alert_id, verdict, expires)})
            for verdict in Verdict
        }

    def verify(self, query: str, now: datetime) -> tuple[int, Verdict]:
        """The alert and verdict of a link's query string (or its confirm form's body).

        LinkError 400 if it is malformed, 403 if it is forged, 410 if it has expired.
        """
        alert_id, verdict, _, _ = self.verified_fields(query, now)
        return alert_id, verdict

    def verified_fields(self, query: str, now: datetime) -> tuple[int, Verdict, int, str]:
        """Every field of a valid link (alert, verdict, expires, sig), as ``verify`` checks it."""
        alert_id, verdict, expires, signature = fields = link_fields(query)
        if not hmac.compare_digest(signature, self._signature(alert_id, verdict, expires)):
            raise LinkError(403, "this link is not valid")
        if now.timestamp() > expires:
            raise LinkError(410, "this link has expired; mark the alert with `monitor alerts mark`")
        return fields


def link_fields(query: str) -> tuple[int, Verdict, int, str]:
    """Each field of a link exactly once and in its exact form, or LinkError 400.

    Strict forms keep every later step total: no huge or signed numbers reach the database,
    and the signature compared is always 64 ASCII hex digits.
    """
    try:
        params = parse_qs(query, keep_blank_values=True, max_num_fields=len(LINK_FIELDS) + 4)
    except ValueError as exc:  # too many fields
        raise LinkError(400, "malformed link") from exc
    values = {name: params.get(name, []) for name in LINK_FIELDS}
    if any(len(v) != 1 for v in values.values()):
        raise LinkError(400, "incomplete link")
    alert, verdict, expires, signature = (values[name][0] for name in LINK_FIELDS)
    if not (_ALERT.fullmatch(alert) and 1 <= int(alert) <= MAX_ALERT_ID):
        raise LinkError(400, "malformed alert number")
    if verdict not in tuple(Verdict):
        raise LinkError(400, "unknown verdict")
    if not _EXPIRES.fullmatch(expires):
        raise LinkError(400, "malformed expiry")
    if not _SIGNATURE.fullmatch(signature):
        raise LinkError(400, "malformed signature")
    return int(alert), Verdict(verdict), int(expires), signature
