"""Field types shared by the YAML file models and the settings."""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, StringConstraints

from monitor.config.durations import parse_duration

CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
"""ISO 3166-1 alpha-2, upper case (quote it in YAML: an unquoted NO is false)."""

LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]
"""ISO 639-1 or 639-3, lower case."""

Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
"""A duration written ``90s``, ``15m``, ``2h`` or ``1d`` (a bare number is seconds)."""

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
"""An address range that may be fetched although private (MONITOR_ALLOW_PRIVATE_ADDRESSES)."""


def check_http_url(url: str) -> str:
    """``url`` if it is an http(s) URL with a host and no whitespace or control character; else ValueError."""
    bad = next((ch for ch in url if ch.isspace() or not ch.isprintable()), None)
    if bad is not None:
        raise ValueError(f"a URL may not hold whitespace or control characters (found {bad!r} at position {url.index(bad)})")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError as exc:
        raise ValueError(f"malformed URL: {exc}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(f"must be an http:// or https:// URL, got {url!r}")
    if not parts.hostname:
        raise ValueError(f"the URL has no host: {url!r}")
    return url


WebUrl = Annotated[str, AfterValidator(check_http_url)]
"""An http(s) URL with a host, on one line: what the fetcher can be asked to get."""
