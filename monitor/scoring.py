"""(document, context, rules) -> Assessment with evidence. Pure: no store, no network."""

from __future__ import annotations

from datetime import datetime

from monitor.context import build_context
from monitor.countries import Gazetteer
from monitor.elections import ElectionCalendar
from monitor.models import Assessment, Context, Match, Source, Suppressed, Thresholds
from monitor.rules.ruleset import RuleSet
from monitor.textmatch import Document, prepare


def assess_text(
    title: str,
    text: str,
    source: Source,
    published: datetime,
    gazetteer: Gazetteer,
    calendar: ElectionCalendar,
    rules: RuleSet,
    thresholds: Thresholds,
    language: str | None = None,
) -> Assessment:
    """Score a text exactly as the daemon would: normalise, build its context, assess."""
    document = prepare(title, text)
    context = build_context(document, source, published, gazetteer, calendar, language)
    return assess(document, context, rules, thresholds)


def assess(document: Document, context: Context, rules: RuleSet, thresholds: Thresholds) -> Assessment:
    """Every rule that matches adds its weight, unless a filter of known false positives covers it.

    The sum is raised by the closeness of the vote the matches bear on (``Thresholds.proximity``);
    the score's band gives the severity.
    """
    active_filters = [f for f in rules.filters if f.evaluate(document, context).matched]
    matches, suppressed = [], []
    for rule in rules.rules:
        outcome = rule.evaluate(document, context)
        if not outcome.matched:
            continue
        covering = next((f for f in active_filters if f.covers(rule.id)), None)
        if covering is not None:
            suppressed.append(Suppressed(rule.id, covering.id))
            continue
        matches.append(Match(rule.id, rule.title, rule.weight, rule.severity, rule.tags, outcome.evidence, outcome.elections))
    elections = tuple(sorted(dict.fromkeys(n for m in matches for n in m.elections), key=lambda n: abs(n.days_until)))
    base = round(sum(m.weight for m in matches), 2)
    factor = thresholds.proximity_factor(elections[0].days_until if elections else None)
    score = round(base * factor, 2)
    severity = thresholds.severity(score)
    return Assessment(
        score=score,
        severity=severity,
        alert=bool(matches) and severity.rank >= thresholds.alert_at.rank,
        matches=tuple(sorted(matches, key=lambda m: -m.weight)),
        elections=elections,
        countries=context.countries_mentioned,
        language=context.language,
        base_score=base,
        proximity_factor=factor,
        suppressed=tuple(suppressed),
    )
