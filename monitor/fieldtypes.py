"""Field types shared by the YAML file models and the settings."""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from typing import Annotated

from pydantic import BeforeValidator, StringConstraints

from monitor.durations import parse_duration

CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
"""ISO 3166-1 alpha-2, upper case (quote it in YAML: an unquoted NO is false)."""

Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
"""A duration written ``90s``, ``15m``, ``2h`` or ``1d`` (a bare number is seconds)."""

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
"""An address range that may be fetched although private (MONITOR_ALLOW_PRIVATE_ADDRESSES)."""
