"""The matcher's automaton finds exactly what the matcher before it found.

Over the project's own phrase lists (every lexicon and rule phrase of the shipped pack, the
gazetteer's names in every language) and real texts (the development evaluation cases, news
pages of the shared corpus when it is there, texts made of the phrases' own words), both
``locate`` and ``locate_labelled`` give the same spans with the same labels as the reference
kept in tests/detect/reference_phrase_matcher.py.
"""

from __future__ import annotations

import pickle
import random
from collections.abc import Iterator
from functools import cache

import pytest
import yaml

from monitor.detect.countries import load_gazetteer
from monitor.detect.normalisation import Normalised, normalise
from monitor.detect.phrase_matcher import PhraseMatcher
from monitor.detect.rules.loader import load_rules
from monitor.ingest.extract import extract_page
from tests.conftest import ROOT, SHARED
from tests.detect.reference_phrase_matcher import ReferenceMatcher

PAGES = SHARED / "corpora" / "html" / "trafilatura-eval-news"
PAGE_COUNT = 30  # enough scripts and languages; extraction takes a moment per page


@cache
def matchers() -> dict[str, PhraseMatcher]:
    """The shipped pack's one matcher and the gazetteer's (for every text, and per language)."""
    gazetteer = load_gazetteer(ROOT / "data" / "countries.yaml")
    found = {"gazetteer": gazetteer._matcher} | {f"gazetteer:{lang}": m for lang, m in gazetteer._by_language.items()}
    found["lexicon"] = load_rules(ROOT / "rules").lexicon._matcher
    return {name: matcher for name, matcher in found.items() if matcher is not None}


@cache
def reference(name: str) -> ReferenceMatcher:
    matcher = matchers()[name]
    return ReferenceMatcher(matcher.phrases, matcher.labels)


def eval_texts() -> Iterator[str]:
    for path in sorted((ROOT / "tests" / "eval" / "dev").glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
            yield case["title"]
            yield case["text"]


def page_texts() -> Iterator[str]:
    for path in sorted(PAGES.glob("*"))[:PAGE_COUNT] if PAGES.is_dir() else []:
        extracted = extract_page(path.read_bytes())
        if extracted is not None:
            yield extracted.text


def made_texts(count: int = 60) -> Iterator[str]:
    """Texts of the phrases' own words, cut and joined anyhow: stems met by longer words,
    phrases broken by punctuation, words glued together, unspaced scripts in runs."""
    rng = random.Random(11)
    phrases = [p for m in matchers().values() for p in m.phrases]
    pieces = [piece.replace("*", rng.choice(["", "ов", "s", "ation", "ами"])) for phrase in rng.sample(phrases, 4000) for piece in phrase.split()]
    joints = [" ", " ", " ", "  ", "\n", "-", "'", ". ", ", ", "", "&", " - ", "\u00a0"]
    for _ in range(count):
        yield "".join(rng.choice(pieces) + rng.choice(joints) for _ in range(300))


def texts() -> list[Normalised]:
    return [normalise(t) for source in (eval_texts(), page_texts(), made_texts()) for t in source]


@pytest.fixture(scope="module")
def normalised_texts() -> list[Normalised]:
    return texts()


@pytest.mark.parametrize("name", ["lexicon", "gazetteer", "gazetteer:ru", "gazetteer:en", "gazetteer:ja", "gazetteer:zh", "gazetteer:th", "gazetteer:de"])
def test_the_automaton_finds_what_the_reference_finds(name: str, normalised_texts: list[Normalised]) -> None:
    matcher, old = matchers()[name], reference(name)
    for text in normalised_texts:
        assert matcher.locate(text) == old.locate(text), text.original[:200]
        assert matcher.locate_labelled(text) == old.locate_labelled(text), text.original[:200]


def test_every_language_of_the_gazetteer_agrees_on_the_development_texts() -> None:
    some = [normalise(t) for t in eval_texts()][:40]
    for name in matchers():
        matcher, old = matchers()[name], reference(name)
        for text in some:
            assert matcher.locate(text) == old.locate(text), (name, text.original[:200])


def test_there_are_texts_in_scripts_without_spaces(normalised_texts: list[Normalised]) -> None:
    """The comparison covers the unspaced scan: some texts hold phrases of those scripts."""
    unspaced = [m for m in matchers().values() if m._unspaced is not None]
    assert unspaced and any(m.locate(t) for m in unspaced for t in normalised_texts if any("\u4e00" <= c <= "\u9fff" for c in t.text))



@pytest.mark.parametrize("name", ["lexicon", "gazetteer", "gazetteer:ja", "gazetteer:zh", "gazetteer:ru"])
def test_a_matcher_read_back_from_a_pickle_finds_what_the_built_one_finds(name: str, normalised_texts: list[Normalised]) -> None:
    """Built rules and gazetteers are kept pickled (monitor.config.buildcache): the automata,
    which do not pickle, are built again from the phrases they stand for."""
    matcher = matchers()[name]
    kept = pickle.loads(pickle.dumps(matcher))
    for text in normalised_texts:
        assert kept.locate(text) == matcher.locate(text), text.original[:200]
        assert kept.locate_labelled(text) == matcher.locate_labelled(text), text.original[:200]
