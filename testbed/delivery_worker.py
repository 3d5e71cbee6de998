"""The delivery worker a crash test kills: the library's delivery job, run as a child process."""

from __future__ import annotations

from datetime import timedelta

from monitor.models import RetryPolicy

POLICY = RetryPolicy(longest_wait=timedelta(hours=1), max_age=timedelta(hours=24))
ALERTS = 5

# Run as ``python -c WORKER <database URL> <channel URL>``: delivers what is pending, with POLICY.
WORKER = """
import sys
from datetime import UTC, datetime, timedelta
from monitor.models import RetryPolicy
from monitor.notify.channels import build_channels
from monitor.notify.outbox import deliver_pending
from monitor.store.engine import make_engine
from monitor.store.repo import Store
store = Store(make_engine(sys.argv[1]))
policy = RetryPolicy(longest_wait=timedelta(hours=1), max_age=timedelta(hours=24))
deliver_pending(store, build_channels((sys.argv[2],), None), lambda: datetime.now(UTC), policy)
"""
