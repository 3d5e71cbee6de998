"""Backtesting: re-score stored items with another rule set and say what would change.

Nothing is sent and no stored alert changes. The report compares the new rule set's verdict on
every stored item with the alert the item has now (or has not), per rule, and brings in the
analysts' verdicts, so that a change reads as "removes 12 alerts, 11 of them marked false".
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from monitor.detect.countries import Gazetteer
from monitor.detect.elections import ElectionCalendar
from monitor.detect.rules.ruleset import RuleSet
from monitor.detect.scoring import assess_text
from monitor.models import Assessment, Source, SourceKind, Thresholds, Verdict
from monitor.review.rescoring import Progress, Scorer, Text, score_all
from monitor.store.features import StoredWithFeatures
from monitor.store.repo import StoredItem


class ChangeKind(StrEnum):
    ADDED = "added"  # an alert the item does not have now
    REMOVED = "removed"  # the item's alert would not be raised
    SEVERITY = "severity"  # the alert stays, with another severity


@dataclass(frozen=True)
class Change:
    item: StoredItem
    kind: ChangeKind
    before: str | None  # severity of the alert the item has now
    after: str | None  # severity it would have with the new rules (None: no alert)
    verdict: Verdict | None  # the analysts' verdict on the current alert, if any


@dataclass(frozen=True)
class BacktestReport:
    items: int
    skipped: int  # items whose source kind and country are unknown
    alerts_before: int
    alerts_after: int
    changes: tuple[Change, ...]
    rules_before: dict[str, int] = field(default_factory=dict)  # rule -> items it matches now
    rules_after: dict[str, int] = field(default_factory=dict)

    def of_kind(self, kind: ChangeKind) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.kind == kind)

    def summary(self) -> str:
        removed, added, severity = self.of_kind(ChangeKind.REMOVED), self.of_kind(ChangeKind.ADDED), self.of_kind(ChangeKind.SEVERITY)
        verdicts = Counter(c.verdict for c in removed)
        marked = []
        if verdicts[Verdict.FP]:
            marked.append(f"{verdicts[Verdict.FP]} of them marked false")
        if verdicts[Verdict.TP]:
            marked.append(f"{verdicts[Verdict.TP]} marked true")
        removed_text = f"removes {len(removed)} alert{'s' if len(removed) != 1 else ''}" + (f", {', '.join(marked)}" if marked else "")
        return f"This change {removed_text}, adds {len(added)}, and changes the severity of {len(severity)}."


Keep = Callable[[list[tuple[int, bytes]]], None]  # stores items' analyses computed afresh (item id, bytes)
KEEP_EVERY = 500


def backtest(
    history: Iterable[StoredWithFeatures],
    rules: RuleSet,
    gazetteer: Gazetteer,
    calendar: ElectionCalendar,
    thresholds: Thresholds,
    verdicts: dict[int, Verdict],
    known_sources: dict[str, Source] | None = None,
    progress: Progress | None = None,
    processes: int = 1,
    keep: Keep | None = None,
) -> BacktestReport:
    """Re-score every stored item (with its kept analysis, if any) and compare with what it has now.

    ``keep``, if given, receives the analyses computed for items that had none (or a stale one).
    """
    known = known_sources or {}
    counts = Counter[str]()
    changes: list[Change] = []
    rules_before: Counter[str] = Counter()
    rules_after: Counter[str] = Counter()
    waiting: deque[StoredItem] = deque()
    fresh: list[tuple[int, bytes]] = []

    def texts() -> Iterator[Text]:
        for item, kept in history:
            counts["items"] += 1
            source = source_of(item, known)
            if source is None:
                counts["skipped"] += 1
                continue
            waiting.append(item)
            yield Text(item.title, item.text, source, item.published_at, item.language, kept)

    scorer = Scorer(rules, gazetteer, calendar, thresholds, keep=keep is not None)
    for scored in score_all(texts(), scorer, processes, progress):
        item, assessment = waiting.popleft(), scored.assessment
        rules_before.update(item.rules)
        rules_after.update(m.rule_id for m in assessment.matches)
        counts["before"] += item.alert_id is not None
        counts["after"] += assessment.alert
        change = _change(item, str(assessment.severity) if assessment.alert else None, verdicts)
        if change is not None:
            changes.append(change)
        if keep is not None and scored.fresh is not None:
            fresh.append((item.id, scored.fresh))
            if len(fresh) >= KEEP_EVERY:
                keep(fresh)
                fresh = []
    if keep is not None and fresh:
        keep(fresh)
    return BacktestReport(counts["items"], counts["skipped"], counts["before"], counts["after"], tuple(changes), dict(rules_before), dict(rules_after))


def rescore(item: StoredItem, source: Source, rules: RuleSet, gazetteer: Gazetteer, calendar: ElectionCalendar, thresholds: Thresholds) -> Assessment:
    """One item re-scored from its raw title and text, as the pipeline scored it."""
    return assess_text(item.title, item.text, source, item.published_at, gazetteer, calendar, rules, thresholds, item.language)


def source_of(item: StoredItem, known: dict[str, Source]) -> Source | None:
    """The facts of the item's source as stored with it, else as the sources file has them."""
    if item.source_kind and item.source_country:
        return Source.standing_in(item.source_id, SourceKind(item.source_kind), item.source_country)
    return known.get(item.source_id)  # items stored before sources' facts were kept


