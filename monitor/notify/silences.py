"""Silences: which active silence, if any, holds an alert back."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from monitor.models import Assessment, Source


@dataclass(frozen=True)
class SilenceRule:
    id: int
    rule_id: str | None
    source_id: str | None
    country: str | None
    until: datetime
    reason: str

    def describe(self) -> str:
        what = [f"rule {self.rule_id}" if self.rule_id else "", f"source {self.source_id}" if self.source_id else "", f"country {self.country}" if self.country else ""]
        return f"#{self.id} {' and '.join(w for w in what if w)} until {self.until:%Y-%m-%d %H:%M} UTC: {self.reason}"


def target_countries(assessment: Assessment) -> set[str]:
    """The countries an alert bears on: those of its elections, else the one it is most about."""
    countries = {n.election.country for n in assessment.elections}
    return countries or set(assessment.countries[:1])


def silencing(assessment: Assessment, source: Source, silences: Iterable[SilenceRule]) -> SilenceRule | None:
    """The first silence whose every given condition holds for this alert."""
    rules = {m.rule_id for m in assessment.matches}
    countries = target_countries(assessment)
    for silence in silences:
        if silence.rule_id and silence.rule_id not in rules:
            continue
        if silence.source_id and silence.source_id != source.id:
            continue
        if silence.country and silence.country not in countries:
            continue
        return silence
    return None
