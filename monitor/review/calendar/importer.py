"""`monitor calendar import`: votes from an iCalendar (.ics) or CSV file, merged into the calendar.

An imported vote needs a country, a day and a kind. The country comes from a code (``LT``,
``LTU``) or a name (``Lithuania``, ``Republic of Lithuania``, or any name the gazetteer keeps by
hand, in any language); the kind from a type column or from the words of the title ("Presidential election,
second round" is a runoff, "Election for Saeima (Latvian Parliament)" a parliamentary vote).
What cannot be read is skipped and reported, never guessed.

Merging never deletes. An imported vote is the same as an entry of the calendar when both have
the same country, kind and day (and the same name where several share the day), or, for an entry
not yet held, the same country and kind within 45 days (its day was set or moved). Then the
entry takes the imported day, status and source, but keeps its own name and note, and a held
entry stays held. Anything else is added.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pycountry
from pydantic import ValidationError

from monitor.detect.countries import Gazetteer
from monitor.detect.elections import ElectionSpec
from monitor.detect.normalisation import normalise
from monitor.errors import ConfigError, Problem
from monitor.models import ElectionStatus, ElectionType

MOVED_WITHIN = timedelta(days=45)
MAX_IMPORT_BYTES = 20_000_000

# The words that say what kind of vote a title is about, checked in this order.
_KINDS: tuple[tuple[ElectionType, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        (ElectionType.EUROPEAN, r"\beuropean parliament\b|\beuropean elections?\b|\bEP elections?\b"),
        (ElectionType.REFERENDUM, r"\breferend|\bplebiscit|\bpopular (vote|initiative)\b|\bballot (question|measure)\b"),
        (ElectionType.RUNOFF, r"\brun-?offs?\b|\bsecond (round|ballot)\b|\b2nd round\b|\bround 2\b|\bballotage\b|\bbalotaje\b|\bsegunda vuelta\b"),
        (ElectionType.PRESIDENTIAL, r"\bpresiden"),
        (ElectionType.LOCAL, r"\b(local|municipal|mayor(al)?|regional|provincial|county|gubernatorial|state assembly)\b"),
        (
            ElectionType.PARLIAMENTARY,
            (r"\b(parliament\w*|legislat\w*|general elections?|national assembly|house|senate|chamber|congress|national council"
            r"|assembly|diet|duma|sejm|seimas|saeima|riigikogu|bundestag|storting|riksdag|folketing|knesset|majlis|althing|sabor"
            r"|verkhovna rada|lok sabha|cortes)\b"),
        ),
    )
)
_STATUSES = {
    **dict.fromkeys(("held", "completed"), ElectionStatus.HELD),
    **dict.fromkeys(("confirmed", "scheduled", "snap", "moved up", "moved up/ snap", "second round if needed"), ElectionStatus.SCHEDULED),
    **dict.fromkeys(("date not confirmed", "tentative", "expected"), ElectionStatus.EXPECTED),
    "postponed": ElectionStatus.POSTPONED,
    **dict.fromkeys(("cancelled", "canceled"), ElectionStatus.CANCELLED),
    "annulled": ElectionStatus.ANNULLED,
}
# CSV columns, by the names files give them.
_COLUMNS = {
    "country": ("country", "country_code", "iso", "iso2", "iso3", "iso_code", "nation", "state"),
    "type": ("type", "election_type", "kind"),
    "name": ("name", "election", "title", "summary", "description", "event"),
    "date": ("date", "election_date", "polling_day", "day", "start", "start_date", "dtstart"),
    "end_date": ("end_date", "end", "date_end", "dtend"),
    "status": ("status",),
    "source": ("source", "url", "link", "source_url"),
    "note": ("note", "notes", "comment", "comments"),
    "date_precision": ("date_precision", "precision"),
    "cancelled_on": ("cancelled_on",),
}


@dataclass(frozen=True)
class Skipped:
    where: str  # "line 12", "event 3 (its summary)"
    reason: str


@dataclass(frozen=True)
class Incoming:
    entries: tuple[ElectionSpec, ...]
    skipped: tuple[Skipped, ...]


@dataclass
class Merge:
    entries: list[ElectionSpec]
    added: list[ElectionSpec] = field(default_factory=list)
    changed: list[tuple[ElectionSpec, ElectionSpec]] = field(default_factory=list)  # (before, after)
    unchanged: int = 0


CountryOf = Callable[[str], str | None]
"""A country code for a code or a name, or None."""


def country_resolver(gazetteer: Gazetteer) -> CountryOf:
    """Codes (ISO alpha-2 or alpha-3), ISO names and official names, then the gazetteer's names."""
    codes = set(gazetteer.names)

    def named(text: str) -> str | None:
        # Calendar exports name countries in English; the hand-kept names of every language match too.
        mentions = gazetteer.mentions(normalise(""), normalise(text), "en")
        return mentions[0].code if mentions else None

    def resolve(text: str) -> str | None:
        value = text.strip()
        if not value:
            return None
        if value.upper() in codes:
            return value.upper()
        record = pycountry.countries.get(alpha_3=value.upper()) if len(value) == 3 else None
        if record is None:
            try:
                record = pycountry.countries.lookup(value)
            except LookupError:
                record = None
        if record is not None and record.alpha_2 in codes:
            return str(record.alpha_2)
        return named(value)

    return resolve


