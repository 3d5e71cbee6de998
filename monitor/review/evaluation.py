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

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from monitor.config.fieldtypes import CountryCode
from monitor.config.yamlfile import load_model, unique
from monitor.detect.countries import Gazetteer
from monitor.detect.elections import ElectionCalendar
from monitor.detect.rules.ruleset import RuleSet
from monitor.models import Assessment, Source, SourceKind, Thresholds
from monitor.review.rescoring import Progress, Scorer, Text, score_all

Family = Annotated[str, StringConstraints(pattern=r"^EI-(0[1-9]|1[0-3])$")]


class EvalCase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    case: str | None = None  # the documented case of docs/DOMAIN.md it stands for
    episode: str | None = None  # the real episode: the unit of the dev/test split (default: case, else id)
    expected: Literal["alert", "no_alert"]
    group: Literal["standard", "hard"] = "standard"  # hard cases are reported apart
    families: tuple[Family, ...] = ()  # the indicator families an alert text bears
    source_url: str | None = None  # where the episode was seen
    published: date
    source_kind: SourceKind
    source_country: CountryCode
    language: str | None = None
    title: str = ""
    text: str
    note: str = ""
    split: Literal["dev", "test"] = "dev"  # set from the file's folder (tests/eval/dev, tests/eval/test)

    @property
    def unit(self) -> str:
        """The episode this text stands for: texts of one episode are never split apart."""
        return self.episode or self.case or self.id


class EvalFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    cases: tuple[EvalCase, ...]


@dataclass(frozen=True)
class CaseResult:
    case: EvalCase
    assessment: Assessment

    @property
    def expected(self) -> bool:
        return self.case.expected == "alert"

    @property
    def correct(self) -> bool:
        return self.assessment.alert == self.expected


@dataclass(frozen=True)
class Figures:
    """Recall, precision and the false-alert rate of a set of outcomes."""

    cases: int
    positives: int
    true_alerts: int
    false_alerts: int
    true_seen: int = 0  # positives alerted or stored for review: what an analyst sees
    false_reviews: int = 0  # negatives stored for review: the analyst's extra reading

    @property
    def negatives(self) -> int:
        return self.cases - self.positives

    @property
    def recall(self) -> float:
        return self.true_alerts / self.positives if self.positives else 1.0

    @property
    def recall_with_review(self) -> float:
        return self.true_seen / self.positives if self.positives else 1.0

    @property
    def review_rate(self) -> float:
        return self.false_reviews / self.negatives if self.negatives else 0.0

    @property
    def precision(self) -> float:
        alerts = self.true_alerts + self.false_alerts
        return self.true_alerts / alerts if alerts else 1.0

    @property
    def false_alert_rate(self) -> float:
        return self.false_alerts / self.negatives if self.negatives else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "cases": self.cases, "positives": self.positives, "recall": round(self.recall, 4),
            "precision": round(self.precision, 4), "false_alert_rate": round(self.false_alert_rate, 4),
            "recall_with_review": round(self.recall_with_review, 4), "negatives_for_review": round(self.review_rate, 4),
        }


def figures(outcomes: Iterable[CaseResult]) -> Figures:
    chosen = list(outcomes)
    return Figures(
        cases=len(chosen),
        positives=sum(1 for o in chosen if o.expected),
        true_alerts=sum(1 for o in chosen if o.expected and o.assessment.alert),
        false_alerts=sum(1 for o in chosen if not o.expected and o.assessment.alert),
        true_seen=sum(1 for o in chosen if o.expected and (o.assessment.alert or o.assessment.review)),
        false_reviews=sum(1 for o in chosen if not o.expected and o.assessment.review),
    )


@dataclass(frozen=True)
class Report:
    outcomes: tuple[CaseResult, ...]

    @property
    def precision(self) -> float:
        return figures(self.outcomes).precision

    @property
    def recall(self) -> float:
        return figures(self.outcomes).recall

    @property
    def misses(self) -> tuple[CaseResult, ...]:
        return tuple(o for o in self.outcomes if not o.correct)

    def by(self, key: Callable[[CaseResult], Iterable[str]]) -> dict[str, Figures]:
        """Figures per value of ``key`` (an outcome may count under several: its families)."""
        groups: dict[str, list[CaseResult]] = {}
        for outcome in self.outcomes:
            for value in key(outcome):
                groups.setdefault(value, []).append(outcome)
        return {value: figures(found) for value, found in sorted(groups.items())}

    def by_split(self) -> dict[str, Figures]:
        return self.by(lambda o: [o.case.split])

    def by_language(self, split: str) -> dict[str, Figures]:
        return self.by(lambda o: [o.case.language or "?"] if o.case.split == split and o.case.group == "standard" else [])

    def by_family(self, split: str) -> dict[str, Figures]:
        """Per indicator family, over the alert texts that bear it (recall) in one split."""
        return self.by(lambda o: o.case.families if o.case.split == split and o.case.group == "standard" else [])

    def hard(self) -> dict[str, Figures]:
        return self.by(lambda o: [o.case.split] if o.case.group == "hard" else [])


