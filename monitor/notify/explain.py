"""Assessment -> words: the design's JSON contract and the readable text `monitor score` prints,
and the naming of an election that alert messages share."""

from __future__ import annotations

from collections.abc import Callable
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
