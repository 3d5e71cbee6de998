"""(document, context, rules) -> Assessment with evidence. Pure: no store, no network."""

from __future__ import annotations

from monitor.models import Assessment, Context, Match, Thresholds
from monitor.rules.ruleset import RuleSet
from monitor.textmatch import Document


def assess(document: Document, context: Context, rules: RuleSet, thresholds: Thresholds) -> Assessment:
    """Every rule that matches adds its weight; the score's band gives the severity."""
    matches = []
    for rule in rules.rules:
        outcome = rule.evaluate(document, context)
        if outcome.matched:
            matches.append(Match(rule.id, rule.title, rule.weight, rule.severity, rule.tags, outcome.evidence, outcome.elections))
    score = round(sum(m.weight for m in matches), 2)
    severity = thresholds.severity(score)
    elections = tuple(sorted(dict.fromkeys(n for m in matches for n in m.elections), key=lambda n: abs(n.days_until)))
    return Assessment(
        score=score,
        severity=severity,
        alert=bool(matches) and severity.rank >= thresholds.alert_at.rank,
        matches=tuple(sorted(matches, key=lambda m: -m.weight)),
        elections=elections,
        countries=context.countries_mentioned,
        language=context.language,
    )
