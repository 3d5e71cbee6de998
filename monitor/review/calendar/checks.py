"""Looking after the election calendar: its problems, its counts, what is coming, and whether it runs out.

Pure: the calendar file's data, the gazetteer's codes and regions and today's date are passed in.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from monitor.config.yamlfile import Check, Finding
from monitor.detect.elections import CALLED_OFF, ElectionsFile, ElectionSpec
from monitor.models import ElectionStatus, ElectionType

FIRST_ROUND_WITHIN = timedelta(days=365)  # a second round comes within a year of its first
RUNS_OUT_WITHIN = timedelta(days=182)  # the calendar is "running out" when its last polling day is this close
ONE_PER_DAY = {"presidential", "referendum", "european"}  # two of these for one country on one day is a duplicate
_URL = re.compile(r"https?://\S+")


def calendar_checks(countries: Iterable[str], today: date) -> tuple[Check, ...]:
    """The checks of `monitor calendar check`, over the file's raw data (so each problem keeps its line)."""
    known = frozenset(countries)
    return (
        _per_entry(lambda e: _entry_problems(e, known, today)),
        _duplicates,
        _rounds_in_order,
    )


def _entries(data: Any) -> list[tuple[int, dict[str, Any]]]:
    items = data.get("elections") if isinstance(data, dict) else None
    return [(i, e) for i, e in enumerate(items if isinstance(items, list) else []) if isinstance(e, dict)]


def _per_entry(problems: Callable[[dict[str, Any]], Iterable[tuple[str, str]]]) -> Check:
    def check(data: Any) -> Iterable[Finding]:
        for index, entry in _entries(data):
            for key, message in problems(entry):
                yield ("elections", index, key), message

    return check


def _entry_problems(entry: dict[str, Any], countries: frozenset[str], today: date) -> Iterable[tuple[str, str]]:
    source = entry.get("source")
    if not isinstance(source, str) or not _URL.fullmatch(source.strip()):
        yield "source", "no source: give one URL where the date can be confirmed"
    country = entry.get("country")
    if isinstance(country, str) and country not in countries:
        yield "country", f"{country} is not in the gazetteer (data/countries.yaml)"
    status = entry.get("status")
    if status in (ElectionStatus.CANCELLED, ElectionStatus.ANNULLED) and entry.get("cancelled_on") is None:
        yield "cancelled_on", f"a vote {status} needs cancelled_on: the day it was called off"
    day = entry.get("date")
    if status == ElectionStatus.HELD:
        if entry.get("date_precision", "day") != "day":
            yield "date_precision", "a vote that was held has a polling day: date_precision day"
        if isinstance(day, date) and day > today:
            yield "status", f"held, but its day ({day.isoformat()}) has not come yet"


def _key(entry: dict[str, Any]) -> tuple[Any, ...]:
    return (entry.get("country"), entry.get("type"), entry.get("date"))


def _duplicates(data: Any) -> Iterable[Finding]:
    """Two entries for the same vote: same country, type, day and name (or one of a kind per day)."""
    seen: dict[tuple[Any, ...], list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for index, entry in _entries(data):
        if entry.get("date_precision", "day") != "day" or entry.get("type") == "local":
            continue
        for first, other in seen[_key(entry)]:
            if entry.get("type") in ONE_PER_DAY or other.get("name") == entry.get("name"):
                yield ("elections", index), f"duplicate of elections[{first}] ({entry.get('country')} {entry.get('type')} on {entry.get('date')})"
                break
        seen[_key(entry)].append((index, entry))


def _rounds_in_order(data: Any) -> Iterable[Finding]:
    """A second round follows a first round of the same country within a year."""
    firsts: dict[Any, list[date]] = defaultdict(list)
    entries = _entries(data)
    for _, entry in entries:
        if entry.get("type") not in ("runoff", "referendum") and isinstance(entry.get("date"), date):
            firsts[entry.get("country")].append(entry["date"])
    for index, entry in entries:
        day = entry.get("date")
        if entry.get("type") != "runoff" or not isinstance(day, date):
            continue
        if not any(day - FIRST_ROUND_WITHIN <= first < day for first in firsts[entry.get("country")]):
            yield ("elections", index, "type"), "a runoff with no first round of the same country in the year before it"


# ---------------------------------------------------------------- counts


def is_national(entry: ElectionSpec) -> bool:
    return entry.type is not ElectionType.LOCAL


@dataclass(frozen=True)
class CalendarStats:
    by_year_region: dict[int, dict[str, int]]  # day-precise national entries
    by_status: dict[str, int]
    entries: int
    countries: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "entries": self.entries,
            "countries": self.countries,
            "by_status": self.by_status,
            "day_precise_national": {str(y): {**regions, "total": sum(regions.values())} for y, regions in self.by_year_region.items()},
        }