def load_cases(path: Path) -> tuple[EvalCase, ...]:
    """Every case of a file or a folder of files; a file in a folder named "test" is of the test split."""
    files = sorted(p for p in path.rglob("*.yaml")) if path.is_dir() else [path]
    cases: list[EvalCase] = []
    for file in files:
        split = "test" if file.parent.name == "test" else "dev"
        cases.extend(c.model_copy(update={"split": split}) for c in load_model(EvalFile, file, unique("cases", "id")).cases)
    return tuple(cases)


def evaluate(
    cases: tuple[EvalCase, ...],
    rules: RuleSet,
    gazetteer: Gazetteer,
    calendar: ElectionCalendar,
    thresholds: Thresholds,
    processes: int = 1,
    progress: Progress | None = None,
) -> Report:
    """Score every case as the daemon would (each analysed once, the scoring on ``processes`` processes)."""
    texts = (
        Text(case.title, case.text, Source.standing_in(f"eval-{case.id}", case.source_kind, case.source_country),
             datetime.combine(case.published, time(12), tzinfo=UTC), case.language)
        for case in cases
    )
    scored = score_all(texts, Scorer(rules, gazetteer, calendar, thresholds), processes, progress)
    return Report(tuple(CaseResult(case, result.assessment) for case, result in zip(cases, scored, strict=True)))


def report_text(report: Report) -> str:
    lines = []
    for split, numbers in report.by_split().items():
        lines.append(
            f"{split}: {numbers.cases} cases ({numbers.positives} should alert, {numbers.negatives} should not): "
            f"recall {numbers.recall:.2f}, precision {numbers.precision:.2f}, false alerts {numbers.false_alert_rate:.2f}; "
            f"with the review tier: recall {numbers.recall_with_review:.2f}, negatives for review {numbers.review_rate:.2f}"
        )
    for split in report.by_split():
        lines.append(f"{split}, per language (recall, false alerts):")
        lines += [f"  {lang:<4} {_share(f.recall, f.positives)}, {_share(f.false_alert_rate, f.negatives)}" for lang, f in report.by_language(split).items()]
        families = report.by_family(split)
        if families:
            lines.append(f"{split}, per indicator family (recall of the texts that bear it):")
            lines += [f"  {family} {f.recall:.2f} of {f.positives}" for family, f in families.items()]
    for split, f in report.hard().items():
        lines.append(f"{split}, hard cases: {f.cases} ({f.positives} should alert): recall {_share(f.recall, f.positives)}, false alerts {_share(f.false_alert_rate, f.negatives)}")
    if report.misses:
        lines.append("Misses:")
    for o in report.misses:
        kind = "missed alert" if o.expected else "false alert"
        rules = ", ".join(m.rule_id for m in o.assessment.matches) or "no rule"
        lines.append(f"  {kind}: [{o.case.split}] {o.case.id} ({o.case.case or o.case.unit}) score {o.assessment.score:g} [{rules}]")
    return "\n".join(lines)


def _share(value: float, of: int) -> str:
    return f"{value:.2f} of {of}" if of else f"   - of {of}"


def report_json(report: Report) -> dict[str, object]:
    splits = report.by_split()
    return {
        "cases": len(report.outcomes),
        "precision": round(report.precision, 4),
        "recall": round(report.recall, 4),
        "splits": {
            split: {
                **numbers.as_dict(),
                "languages": {lang: f.as_dict() for lang, f in report.by_language(split).items()},
                "families": {family: f.as_dict() for family, f in report.by_family(split).items()},
            }
            for split, numbers in splits.items()
        },
        "hard": {split: f.as_dict() for split, f in report.hard().items()},
        "misses": [
            {"id": o.case.id, "split": o.case.split, "expected": o.case.expected, "score": o.assessment.score, "rules": [m.rule_id for m in o.assessment.matches]}
            for o in report.misses
        ],
    }
