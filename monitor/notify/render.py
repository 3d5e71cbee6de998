"""Assessment -> the alert message people read in chat and e-mail.

The first line says what matters most: severity, the election and the days to the vote.
Then who said it and when, the score, every matched rule with its quoted evidence, the link.
"""

from __future__ import annotations

from collections.abc import Callable

from monitor.models import Article, Assessment, ElectionNear, ElectionType, Source

CountryName = Callable[[str], str]

_KIND = {ElectionType.EUROPEAN: "European Parliament election", ElectionType.RUNOFF: "runoff", ElectionType.REFERENDUM: "referendum"}
MAX_QUOTE = 160


def describe_election(near: ElectionNear, country_name: CountryName) -> str:
    """``Lithuania, parliamentary election on 2024-10-13, 18 days after publication``."""
    e = near.election
    kind = _KIND.get(e.type, f"{e.type} election")
    days = abs(near.days_until)
    plural = "day" if days == 1 else "days"
    if near.days_until > 0:
        when = f"{days} {plural} after publication"
    elif near.days_until < 0:
        when = f"{days} {plural} before publication"
    else:
        when = "on the day of publication"
    return f"{country_name(e.country)}, {kind} on {e.date.isoformat()}, {when}"


def render_alert(article: Article, source: Source, assessment: Assessment, country_name: CountryName) -> tuple[str, str]:
    """The alert's title (one line) and body (plain text that reads well as Markdown too)."""
    severity = str(assessment.severity).upper()
    if assessment.elections:
        headline = describe_election(assessment.elections[0], country_name)
    else:
        headline = "no election in window"
    title = f"[{severity}] {headline}: {source.name}"
    lines = [
        f"{source.name} ({source.kind}, {source.country}), published {article.published.date().isoformat()}",
        f"\u201c{article.title}\u201d" if article.title else "",
        f"Score {assessment.score:g}, severity {assessment.severity}" + _factor(assessment),
    ]
    if assessment.elections:
        lines.append("Election: " + "; ".join(describe_election(n, country_name) for n in assessment.elections[:3]))
    if assessment.countries:
        lines.append("Countries mentioned: " + ", ".join(country_name(c) for c in assessment.countries[:6]))
    lines.append("Matched rules:")
    for match in assessment.matches:
        lines.append(f"- {match.rule_id} (+{match.weight:g}, {match.severity}): {match.title}")
        quotes = dict.fromkeys(_quote(e.quote) for e in match.evidence)  # the same words once
        lines.extend(f"    \u201c{quote}\u201d" for quote in list(quotes)[:3])
    link = article.entry.canonical_url or article.entry.url
    if link:
        lines.append(f"Link: {link}")
    lines.append(f"Text from: {article.extraction}")
    return title, "\n".join(line for line in lines if line)


def _factor(assessment: Assessment) -> str:
    if assessment.proximity_factor == 1:
        return ""
    return f" (rules {assessment.base_score:g} x {assessment.proximity_factor:g} for the closeness of the vote)"


def _quote(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= MAX_QUOTE else flat[: MAX_QUOTE - 1] + "\u2026"