def read_votes(path: Path, country_of: CountryOf, today: date) -> Incoming:
    """The votes of an .ics or .csv file (by its extension, else by its first line)."""
    try:
        if path.stat().st_size > MAX_IMPORT_BYTES:
            raise ConfigError([Problem(str(path), "", f"larger than {MAX_IMPORT_BYTES // 1_000_000} MB: not a calendar")])
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([Problem(str(path), "", f"cannot read: {exc}")]) from exc
    if path.suffix.lower() in (".ics", ".ical", ".ifb") or text.lstrip().startswith("BEGIN:VCALENDAR"):
        return _collect(_ics_rows(path, text, today), country_of)
    return _collect(_csv_rows(path, text, today), country_of)


def _collect(rows: Iterable[tuple[str, dict[str, Any]]], country_of: CountryOf) -> Incoming:
    entries, skipped = [], []
    for where, row in rows:
        entry = _entry(row, country_of)
        if isinstance(entry, str):
            skipped.append(Skipped(where, entry))
        else:
            entries.append(entry)
    return Incoming(tuple(entries), tuple(skipped))


def _entry(row: dict[str, Any], country_of: CountryOf) -> ElectionSpec | str:
    """One vote from one row, or the reason it was skipped."""
    title = " ".join(str(row.get(k) or "") for k in ("name", "type")).strip()
    country = country_of(str(row.get("country") or "")) or _country_in(title, row, country_of)
    if country is None:
        return f"no country found in {title or 'the row'!r}"
    day = row.get("date")
    if not isinstance(day, date):
        return f"no date ({row.get('date')!r})"
    kind = _kind(str(row.get("type") or ""), title)
    if kind is None:
        return f"not a kind of vote the calendar knows: {title!r}"
    values = {
        "country": country,
        "type": kind,
        "date": day,
        "name": _name(str(row.get("name") or "") or title, kind),
        "status": row.get("status") or ElectionStatus.SCHEDULED,
        "source": row.get("source") or None,
        "note": row.get("note") or None,
    }
    for key in ("end_date", "cancelled_on", "date_precision"):
        if row.get(key):
            values[key] = row[key]
    try:
        return ElectionSpec.model_validate(values)
    except ValidationError as exc:
        return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'entry'}: {e['msg']}" for e in exc.errors(include_url=False))


def _country_in(title: str, row: dict[str, Any], country_of: CountryOf) -> str | None:
    """A country named in the title or the place: "Lithuania: Parliament", "Election for Sabor (Croatian Parliament)"."""
    for text in (str(row.get("location") or ""), title, str(row.get("description") or "")):
        if text and (found := country_of(text)):
            return found
    return None


def _kind(given: str, title: str) -> ElectionType | None:
    value = given.strip().lower()
    if value in {k.value for k in ElectionType}:
        return ElectionType(value)
    for kind, pattern in _KINDS:
        if pattern.search(f"{given} {title}"):
            return kind
    return None


def _name(title: str, kind: ElectionType) -> str:
    """The title without a leading "Country:" label."""
    name = re.sub(r"^[^:]{2,60}:\s*", "", title.strip()) or title.strip()
    return name or f"{kind.value.capitalize()} election"


def _status(value: str, day: date, today: date) -> ElectionStatus:
    status = _STATUSES.get(value.strip().lower())
    if status is not None:
        return status
    return ElectionStatus.HELD if day < today else ElectionStatus.SCHEDULED


