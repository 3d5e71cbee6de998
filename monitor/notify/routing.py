"""Routing: which channels an alert goes to, by severity, rule, source and target country.

The routing file (``MONITOR_ROUTING_FILE``, YAML) names channels by the tags they carry in the
apprise configuration file. An alert goes to the channels of every route it matches (so "high
to the chat room; medium and up to e-mail; everything about Moldova to the Moldova desk" are
three routes); an alert no route matches goes to ``default``. Without a routing file, every
alert goes to every channel.

    routes:
      - match: {min_severity: high}
        to: [chat]
      - match: {min_severity: medium}
        to: [email]
      - match: {countries: [MD]}
        to: [moldova-desk]
    default: [email]          # optional; "*" (every channel) when not given
    operational: ["*"]        # where operational alerts go (a broken rule change, a failing source)
    digests:                  # optional: one message listing the alerts since the last one
      - {to: [email], cron: "0 7 * * *"}

A digest's cron line is read by the scheduler, not here: notify does not depend on it. The
daemon passes its reader to ``load_router``, so that a line it cannot read is refused at load,
with the file and line, like any other mistake in the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from monitor.config.fieldtypes import CountryCode
from monitor.config.yamlfile import Check, Finding, load_model
from monitor.errors import ConfigError, Problem
from monitor.models import Assessment, Severity, Source
from monitor.notify.channels import LOG_CHANNEL, Channels
from monitor.notify.silences import target_countries

_STRICT = ConfigDict(extra="forbid", frozen=True)


class RouteMatch(BaseModel):
    """Every condition given must hold; a list holds when any of its entries does."""

    model_config = _STRICT
    min_severity: Severity | None = None
    severity: tuple[Severity, ...] = ()
    rules: tuple[str, ...] = Field((), description="rule ids or glob patterns (ei07-*)")
    rule_tags: tuple[str, ...] = Field((), description="tags of the matched rules (ei:EI-02, disarm:T0138)")
    sources: tuple[str, ...] = ()
    countries: tuple[CountryCode, ...] = Field((), description="the countries whose elections the alert bears on")

    def holds(self, assessment: Assessment, source: Source) -> bool:
        rules = {m.rule_id for m in assessment.matches}
        tags = {t for m in assessment.matches for t in m.tags}
        return (
            (self.min_severity is None or assessment.severity.rank >= self.min_severity.rank)
            and (not self.severity or assessment.severity in self.severity)
            and (not self.rules or any(fnmatchcase(r, p) for r in rules for p in self.rules))
            and (not self.rule_tags or bool(tags & set(self.rule_tags)))
            and (not self.sources or source.id in self.sources)
            and (not self.countries or bool(target_countries(assessment) & set(self.countries)))
        )


class Route(BaseModel):
    model_config = _STRICT
    match: RouteMatch = RouteMatch()
    to: tuple[str, ...] = Field(min_length=1, description="channel tags; * is every channel")


class Digest(BaseModel):
    """One message listing the alerts since the last digest, on a schedule."""

    model_config = _STRICT
    to: tuple[str, ...] = Field(min_length=1, description="channel tags")
    cron: str = Field(description="when, as a crontab line in UTC: minute hour day month weekday")


CronCheck = Callable[[str], object]
"""Reads a crontab line as the scheduler will; raises ValueError, saying why, when it cannot."""


class RoutingFile(BaseModel):
    model_config = _STRICT
    routes: tuple[Route, ...] = ()
    default: tuple[str, ...] = ("*",)
    operational: tuple[str, ...] = ("*",)
    digests: tuple[Digest, ...] = ()


class Router:
    def __init__(self, channels: Channels, routing: RoutingFile | None = None) -> None:
        self._channels = channels
        self._routing = routing

    def targets(self, assessment: Assessment, source: Source) -> tuple[str, ...]:
        if self._routing is None:
            return self._channels.targets
        tags = [tag for route in self._routing.routes if route.match.holds(assessment, source) for tag in route.to]
        return self._resolve(tags or self._routing.default)

    def digests(self) -> list[tuple[str, tuple[str, ...]]]:
        """(cron, channel ids) of every digest."""
        return [(d.cron, self._resolve(d.to)) for d in self._routing.digests] if self._routing else []

    def operational(self) -> tuple[str, ...]:
        return self._resolve(self._routing.operational) if self._routing else self._channels.targets

    def _resolve(self, tags: list[str] | tuple[str, ...]) -> tuple[str, ...]:
        ids = tuple(dict.fromkeys(cid for tag in tags for cid in self._channels.tagged(tag)))
        return ids or (LOG_CHANNEL,)


def load_router(path: Path | None, channels: Channels, *, check_cron: CronCheck) -> Router:
    """The router of a routing file (every tag it names must belong to a channel, every digest's
    cron line must pass ``check_cron``), or route-all."""
    if path is None:
        return Router(channels)
    routing = load_model(RoutingFile, path, _cron_lines(check_cron))
    known = channels.tags | {"*"}
    named = [(f"routes[{i}].to", tag) for i, r in enumerate(routing.routes) for tag in r.to]
    named += [("default", tag) for tag in routing.default] + [("operational", tag) for tag in routing.operational]
    named += [(f"digests[{i}].to", tag) for i, d in enumerate(routing.digests) for tag in d.to]
    problems = [Problem(str(path), where, f"no channel has the tag {tag!r}") for where, tag in named if tag not in known]
    if problems:
        raise ConfigError(problems)
    return Router(channels, routing)


def _cron_lines(check_cron: CronCheck) -> Check:
    """A check that every digest's cron line reads; a line that is no text is the schema's to report."""

    def check(data: Any) -> Iterable[Finding]:
        digests = data.get("digests") if isinstance(data, dict) else None
        for index, digest in enumerate(digests if isinstance(digests, list) else []):
            line = digest.get("cron") if isinstance(digest, dict) else None
            if not isinstance(line, str):
                continue
            try:
                check_cron(line)
            except ValueError as exc:
                yield ("digests", index, "cron"), str(exc)

    return check
