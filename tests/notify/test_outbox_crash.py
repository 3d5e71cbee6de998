"""A worker killed while sending strands nothing: what it never attempted goes out on the next run."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.notify.channels import build_channels
from monitor.notify.outbox import LEASE, deliver_pending
from monitor.store.engine import make_engine, upgrade
from monitor.store.repo import Store
from testbed.delivery_worker import ALERTS, POLICY, WORKER
from testbed.servers import HoldingReceiver
from tests.conftest import ROOT


@pytest.fixture
def holding_receiver() -> Iterator[HoldingReceiver]:
    receiver = HoldingReceiver()
    yield receiver
    receiver.stop()


def test_a_worker_killed_mid_send_leaves_only_the_message_in_flight_in_doubt(tmp_path: Path, holding_receiver: HoldingReceiver) -> None:
    """SIGKILL while one delivery is on the wire: the next run sends every other one at once, and only
    the one in flight may be sent twice (after its lease)."""
    database = f"sqlite:///{tmp_path}/monitor.db"
    store = Store(make_engine(database))
    upgrade(store.engine)
    channels = build_channels((holding_receiver.url,), None)
    now = datetime.now(UTC)
    for number in range(ALERTS):
        store.add_message("operational", f"alert {number}", "body", channels.targets, now)

    holding_receiver.hold.set()
    worker = subprocess.Popen([sys.executable, "-c", WORKER, database, holding_receiver.url], cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while not holding_receiver.titles and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.05)
        assert holding_receiver.titles == ["alert 0"], "the worker never reached the receiver"
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    holding_receiver.hold.clear()
    holding_receiver.release.set()

    def clock() -> datetime:
        return datetime.now(UTC)

    restarted = deliver_pending(store, channels, clock, POLICY)
    assert restarted.sent == ALERTS - 1  # every delivery the killed worker never attempted, at once
    # The one in flight never got its answer, so it is in doubt: sent again once its lease ends.
    assert deliver_pending(store, channels, lambda: clock() + LEASE + timedelta(seconds=1), POLICY).sent == 1

    repeats = {title: n for title, n in Counter(holding_receiver.titles).items() if n > 1}
    assert set(holding_receiver.titles) == {f"alert {n}" for n in range(ALERTS)}
    assert repeats == {"alert 0": 2}  # the one in flight, and no other, is sent twice