def _change(item: StoredItem, after: str | None, verdicts: dict[int, Verdict]) -> Change | None:
    before = item.severity if item.alert_id is not None else None
    verdict = verdicts.get(item.alert_id) if item.alert_id is not None else None
    if before is None and after is not None:
        return Change(item, ChangeKind.ADDED, None, after, None)
    if before is not None and after is None:
        return Change(item, ChangeKind.REMOVED, before, None, verdict)
    if before is not None and after is not None and before != after:
        return Change(item, ChangeKind.SEVERITY, before, after, verdict)
    return None


def report_json(report: BacktestReport) -> dict[str, Any]:
    rule_ids = sorted(set(report.rules_before) | set(report.rules_after))
    return {
        "items": report.items,
        "skipped": report.skipped,
        "alerts_before": report.alerts_before,
        "alerts_after": report.alerts_after,
        "added": len(report.of_kind(ChangeKind.ADDED)),
        "removed": len(report.of_kind(ChangeKind.REMOVED)),
        "severity_changed": len(report.of_kind(ChangeKind.SEVERITY)),
        "summary": report.summary(),
        "rules": [{"rule": r, "before": report.rules_before.get(r, 0), "after": report.rules_after.get(r, 0)} for r in rule_ids],
        "changes": [
            {
                "item": c.item.id,
                "change": c.kind,
                "before": c.before,
                "after": c.after,
                "verdict": c.verdict,
                "source": c.item.source_id,
                "published": c.item.published_at.isoformat(),
                "title": c.item.title,
                "url": c.item.url,
            }
            for c in report.changes
        ],
    }


def report_text(report: BacktestReport, since: datetime | None = None, until: datetime | None = None) -> str:
    span = f" published from {since.date() if since else 'the start'} to {until.date() if until else 'now'}"
    lines = [
        f"{report.items} stored items{span}" + (f" ({report.skipped} skipped: source facts unknown)" if report.skipped else ""),
        f"alerts now: {report.alerts_before}; with these rules: {report.alerts_after}",
        f"  added {len(report.of_kind(ChangeKind.ADDED))}, removed {len(report.of_kind(ChangeKind.REMOVED))}, severity changed {len(report.of_kind(ChangeKind.SEVERITY))}",
        report.summary(),
    ]
    rule_ids = sorted(set(report.rules_before) | set(report.rules_after), key=lambda r: (-(report.rules_after.get(r, 0) - report.rules_before.get(r, 0)) ** 2, r))
    changed_rules = [r for r in rule_ids if report.rules_before.get(r, 0) != report.rules_after.get(r, 0)]
    if changed_rules:
        lines.append("Per rule (items matched now -> with these rules):")
        for r in changed_rules:
            b, a = report.rules_before.get(r, 0), report.rules_after.get(r, 0)
            lines.append(f"  {r:<45} {b:>5} -> {a:<5} ({a - b:+d})")
    if report.changes:
        lines.append("Changes:")
    for c in report.changes:
        verdict = f" [marked {c.verdict}]" if c.verdict else ""
        lines.append(f"  {c.kind:<8} item {c.item.id} {c.item.published_at:%Y-%m-%d} {c.item.source_id}: {c.before or '-'} -> {c.after or '-'}{verdict}  {c.item.title[:80]}")
    return "\n".join(lines)