def _day(value: Any) -> date | None:
    """A day from an ISO date, or from the usual written forms ("Dec. 22, 2019", "22 December 2019", "22.12.2019")."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = re.sub(r"(?<=[A-Za-z])\.", "", str(value or "").strip()).replace("Sept ", "Sep ")
    for layout in ("%Y-%m-%d", "%d.%m.%Y", "%b %d, %Y", "%B %d, %Y", "%d %B %Y", "%d %b %Y", "%Y/%m/%d"):
        try:
            return datetime.strptime(text, layout).date()
        except ValueError:
            continue
    return None


# ---------------------------------------------------------------- CSV


def _csv_rows(path: Path, text: str, today: date) -> Iterator[tuple[str, dict[str, Any]]]:
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    headers = {h.strip().lower(): h for h in reader.fieldnames or ()}
    columns = {ours: next((headers[n] for n in names if n in headers), None) for ours, names in _COLUMNS.items()}
    if columns["date"] is None or (columns["name"] is None and columns["type"] is None):
        raise ConfigError([Problem(str(path), "", "a CSV calendar needs a header row with a date column and a name or type column")])
    for number, raw in enumerate(reader, start=2):
        row = {ours: (raw.get(column) or "").strip() for ours, column in columns.items() if column}
        day = _day(row.get("date"))
        row["date"] = day
        for key in ("end_date", "cancelled_on"):
            if row.get(key):
                row[key] = _day(row[key])
        if day is not None:
            row["status"] = _status(row.get("status", ""), day, today)
        yield f"line {number}", row


# ---------------------------------------------------------------- iCalendar


def _ics_rows(path: Path, text: str, today: date) -> Iterator[tuple[str, dict[str, Any]]]:
    import icalendar  # imported here: only this command needs it

    try:
        calendar = icalendar.Calendar.from_ical(text)
    except ValueError as exc:
        raise ConfigError([Problem(str(path), "", f"not an iCalendar file: {exc}")]) from exc
    for number, event in enumerate(calendar.walk("VEVENT"), start=1):
        start = event.decoded("DTSTART", None)
        day = _day(start)
        row: dict[str, Any] = {
            "name": str(event.get("SUMMARY") or ""),
            "description": str(event.get("DESCRIPTION") or ""),
            "location": str(event.get("LOCATION") or ""),
            "source": str(event.get("URL") or "") or None,
            "country": str(event.get("X-COUNTRY") or event.get("X-ELECTION-COUNTRY") or ""),
            "type": " ".join(_categories(event)),
            "date": day,
        }
        end = event.decoded("DTEND", None)
        if day is not None and isinstance(end, date) and not isinstance(end, datetime):
            last = end - timedelta(days=1)  # an all-day event ends the day before DTEND
            if last > day:
                row["end_date"] = last
        state = str(event.get("STATUS") or "").upper()
        if day is not None:
            if state == "CANCELLED":
                row["status"] = ElectionStatus.CANCELLED
                changed = event.decoded("LAST-MODIFIED", None) or event.decoded("DTSTAMP", None)
                row["cancelled_on"] = _day(changed) if changed else None
            elif state == "TENTATIVE":
                row["status"] = ElectionStatus.EXPECTED
            else:
                row["status"] = ElectionStatus.HELD if day < today else ElectionStatus.SCHEDULED
        yield f"event {number} ({row['name'] or 'no summary'})", row


def _categories(event: Any) -> list[str]:
    found = event.get("CATEGORIES")
    values = found if isinstance(found, list) else [found] if found is not None else []
    return [str(c) for value in values for c in getattr(value, "cats", [value])]


# ---------------------------------------------------------------- merging


def merge(existing: Iterable[ElectionSpec], incoming: Iterable[ElectionSpec]) -> Merge:
    result = Merge(list(existing))
    for new in incoming:
        index = _match(result.entries, new)
        if index is None:
            result.entries.append(new)
            result.added.append(new)
            continue
        if isinstance(index, _AlreadyKnown):
            result.unchanged += 1
            continue
        before = result.entries[index]
        after = _updated(before, new)
        if after == before:
            result.unchanged += 1
        else:
            result.entries[index] = after
            result.changed.append((before, after))
    return result


class _AlreadyKnown:
    """Several entries of that kind on that day, none of the imported name: leave them be."""


ALREADY_KNOWN = _AlreadyKnown()


def _match(entries: list[ElectionSpec], new: ElectionSpec) -> int | _AlreadyKnown | None:
    """The index of the entry an imported vote updates, ALREADY_KNOWN, or None for a new vote."""
    same_kind = [i for i, e in enumerate(entries) if e.country == new.country and e.type == new.type]
    same_day = [i for i in same_kind if entries[i].date == new.date]
    named = [i for i in same_day if entries[i].name.casefold() == new.name.casefold()]
    if named or len(same_day) == 1:
        return (named or same_day)[0]
    if same_day:
        return ALREADY_KNOWN  # "Parliament" on the day of a House and a Senate election
    moved = [i for i in same_kind if entries[i].status is not ElectionStatus.HELD and abs(entries[i].date - new.date) <= MOVED_WITHIN]
    return moved[0] if len(moved) == 1 else None


def _updated(entry: ElectionSpec, new: ElectionSpec) -> ElectionSpec:
    """The entry with what the import knows better: the day, the status, the source."""
    changes: dict[str, Any] = {}
    if new.date_precision == "day" or entry.date_precision != "day":
        changes.update(date=new.date, end_date=new.end_date, date_precision=new.date_precision)
    if not (entry.status is ElectionStatus.HELD and new.status in (ElectionStatus.SCHEDULED, ElectionStatus.EXPECTED)):
        changes.update(status=new.status, cancelled_on=new.cancelled_on)
    if new.source:
        changes["source"] = new.source
    return ElectionSpec.model_validate({**entry.model_dump(), **changes})
