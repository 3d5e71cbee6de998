"""Assessment -> words: the design's JSON contract and the readable text `monitor score` prints,
and the naming of an election that alert messages share."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from monitor.models import Assessment, ElectionNear, ElectionType

CountryName = Callable[[str], str]

_KIND = {ElectionType.EUROPEAN: "European Parliament election", ElectionType.RUNOFF: "runoff", ElectionType.REFERENDUM: "referendum"}


def election_name(near: ElectionNear, country_name: CountryName) -> str:
    """``Lithuania, parliamentary election on 2024-10-13``."""
    e = near.election
    return f"{country_name(e.country)}, {_KIND.get(e.type, f'{e.type} election')} on {e.date.isoformat()}"


def describe_election(near: ElectionNear, country_name: CountryName) -> str:
    """``Lithuania, parliamentary election on 2024-10-13, 18 days after publication``."""
    days = abs(near.days_until)
    plural = "day" if days == 1 else "days"
    if near.days_until > 0:
        when = f"{days} {plural} after publication"
    elif near.days_until < 0:
        when = f"{days} {plural} before publication"
    else:
        when = "on the day of publication"
    return f"{election_name(near, country_name)}, {when}"


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")
_KIND_SHORT = {ElectionType.EUROPEAN: "European Parliament"}


def lead_election(elections: Sequence[ElectionNear]) -> ElectionNear | None:
    """The vote a message leads with: the nearest one not yet over (between two rounds, the round
    still to come), else the latest one past."""
    ahead = [n for n in elections if n.days_until_end >= 0]
    if ahead:
        return min(ahead, key=lambda n: n.days_until)
    return max(elections, key=lambda n: n.days_until, default=None)


def vote_headline(elections: Sequence[ElectionNear], country_name: CountryName) -> str:
    """The first line of a message, as an analyst reads it at once: "Hungary votes in 26 days
    (parliamentary, 12 April 2026)", "Moldova's runoff in 13 days (first round was yesterday)"."""
    lead = lead_election(elections)
    if lead is None:
        return "No election in window"
    e, days = lead.election, lead.days_until
    country = country_name(e.country)
    if e.type is ElectionType.RUNOFF:
        first = max((n for n in elections if n.election.country == e.country and n.election.type is not ElectionType.RUNOFF and n.election.date < e.date), key=lambda n: n.days_until, default=None)
        detail = f"first round was {_ago(-first.days_until)}" if first is not None and first.days_until < 0 else _day(e.date)
        possessive = f"{country}'" if country.endswith("s") else f"{country}'s"
        return f"{possessive} runoff {_when(days)} ({detail})" if days >= 0 else f"{possessive} runoff was {_ago(-days)} ({_day(e.date)})"
    detail = f"{_KIND_SHORT.get(e.type, str(e.type))}, {_day(e.date)}"
    if days < 0 <= lead.days_until_end:
        return f"{country} is voting ({detail} to {_day(e.last_day)})"
    return f"{country} votes {_when(days)} ({detail})" if days >= 0 else f"{country} voted {_ago(-days)} ({detail})"


def _when(days: int) -> str:
    return "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"


def _ago(days: int) -> str:
    return "yesterday" if days == 1 else f"{days} days ago"


def _day(day: date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def assessment_json(assessment: Assessment) -> dict[str, Any]:
    return {
        "alert": assessment.alert,
        "severity": str(assessment.severity),
        "score": assessment.score,
        "matches": [
            {
                "rule": m.rule_id,
                "title": m.title,
                "weight": m.weight,
                "severity": str(m.severity),
                "tags": list(m.tags),
                "evidence": [e.as_dict() for e in m.evidence],
            }
            for m in assessment.matches
        ],
        "elections": [n.as_dict() for n in assessment.elections],
        "countries": list(assessment.countries),
        "language": assessment.language,
        "base_score": assessment.base_score,
        "proximity_factor": assessment.proximity_factor,
        "suppressed": [{"rule": s.rule_id, "filter": s.filter_id} for s in assessment.suppressed],
    }


def assessment_text(assessment: Assessment, country_name: CountryName) -> str:
    verdict = "ALERT" if assessment.alert else "no alert"
    factor = f" = {assessment.base_score:g} x {assessment.proximity_factor:g} (closeness of the vote)" if assessment.proximity_factor != 1 else ""
    lines = [f"Score {assessment.score:g}{factor} -> {assessment.severity} ({verdict})"]
    countries = ", ".join(f"{country_name(c)} ({c})" for c in assessment.countries) or "none"
    lines.append(f"Language: {assessment.language or 'unknown'}; countries mentioned: {countries}")
    for near in assessment.elections:
        lines.append(f"Election: {describe_election(near, country_name)}")
    if not assessment.matches:
        lines.append("No rule matched.")
    for s in assessment.suppressed:
        lines.append(f"  (matched but filtered: {s.rule_id}, by filter {s.filter_id})")
    for m in assessment.matches:
        lines.append(f"  +{m.weight:<5g} {m.rule_id}  {m.title}  [{m.severity}; {', '.join(m.tags)}]")
        for e in m.evidence:
            lines.append(f"         \u201c{' '.join(e.quote.split())}\u201d ({e.field} {e.start}-{e.end})")
    return "\n".join(lines)
