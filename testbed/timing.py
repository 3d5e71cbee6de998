"""Helpers for runs in real time: waiting for a condition, a scheduler that starts without spread."""

from __future__ import annotations

import random
import time
from collections.abc import Callable


class NoSpread(random.Random):
    """Starts every first poll at once (instead of spread over half a minute)."""

    def uniform(self, a: float, b: float) -> float:
        return a


def wait_for(condition: Callable[[], object], seconds: float) -> bool:
    """Whether ``condition`` came true within ``seconds`` (checked every 50 ms, and once at the end)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return bool(condition())
