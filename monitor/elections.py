"""``data/elections.yaml`` -> ElectionCalendar: which elections are near a given day."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from monitor.fieldtypes import CountryCode
from monitor.models import Election, ElectionNear, ElectionType
from monitor.yamlfile import load_model


class ElectionSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    country: CountryCode
    type: ElectionType
    date: date
    end_date: date | None = None  # last day of a multi-day vote
    # Only day-precision dates are polling days; the others (a month, a year, a legal deadline)
    # stay in the file for reference but never open an election window.
    date_precision: Literal["day", "month", "year", "deadline"] = "day"
    name: str
    status: Literal["held", "scheduled", "expected", "annulled", "cancelled"]
    source: str | None = None
    note: str | None = None


class ElectionsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    as_of: date | None = None
    elections: tuple[ElectionSpec, ...] = ()


MAX_VOTE_DAYS = 14  # longest multi-day vote the search allows for


class ElectionCalendar:
    """An immutable, date-sorted calendar."""

    def __init__(self, elections: Iterable[Election]) -> None:
        self._elections = tuple(sorted(elections, key=lambda e: (e.date, e.country)))
        self._dates = [e.date for e in self._elections]

    def __len__(self) -> int:
        return len(self._elections)

    def near(self, day: date, countries: Iterable[str], before: int, after: int) -> tuple[ElectionNear, ...]:
        """Elections in ``countries`` held from ``after`` days before ``day`` to ``before`` days after it.

        ``before``/``after`` are seen from the publication: ``before=60`` finds a vote up to 60
        days ahead of ``day``; ``after=30`` finds one whose last polling day was up to 30 days
        earlier (a vote in progress on ``day`` is always found). Closest first.
        """
        wanted = set(countries)
        lo = bisect.bisect_left(self._dates, date.fromordinal(day.toordinal() - after - MAX_VOTE_DAYS))
        hi = bisect.bisect_right(self._dates, date.fromordinal(day.toordinal() + before))
        found = [
            near
            for e in self._elections[lo:hi]
            if e.country in wanted and e.status not in ("annulled", "cancelled")
            and (near := ElectionNear(e, (e.date - day).days)).days_until_end >= -after
        ]
        return tuple(sorted(found, key=lambda n: (abs(n.days_until), n.election.country)))


def load_calendar(path: Path) -> ElectionCalendar:
    spec = load_model(ElectionsFile, path)
    return ElectionCalendar(
        Election(country=e.country, type=e.type, date=e.date, name=e.name, status=e.status, source=e.source, end_date=e.end_date)
        for e in spec.elections
        if e.date_precision == "day"
    )
