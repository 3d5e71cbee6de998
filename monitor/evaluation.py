"""The development evaluation: labelled texts scored as the daemon would, precision and recall.

An evaluation file (YAML) lists cases, each a text with its publication day, its source's kind
and country, and whether it should raise an alert:

    cases:
      - id: c09-reset-en
        case: C09                 # optional: the documented case it stands for
        expected: alert           # alert | no_alert
        published: 2024-09-26
        source_kind: official
        source_country: BY
        language: en              # optional; detected when missing
        title: ...
        text: ...
        note: ...                 # optional
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from monitor.countries import Gazetteer
from monitor.elections import ElectionCalendar
from monitor.fieldtypes import CountryCode
from monitor.models import Assessment, Source, SourceKind, Thresholds
from monitor.rules.ruleset import RuleSet
from monitor.scoring import assess_text
from monitor.yamlfile import load_model, unique


class EvalCase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    case: str | None = None
    expected: Literal["alert", "no_alert"]
    published: date
    source_kind: SourceKind
    source_country: CountryCode
    language: str | None = None
    title: str = ""
    text: str
    note: str = ""


class EvalFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    cases: tuple[EvalCase, ...]


@dataclass(frozen=True)
class Outcome:
    case: EvalCase
    assessment: Assessment

    @property
    def expected(self) -> bool:
        return self.case.expected == "alert"

    @property
    def correct(self) -> bool:
        return self.assessment.alert == self.expected


@dataclass(frozen=True)
class Report:
    outcomes: tuple[Outcome, ...]

    def _count(self, expected: bool, alerted: bool) -> int:
        return sum(1 for o in self.outcomes if o.expected == expected and o.assessment.alert == alerted)

    @property
    def precision(self) -> float:
        true_pos, false_pos = self._count(True, True), self._count(False, True)
        return true_pos / (true_pos + false_pos) if true_pos + false_pos else 1.0

    @property
    def recall(self) -> float:
        true_pos, false_neg = self._count(True, True), self._count(True, False)
        return true_pos / (true_pos + false_neg) if true_pos + false_neg else 1.0

    @property
    def misses(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if not o.correct)


def load_cases(path: Path) -> tuple[EvalCase, ...]:
    files = sorted(p for p in path.rglob("*.yaml")) if path.is_dir() else [path]
    cases: list[EvalCase] = []
    for file in files:
        cases.extend(load_model(EvalFile, file, unique("cases", "id")).cases)
    return tuple(cases)


def evaluate(
    cases: tuple[EvalCase, ...], rules: RuleSet, gazetteer: Gazetteer, calendar: ElectionCalendar, thresholds: Thresholds
) -> Report:
    outcomes = []
    for case in cases:
        source = Source.standing_in(f"eval-{case.id}", case.source_kind, case.source_country)
        published = datetime.combine(case.published, time(12), tzinfo=UTC)
        assessment = assess_text(case.title, case.text, source, published, gazetteer, calendar, rules, thresholds, case.language)
        outcomes.append(Outcome(case, assessment))
    return Report(tuple(outcomes))


def report_text(report: Report) -> str:
    positives = sum(1 for o in report.outcomes if o.expected)
    lines = [
        f"{len(report.outcomes)} cases ({positives} should alert, {len(report.outcomes) - positives} should not)",
        f"precision {report.precision:.2f}  recall {report.recall:.2f}",
    ]
    if report.misses:
        lines.append("Misses:")
    for o in report.misses:
        kind = "missed alert" if o.expected else "false alert"
        rules = ", ".join(m.rule_id for m in o.assessment.matches) or "no rule"
        lines.append(f"  {kind}: {o.case.id} ({o.case.case or '-'}) score {o.assessment.score:g} [{rules}]")
    return "\n".join(lines)