def calendar_stats(spec: ElectionsFile, regions: Mapping[str, str]) -> CalendarStats:
    table: dict[int, Counter[str]] = defaultdict(Counter)
    for entry in spec.elections:
        if entry.date_precision == "day" and is_national(entry):
            table[entry.date.year][regions.get(entry.country, "unknown")] += 1
    return CalendarStats(
        by_year_region={year: dict(sorted(table[year].items())) for year in sorted(table)},
        by_status=dict(Counter(e.status for e in spec.elections).most_common()),
        entries=len(spec.elections),
        countries=len({e.country for e in spec.elections}),
    )


# ---------------------------------------------------------------- what is coming


def possible_days(entry: ElectionSpec) -> tuple[date, date]:
    """The first and last day a vote may fall on, as far as the calendar knows."""
    if entry.date_precision == "year":
        return date(entry.date.year, 1, 1), date(entry.date.year, 12, 31)
    if entry.date_precision == "month":
        first = entry.date.replace(day=1)
        return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return entry.date, entry.end_date or entry.date  # a deadline counts as its day: the vote comes by then


def upcoming(spec: ElectionsFile, today: date, days: int, country: str | None = None) -> list[ElectionSpec]:
    """Votes that may fall from today to ``days`` ahead (a vote in progress included), soonest first;
    called-off ones left out."""
    horizon = today + timedelta(days=days)
    found = []
    for entry in spec.elections:
        if entry.status in CALLED_OFF or country not in (None, entry.country):
            continue
        first, last = possible_days(entry)
        if last >= today and first <= horizon:
            found.append(entry)
    return sorted(found, key=lambda e: (e.date, e.country, e.name))


# ---------------------------------------------------------------- kept current


@dataclass(frozen=True)
class CalendarGap:
    key: str  # stable, for reminding once: "country:LT" or "runs-out"
    message: str


def calendar_gaps(spec: ElectionsFile, covered: Iterable[str], today: date, name: Callable[[str], str]) -> list[CalendarGap]:
    """What makes the calendar fall short: a covered country with no known future vote, or a last
    polling day less than six months ahead. Countries the file lists under ``without_votes`` are
    known to have none."""
    coming = [e for e in spec.elections if e.status not in CALLED_OFF and (e.end_date or e.date) >= today]
    with_future = {e.country for e in coming}
    exempt = {w.country for w in spec.without_votes}
    gaps = [
        CalendarGap(f"country:{code}", f"no known future vote for {name(code)} ({code}), a country the sources cover: add its next vote to the calendar")
        for code in sorted(set(covered))
        if code not in with_future and code not in exempt
    ]
    polling_days = [e.end_date or e.date for e in coming if e.date_precision == "day"]
    last = max(polling_days, default=None)
    if last is None or last < today + RUNS_OUT_WITHIN:
        when = f"is on {last.isoformat()}" if last else "is missing"
        gaps.append(CalendarGap("runs-out", f"the calendar's last known polling day {when}, less than six months ahead: research the votes after it"))
    return gaps
