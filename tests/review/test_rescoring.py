"""Scoring many texts: the same results in the same order on one process or several, with or without kept analyses."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time

import pytest

from monitor.daemon.wiring import Knowledge, load_knowledge
from monitor.detect import prepared
from monitor.models import Source, Thresholds
from monitor.review.evaluation import evaluate, load_cases
from monitor.review.rescoring import SMALL_RUN, Scorer, Text, processes_for, score_all
from testbed.settings import make_settings
from tests.conftest import ROOT

DEV = ROOT / "tests" / "eval" / "dev"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Knowledge, Thresholds]:
    settings = make_settings(tmp_path_factory.mktemp("rescoring"))
    return load_knowledge(settings), settings.thresholds()


def test_two_processes_give_what_one_gives_in_the_same_order(loaded: tuple[Knowledge, Thresholds]) -> None:
    knowledge, thresholds = loaded
    cases = load_cases(DEV / "positives.yaml")[:80]
    one = evaluate(cases, knowledge.rules, knowledge.gazetteer, knowledge.calendar, thresholds, processes=1)
    done: list[int] = []
    two = evaluate(cases, knowledge.rules, knowledge.gazetteer, knowledge.calendar, thresholds, processes=2, progress=done.append)
    assert two == one
    assert done == list(range(1, len(cases) + 1))


def test_kept_analyses_give_what_raw_texts_give(loaded: tuple[Knowledge, Thresholds]) -> None:
    knowledge, thresholds = loaded
    cases = load_cases(DEV / "negatives.yaml")[:40]
    report = evaluate(cases, knowledge.rules, knowledge.gazetteer, knowledge.calendar, thresholds)
    texts = [
        Text(c.title, c.text, Source.standing_in(f"eval-{c.id}", c.source_kind, c.source_country), datetime.combine(c.published, time(12), tzinfo=UTC), c.language)
        for c in cases
    ]
    keeping = Scorer(knowledge.rules, knowledge.gazetteer, knowledge.calendar, thresholds, keep=True)
    first = list(score_all(texts, keeping, processes=2))
    assert all(s.fresh is not None for s in first)
    with_kept = [replace(t, kept=s.fresh) for t, s in zip(texts, first, strict=True)]
    again = list(score_all(with_kept, keeping, processes=1))
    assert [s.assessment for s in again] == [s.assessment for s in first] == [o.assessment for o in report.outcomes]
    assert all(s.fresh is None for s in again)  # nothing computed: every kept analysis was good
    digest = prepared.digest_of(knowledge.gazetteer)
    assert all(prepared.decode(t.kept or b"", digest, t.title, t.text, t.source, t.published, knowledge.calendar) for t in with_kept)


def test_small_runs_stay_in_this_process() -> None:
    assert processes_for(SMALL_RUN - 1) == 1
    assert processes_for(SMALL_RUN) >= 1
    assert processes_for(10, asked=3) == 3
