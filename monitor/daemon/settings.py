"""Every MONITOR_* setting, with its default and meaning, in one pydantic-settings model.

Values come from the environment, else from a ``.env`` file in the working directory, else
from the defaults below. The README's configuration table is checked against this model.
"""

from __future__ import annotations

import ipaddress
import math
import re
from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from monitor.config.buildcache import default_directory
from monitor.config.fieldtypes import Duration, Network, check_http_url
from monitor.config.packaged import COUNTRIES, ELECTIONS, RULES, SOURCES, local_or_shipped
from monitor.ingest.extraction_pool import available_cores
from monitor.models import HealthPolicy, RetryPolicy, Severity, Thresholds, WatchPolicy

MAX_TIMEOUT = 3600.0
# Every duration's range. The upper bounds keep dates computed from them within the calendar
# (a verdict link valid for 9999999 days cannot be written) and the daemon's cycles within reason.
SECOND, DAY = timedelta(seconds=1), timedelta(days=1)
DURATION_RANGES: dict[str, tuple[timedelta, timedelta]] = {
    "default_interval": (timedelta(minutes=1), 30 * DAY),  # the floor sources.yaml puts on a source's own interval
    "max_backoff": (SECOND, 30 * DAY),
    "delivery_interval": (SECOND, DAY),
    "delivery_max_age": (SECOND, 365 * DAY),
    "rules_reload_interval": (SECOND, DAY),
    "delivery_max_backoff": (SECOND, 30 * DAY),
    "realert_period": (SECOND, 365 * DAY),
    "link_ttl": (SECOND, 365 * DAY),
    "poll_deadline": (SECOND, DAY),
    "http_timeout": (SECOND, timedelta(minutes=5)),
    "page_watch_period": (SECOND, 365 * DAY),
    "page_watch_interval": (timedelta(minutes=1), 30 * DAY),
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MONITOR_", env_file=".env", extra="ignore", frozen=True)

    database_url: str = Field("sqlite:///data/monitor.db", description="Any SQLAlchemy URL; PostgreSQL for scale.")
    # Each path: the working directory's file when there is one, else the one shipped with the package.
    sources_file: Path = Field(default_factory=lambda: local_or_shipped(SOURCES), description="The sources to poll.")
    rules_dir: Path = Field(default_factory=lambda: local_or_shipped(RULES), description="Directory of rule packs (*.yaml).")
    elections_file: Path = Field(default_factory=lambda: local_or_shipped(ELECTIONS), description="The election calendar.")
    countries_file: Path = Field(default_factory=lambda: local_or_shipped(COUNTRIES), description="The country gazetteer: names, adjectives, capitals.")
    notify_urls: str = Field("", description="Apprise URLs, whitespace-separated; empty = alerts only logged and stored.")
    notify_config: Path | None = Field(None, description="An apprise configuration file (YAML/TEXT); each URL in it is a channel.")

    routing_file: Path | None = Field(
        None, description="A YAML file routing alerts to channel tags by severity, rule, source and country; empty = every channel."
    )

    cache_dir: Path | None = Field(
        default_factory=default_directory,
        description="Where the validated and compiled rules and gazetteer are kept, so that the next start with the same files reads them back; empty = nothing kept.",
    )

    @field_validator("notify_config", "routing_file", "cache_dir", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value in ("", None) else value
    allow_private_addresses: str = Field(
        "false",
        description="`true`, or a comma-separated list of addresses and CIDR ranges that may be fetched although "
        "loopback/private/link-local (tests, intranets). Default `false`.",
    )
    user_agent: str = Field(
        "election-monitor/0.1 (election-interference indicator monitor)",
        description="The User-Agent sent with every request.",
    )
    connect_timeout: float = Field(5.0, description="Seconds to wait for a connection.")
    read_timeout: float = Field(15.0, description="Seconds to wait for data on an open connection.")
    max_body_bytes: int = Field(5_000_000, description="Largest feed or page body accepted, in bytes.")
    max_redirects: int = Field(5, description="Redirects followed per request (each hop is checked).")
    # Bounds on one fetch, one poll and one text, so that slow or huge sources cannot hold the workers.
    fetch_deadline: float = Field(60.0, description="Seconds one fetch may take in all (redirects and body included), 0 < x <= 3600.")
    poll_deadline: Duration = Field(
        timedelta(minutes=10),
        description="How long one poll of a source may go on starting new entries (1s to 24h); the rest wait for the next poll.",
    )
    max_entries_per_poll: int = Field(
        200, ge=1, le=100_000, description="New entries processed (page fetched, scored, stored) per poll of a source, 1 to 100000."
    )
    max_text_chars: int = Field(
        300_000, ge=1_000, le=10_000_000, description="Characters of text kept per item (page or feed text); the rest of a longer text is cut off."
    )
    extract_workers: int = Field(
        default_factory=available_cores,
        ge=0,
        le=256,
        description="Processes that extract pages' text, started on the first page; 0 or 1 = in the polling threads. Default: the cores available.",
    )
    default_interval: Duration = Field(timedelta(minutes=15), description="Poll interval of a source that sets none.")
    max_backoff: Duration = Field(timedelta(hours=6), description="Longest wait between polls of a failing source.")
    delivery_interval: Duration = Field(timedelta(seconds=30), description="How often pending deliveries are sent.")
    delivery_max_age: Duration = Field(
        timedelta(hours=24), description="After this, a channel's delivery is failed for good and an operational alert goes to the other channels."
    )
    source_alert_failures: int = Field(5, ge=1, description="Consecutive failed polls of a source before an operational alert.")
    page_watch_period: Duration = Field(timedelta(days=14), description="How long after its alert an alerted page is looked at again for edits and removal.")
    page_watch_interval: Duration = Field(timedelta(hours=6), description="How often an alerted page is looked at again during that period.")
    source_quiet_factor: float = Field(
        5.0, gt=1, description="A source quiet for this many times its usual gap between items (and at least a day) raises an operational alert."
    )
    rules_reload_interval: Duration = Field(
        timedelta(seconds=30), description="How often the daemon looks for changed rule files (and takes them if they pass)."
    )
    delivery_max_backoff: Duration = Field(timedelta(hours=1), description="Longest wait between retries of a failing channel.")
    severity_thresholds: str = Field(
        "medium=4,high=7,critical=10", description="Score at which each severity starts; below the lowest: low."
    )
    alert_severity: Severity = Field(Severity.MEDIUM, description="The lowest severity that raises an alert.")
    proximity_factors: str = Field(
        "7=1.5,21=1.25",
        description="days=factor: a score whose election is at most that many days away is multiplied by the factor.",
    )
    realert_period: Duration = Field(
        timedelta(hours=24),
        description="A story alerts once in this period; its later copies (republished, translated) are listed on that alert.",
    )
    story_similarity: float = Field(
        0.5, ge=0.05, le=1.0, description="How alike two same-language texts must be to be one story (Jaccard of word 4-grams)."
    )
    http_listen: str = Field("", description="host:port for the daemon's endpoint: /health and /metrics, and verdict links when MONITOR_SECRET_KEY and MONITOR_PUBLIC_URL are set; empty = no endpoint.")
    http_timeout: Duration = Field(
        timedelta(seconds=10), description="Time a connection to the endpoint has to send its whole request (1s to 5m)."
    )
    http_max_connections: int = Field(32, ge=1, le=1024, description="Connections the endpoint serves at once; more are answered 503.")
    public_url: str = Field("", description="The address analysts reach the endpoint at, used in the verdict links of e-mails.")
    secret_key: str = Field("", description="The key that signs verdict links; empty = no links. Keep it secret.")
    link_ttl: Duration = Field(timedelta(days=14), description="How long a verdict link stays valid.")
    log_level: str = Field("INFO", description="DEBUG, INFO, WARNING or ERROR (the monitor's own messages; other libraries' at WARNING unless DEBUG).")
    log_format: Literal["text", "json"] = Field("text", description="text, or json: one object per line (time, level, logger, message, and the source, item, alert and channel it concerns).")

    @field_validator("severity_thresholds")
    @classmethod
    def _thresholds_parse(cls, value: str) -> str:
        parse_thresholds(value)
        return value

    @field_validator("allow_private_addresses")
    @classmethod
    def _allow_parses(cls, value: str) -> str:
        parse_allowed_networks(value)
        return value

    @field_validator("proximity_factors")
    @classmethod
    def _factors_parse(cls, value: str) -> str:
        parse_factors(value)
        return value

    # -- ranges: a value outside them is refused before anything runs (README, "Validated ranges") --

    @field_validator("connect_timeout", "read_timeout", "fetch_deadline")
    @classmethod
    def _timeout_in_range(cls, value: float) -> float:
        return _number_in(value, 0, MAX_TIMEOUT, "seconds", low_open=True)

    @field_validator("max_body_bytes")
    @classmethod
    def _body_cap_in_range(cls, value: int) -> int:
        return int(_number_in(value, MIN_BODY_BYTES, MAX_BODY_BYTES, "bytes"))

    @field_validator("max_redirects")
    @classmethod
    def _redirects_in_range(cls, value: int) -> int:
        return int(_number_in(value, 0, MAX_REDIRECTS, "redirects"))

    @field_validator("source_quiet_factor", "story_similarity")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("must be a finite number")
        return value

    @field_validator(*DURATION_RANGES)
    @classmethod
    def _duration_in_range(cls, value: timedelta, info: ValidationInfo) -> timedelta:
        assert info.field_name is not None  # a field validator is always called for a named field
        low, high = DURATION_RANGES[info.field_name]
        if not low <= value <= high:
            raise ValueError(f"must be a duration from {_show_duration(low)} to {_show_duration(high)}, such as 90s, 15m, 2h or 1d")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.strip().upper() not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}, got {value!r}")
        return value.strip().upper()

    @field_validator("http_listen")
    @classmethod
    def _listen_parses(cls, value: str) -> str:
        if value.strip():
            parse_listen(value.strip())
        return value.strip()

    @field_validator("public_url")
    @classmethod
    def _public_url_parses(cls, value: str) -> str:
        if value:
            check_http_url(value)
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url_parses(cls, value: str) -> str:
        try:
            make_url(value)
        except (ArgumentError, ValueError) as exc:
            raise ValueError(f"not an SQLAlchemy URL (such as sqlite:///data/monitor.db): {exc}") from None
        return value

    @field_validator("user_agent")
    @classmethod
    def _header_safe(cls, value: str) -> str:
        if not value.strip() or not value.isascii() or not value.isprintable():  # an HTTP header: ASCII, one line
            raise ValueError("must be printable ASCII text on one line")
        return value

    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(self.delivery_max_backoff, self.delivery_max_age)

    def watch_policy(self) -> WatchPolicy:
        return WatchPolicy(self.page_watch_period, self.page_watch_interval)

    def health_policy(self) -> HealthPolicy:
        return HealthPolicy(failures=self.source_alert_failures, quiet_factor=self.source_quiet_factor)

    def thresholds(self) -> Thresholds:
        return Thresholds(
            bands=parse_thresholds(self.severity_thresholds),
            alert_at=self.alert_severity,
            proximity=parse_factors(self.proximity_factors),
        )

    def allowed_networks(self) -> tuple[Network, ...]:
        return parse_allowed_networks(self.allow_private_addresses)

    def notify_url_list(self) -> tuple[str, ...]:
        return tuple(self.notify_urls.split())


def _pairs(text: str, form: str) -> list[tuple[str, float]]:
    """``"a=1,b=2.5"`` -> [("a", 1.0), ("b", 2.5)]; ``form`` names the parts in errors."""
    pairs = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, number = part.partition("=")
        if not sep:
            raise ValueError(f"expected {form}, got {part!r}")
        pairs.append((key.strip().lower(), float(number)))
    return pairs


def parse_thresholds(text: str) -> tuple[tuple[Severity, float], ...]:
    """``"medium=4,high=7"`` -> ((MEDIUM, 4.0), (HIGH, 7.0))."""
    return tuple((Severity(name), score) for name, score in _pairs(text, "severity=score"))


def parse_factors(text: str) -> tuple[tuple[int, float], ...]:
    """``"7=1.5,21=1.25"`` -> ((7, 1.5), (21, 1.25))."""
    return tuple((int(days), factor) for days, factor in _pairs(text, "days=factor"))


ALL_NETWORKS: tuple[Network, ...] = (ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0"))


def parse_allowed_networks(text: str) -> tuple[Network, ...]:
    """``false`` -> nothing allowed; ``true`` -> everything; else a list of addresses / CIDR ranges."""
    value = text.strip().lower()
    if value in ("", "false", "0", "no"):
        return ()
    if value in ("true", "1", "yes"):
        return ALL_NETWORKS
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in value.split(",") if part.strip())


MIN_BODY_BYTES = 1024  # below this not even a feed's head fits
MAX_BODY_BYTES = 1 << 30  # a body is held in memory whole
MAX_REDIRECTS = 30
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _number_in(value: float, low: float, high: float, unit: str, low_open: bool = False) -> float:
    """``value`` if it is finite and within [low, high] (or (low, high]); else ValueError saying the range."""
    too_low = value <= low if low_open else value < low
    if not math.isfinite(value) or too_low or value > high:
        bound = f"above {_show(low)}" if low_open else f"at least {_show(low)}"
        raise ValueError(f"must be {bound} and at most {_show(high)} {unit}, got {_show(value)}")
    return value


def _show(number: float) -> str:
    return str(int(number)) if math.isfinite(number) and float(number).is_integer() else f"{number:g}"


def parse_listen(text: str) -> tuple[str, int]:
    """``"127.0.0.1:8080"``, ``"[::1]:8080"`` or ``":8080"`` (loopback) -> (host, port); ValueError otherwise."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isascii() or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"expected host:port with a port from 1 to 65535, got {text!r}")
    bracketed = host.startswith("[") and host.endswith("]")
    host = host[1:-1] if bracketed else host
    if not host:
        return "127.0.0.1", int(port)
    if (":" in host) != bracketed:  # an IPv6 host goes in brackets, and only an IPv6 host
        raise ValueError(f"expected host:port, with an IPv6 host in brackets ([::1]:8080), got {text!r}")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if not _HOSTNAME.fullmatch(host):
            raise ValueError(f"expected host:port, where host is an address or a name, got {text!r}") from None
    return host, int(port)


_HOSTNAME = re.compile(r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?")


def _show_duration(value: timedelta) -> str:
    """``timedelta(minutes=5)`` -> ``5m``: the form the settings are written in."""
    seconds = int(value.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
