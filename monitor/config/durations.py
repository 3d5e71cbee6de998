"""Durations as analysts write them in YAML: ``15m``, ``2h``, ``1d``, ``90s``."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: str | int | float | timedelta) -> timedelta:
    """``"15m"`` -> 15 minutes; a bare number is seconds."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _seconds(value, value)
    found = _DURATION.match(value) if isinstance(value, str) else None
    if not found:
        raise ValueError(f"expected a duration such as 90s, 15m, 2h or 1d, got {value!r}")
    return _seconds(float(found.group(1)) * _UNIT_SECONDS[found.group(2)], value)


def _seconds(seconds: float, written: object) -> timedelta:
    # timedelta raises OverflowError past 999999999 days and for inf or nan: a ValueError, like every bad duration
    try:
        return timedelta(seconds=seconds)
    except (OverflowError, ValueError):
        raise ValueError(f"duration out of range: {written!r}") from None
