"""``data/elections.yaml`` -> ElectionCalendar: which elections are near a given day.

A vote held over several days counts from its first day (before it) to its last (after it). A
vote that was called off (cancelled before polling day, annulled after it, or postponed to a
later date entered on its own) keeps its window up to the day it was called off: what was said
about it until then was said about a coming vote.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

from monitor.config.fieldtypes import CountryCode
from monitor.config.yamlfile import load_model
from monitor.models import Election, ElectionNear, ElectionStatus, ElectionType

CALLED_OFF = tuple(status for status in ElectionStatus if status.called_off)
MAX_VOTE_DAYS = 60  # longest vote held over several days (phased votes such as India's)


class ElectionSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    country: CountryCode
    type: ElectionType
    date: date
    end_date: dt.date | None = None  # last day of a multi-day vote; `dt.date`: here `date` names the field above
    # Only day-precision dates are polling days; the others (a month, a year, a legal deadline)
    # stay in the file for reference but never open an election window.
    date_precision: Literal["day", "month", "year", "deadline"] = "day"
    name: str
    status: ElectionStatus
    cancelled_on: dt.date | None = None  # the day a postponed, cancelled or annulled vote was called off
    source: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ElectionSpec:
        if self.end_date is not None and not 0 < (self.end_date - self.date).days <= MAX_VOTE_DAYS:
            raise ValueError(f"end_date must be after date and at most {MAX_VOTE_DAYS} days later")
        if self.cancelled_on is not None and self.status not in CALLED_OFF:
            raise ValueError(f"cancelled_on is for a vote that was called off (status {', '.join(CALLED_OFF)})")
        return self


class WithoutVote(BaseModel):
    """A country with no national vote in sight (elections suspended, say): no reminder to add one."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    country: CountryCode
    note: str
    source: str | None = None


class ElectionsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    as_of: date | None = None
    without_votes: tuple[WithoutVote, ...] = ()
    elections: tuple[ElectionSpec, ...] = ()


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
            if e.country in wanted and _open_on(e, day)
            and (near := ElectionNear(e, (e.date - day).days)).days_until_end >= -after
        ]
        return tuple(sorted(found, key=lambda n: (abs(n.days_until), n.election.country)))


def _open_on(election: Election, day: date) -> bool:
    """Whether a vote's window is open on ``day``: a called-off vote's closes the day it was called off."""
    if election.status not in CALLED_OFF:
        return True
    return election.cancelled_on is not None and day <= election.cancelled_on


def load_elections(path: Path) -> ElectionsFile:
    return load_model(ElectionsFile, path)


def calendar_of(spec: ElectionsFile) -> ElectionCalendar:
    """The polling days of a file: its day-precision entries."""
    return ElectionCalendar(
        Election(
            country=e.country, type=e.type, date=e.date, name=e.name, status=e.status, source=e.source,
            end_date=e.end_date, cancelled_on=e.cancelled_on,
        )
        for e in spec.elections
        if e.date_precision == "day"
    )
