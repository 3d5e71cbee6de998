"""Silences: which active silence, if any, holds an alert back."""

from __future__ import annotations

from collections.abc import Iterable

from monitor.models import Assessment, SilenceRule, Source


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
