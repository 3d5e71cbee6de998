"""(document, context, rules) -> Assessment with evidence. Pure: no store, no network."""

from __future__ import annotations

from datetime import datetime

from monitor.detect.article_context import build_context
from monitor.detect.countries import Gazetteer
from monitor.detect.document import Document, prepare
from monitor.detect.elections import ElectionCalendar
from monitor.detect.families import CONTEXT_FAMILY
from monitor.detect.rules.conditions import Memo
from monitor.detect.rules.ruleset import Filter, RuleSet
from monitor.models import Assessment, Context, ElectionNear, Match, Source, SourceKind, Suppressed, Thresholds


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
    the score's band gives the severity. Context rules (EI-01: who speaks, when) never alert on
    their own, however many of them match: an alert needs a rule of another family.
    """
    context = rules.read(document, context)
    memo = Memo()  # conditions that come to the same thing on this document are worked out once
    held: dict[str, bool] = {}  # filter id -> whether it holds: worked out when a rule it covers matches
    matches, suppressed = [], []
    gated = rules.gates.passing(document, context, memo)
    for rule in rules.candidates(context.concepts, gated):  # the others cannot match
        outcome = rule.condition.evaluate(document, context, memo)  # a candidate holds what it needs
        if not outcome.matched:
            continue
        covering = next((f for f in rules.covering(rule.id) if _holds(f, document, context, memo, held)), None)
        if covering is not None:
            suppressed.append(Suppressed(rule.id, covering.id))
            continue
        matches.append(Match(rule.id, rule.title, rule.weight, rule.severity, rule.tags, outcome.evidence, outcome.elections))
    elections = tuple(sorted(dict.fromkeys(n for m in matches for n in m.elections), key=lambda n: abs(n.days_until)))
    base = round(sum(m.weight for m in matches), 2)
    factor = thresholds.proximity_factor(elections[0].days_until if elections else None)
    score = round(base * factor, 2)
    severity = thresholds.severity(score)
    alert = any(is_content(m) for m in matches) and severity.rank >= thresholds.alert_at.rank
    return Assessment(
        score=score,
        severity=severity,
        alert=alert,
        matches=tuple(sorted(matches, key=lambda m: -m.weight)),
        elections=elections,
        countries=context.countries_mentioned,
        language=context.language,
        base_score=base,
        proximity_factor=factor,
        suppressed=tuple(suppressed),
        review=not alert and for_review(matches, elections, context),
    )


def _holds(flt: Filter, document: Document, context: Context, memo: Memo, held: dict[str, bool]) -> bool:
    if flt.id not in held:
        held[flt.id] = flt.evaluate(document, context, memo).matched
    return held[flt.id]


STATE_KINDS = (SourceKind.OFFICIAL, SourceKind.STATE_MEDIA)


def for_review(matches: list[Match], elections: tuple[ElectionNear, ...], context: Context) -> bool:
    """A near miss: a foreign state source, a vote in its window, and evidence of an indicator.

    Context rules (EI-01) say when and who, not what: evidence of an indicator is a quote from
    a rule of any other family. Alerts stay precise; this tier is what an analyst sees besides.
    """
    foreign_vote = any(n.election.country != context.source.country for n in elections)
    evidence = any(m.evidence and is_content(m) for m in matches)
    return context.source.kind in STATE_KINDS and foreign_vote and evidence


def is_content(match: Match) -> bool:
    """A match of an indicator's content, not of the context rules (EI-01)."""
    return CONTEXT_FAMILY not in match.tags
