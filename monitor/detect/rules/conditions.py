"""Compiled conditions: each evaluates (document, context) -> ConditionResult, purely.

``compile_condition`` turns a validated schema object into one of these; the registry
``COMPILERS`` maps each schema class to its compiler.
"""

from __future__ import annotations

import logging
from bisect import bisect_right
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

import regex

from monitor.detect.document import Document
from monitor.detect.normalisation import Normalised
from monitor.detect.phrase_matcher import without_overlaps
from monitor.detect.rules import schema
from monitor.detect.rules.lexicon import TARGET, list_name, references
from monitor.detect.rules.safety import FLAGS
from monitor.models import Context, ElectionNear, ElectionType, Evidence, Field, SourceKind

logger = logging.getLogger(__name__)

MAX_EVIDENCE = 5  # quotes kept per condition: enough to explain, short enough to read
REGEX_TIMEOUT = 0.25  # seconds one regex may spend on one text, so no pattern can stall a run


@dataclass(frozen=True)
class ConditionResult:
    matched: bool
    evidence: tuple[Evidence, ...] = ()
    elections: tuple[ElectionNear, ...] = ()


NO_MATCH = ConditionResult(False)
MATCHED = ConditionResult(True)  # a match with nothing to quote: the context conditions'


def _holds(truth: bool) -> ConditionResult:
    return MATCHED if truth else NO_MATCH


class Memo:
    """The outcomes of the conditions already evaluated on one document and its context, by
    what each outcome depends on (``_TextCondition.key``, the votes an election window takes in).

    A pack holds many conditions that come to the same thing on a text: the same regex in
    several rules, phrase lists that differ only by phrases the text does not hold, windows
    that take in the same votes. Each is worked out once. A memo serves one document only.
    """

    def __init__(self) -> None:
        self.outcomes: dict[Hashable, ConditionResult] = {}
        self._days_until: list[int] | None = None
        self.terms_keys: dict[int, Hashable] = {}  # id of a phrase list (``Terms``) -> its key on this document

    def days(self, context: Context) -> list[int]:
        """The days until each of the context's votes near, in order: what a window's ``before`` is compared with."""
        if self._days_until is None:
            self._days_until = sorted(n.days_until for n in context.elections_near)
        return self._days_until


class Condition(Protocol):
    def evaluate(self, document: Document, context: Context, memo: Memo | None = None) -> ConditionResult: ...


@dataclass(frozen=True)
class Terms:
    """A phrase list: its own phrases, the lexicons it names (``@threat``) and ``@target``.

    Nothing is searched here: the pack's lexicon scans each text once for every lexicon and
    every rule's own list (``lexicon.list_name``), and the places are in the context.
    ``@target`` is any place where a country whose vote is near, other than the source's, is named.
    """

    concepts: tuple[str, ...]  # the lexicons named, and the name of the list's own phrases
    target: bool

    @classmethod
    def compile(cls, phrases: Iterable[str]) -> Terms:
        """One object for equal lists, whichever rule holds them: a memo then works out the key
        of a list that many rules share once per text (``key``)."""
        return _terms(tuple(phrases))

    def locate(self, text: Normalised, which: Field, context: Context) -> list[tuple[int, int, str | None]]:
        found: list[tuple[int, int, str | None]] = []
        for concept in self.concepts:
            found.extend((start, end, concept) for start, end in context.concepts.places(concept, which))
        if self.target:
            found.extend((start, end, TARGET) for start, end in context.target_places(which))
        if which is Field.LEAD:  # the lead's places are the text's first ones
            found = [f for f in found if f[1] <= len(text.text)]
        return sorted(found)

    def key(self, context: Context, memo: Memo) -> Hashable:
        """What ``locate`` depends on, but for the lists' names (which no caller uses): the places.

        The places by identity: the scan gives lists found through the same entries one tuple
        of places, and a memo lives no longer than the context that holds them. Hashing the
        places themselves would cost as much as the search it spares, on a long text.
        """
        key = memo.terms_keys.get(id(self))
        if key is None:
            title, text = context.concepts.title, context.concepts.text
            key = memo.terms_keys[id(self)] = self.target, tuple([(id(title.get(c)), id(text.get(c))) for c in self.concepts])  # a list first: quicker than a generator
        return key


@lru_cache(maxsize=1 << 16)
def _terms(phrases: tuple[str, ...]) -> Terms:
    plain, named = references(phrases)
    own = (list_name(plain),) if plain else ()
    return Terms(tuple(n for n in named if n != TARGET) + own, TARGET in named)


@dataclass(frozen=True)
class _TextCondition:
    fields: tuple[Field, ...]

    def evaluate(self, document: Document, context: Context, memo: Memo | None = None) -> ConditionResult:
        if memo is None:
            return self._outcome(document, context)
        key = self.key(context, memo)
        outcome = memo.outcomes.get(key)
        if outcome is None:
            outcome = memo.outcomes[key] = self._outcome(document, context)
        return outcome

    def key(self, context: Context, memo: Memo) -> Hashable:
        """Equal for two conditions that have the same outcome on a document and its context."""
        raise NotImplementedError

    def _outcome(self, document: Document, context: Context) -> ConditionResult:
        evidence: list[Evidence] = []
        for which in self.fields:
            text = document.field(which)
            for start, end in self._spans(text, which, context):
                evidence.append(Evidence(text.original[start:end], start, end, which))
        return ConditionResult(True, tuple(evidence[:MAX_EVIDENCE])) if evidence else NO_MATCH

    def _spans(self, text: Normalised, which: Field, context: Context) -> list[tuple[int, int]]:
        raise NotImplementedError


@dataclass(frozen=True)
class Phrases(_TextCondition):
    terms: Terms

    def key(self, context: Context, memo: Memo) -> Hashable:
        return Phrases, self.fields, self.terms.key(context, memo)

    def _spans(self, text: Normalised, which: Field, context: Context) -> list[tuple[int, int]]:
        return [text.span(start, end) for start, end, _ in without_overlaps(self.terms.locate(text, which, context))]


@dataclass(frozen=True)
class Regex(_TextCondition):
    pattern: Any  # a compiled regex.Pattern

    def key(self, context: Context, memo: Memo) -> Hashable:
        return Regex, self.fields, self.pattern.pattern, self.pattern.flags

    def _spans(self, text: Normalised, which: Field, context: Context) -> list[tuple[int, int]]:
        spans = []
        try:
            for found in self.pattern.finditer(text.text, timeout=REGEX_TIMEOUT):
                if found.end() > found.start():
                    spans.append(text.span(found.start(), found.end()))
        except TimeoutError:
            logger.warning("regex timed out pattern=%r", self.pattern.pattern)
        return spans


@dataclass(frozen=True)
class Proximity(_TextCondition):
    groups: tuple[Terms, ...]
    within: int
    sentence: bool

    def key(self, context: Context, memo: Memo) -> Hashable:
        return Proximity, self.fields, self.within, self.sentence, tuple([group.key(context, memo) for group in self.groups])

    def _spans(self, text: Normalised, which: Field, context: Context) -> list[tuple[int, int]]:
        """For each place where the first group occurs, the closest term of every other group."""
        found = [[(text.word_index(start), start, end) for start, end, _ in g.locate(text, which, context)] for g in self.groups]
        if not all(found):
            return []
        spans = []
        for anchor in found[0]:
            chosen = [anchor]
            for others in found[1:]:
                candidates = [o for o in others if not self.sentence or text.sentence_index(o[1]) == text.sentence_index(anchor[1])]
                if not candidates:
                    break
                chosen.append(min(candidates, key=lambda o: abs(o[0] - anchor[0])))
            else:
                if max(c[0] for c in chosen) - min(c[0] for c in chosen) <= self.within:
                    spans.append(text.span(min(c[1] for c in chosen), max(c[2] for c in chosen)))
        return sorted(set(spans))


@dataclass(frozen=True)
class Count(_TextCondition):
    phrases: tuple[Terms, ...]  # one per phrase: inflections of one phrase count once
    at_least: int

    def key(self, context: Context, memo: Memo) -> Hashable:
        return Count, self.fields, self.at_least, tuple([phrase.key(context, memo) for phrase in self.phrases])

    def _spans(self, text: Normalised, which: Field, context: Context) -> list[tuple[int, int]]:
        found = [places for places in (phrase.locate(text, which, context) for phrase in self.phrases) if places]
        if len(found) < self.at_least:
            return []
        return [text.span(start, end) for start, end, _ in without_overlaps(sorted(p for places in found for p in places))]


@dataclass(frozen=True)
class ElectionWindow:
    window: schema.Window

    def evaluate(self, document: Document, context: Context, memo: Memo | None = None) -> ConditionResult:
        if memo is None:
            return self._outcome(context)
        w = self.window
        # ``before`` counts only by the votes it takes in: windows a few days apart are often the same.
        key = ElectionWindow, bisect_right(memo.days(context), w.before), w.after, w.foreign, w.between_rounds, w.mentions
        outcome = memo.outcomes.get(key)
        if outcome is None:
            outcome = memo.outcomes[key] = self._outcome(context)
        return outcome

    def _outcome(self, context: Context) -> ConditionResult:
        w = self.window
        about = set(context.countries_about) if w.mentions == "about" else None
        in_window = [
            n
            for n in context.elections_near
            if n.days_until <= w.before
            and n.days_until_end >= -w.after
            and (about is None or n.election.country in about)
            and (not w.between_rounds or _between_rounds(n, context.elections_near))
        ]
        near = tuple(n for n in in_window if not w.foreign or _foreign_vote_in_question(n, in_window, context))
        return ConditionResult(True, elections=near) if near else NO_MATCH


def _foreign_vote_in_question(vote: ElectionNear, in_window: list[ElectionNear], context: Context) -> bool:
    """The vote is another country's, and the source's own country has no nearer vote in the window.

    A text about its own country's coming vote speaks of that vote: a Lithuanian ministry
    writing about Belarus 18 days before the Seimas election, with Belarus's vote four months
    off, is not speaking of the Belarusian vote.
    """
    own = context.source.country
    if vote.election.country == own:
        return False
    return not any(n.election.country == own and abs(n.days_until) < abs(vote.days_until) for n in in_window)


BETWEEN_ROUNDS_DAYS = 28  # a runoff this close after a first round in the same country is its second round


def _between_rounds(runoff: ElectionNear, near: tuple[ElectionNear, ...]) -> bool:
    """``runoff`` is ahead, and a first round of the same country was held before publication."""
    if runoff.election.type is not ElectionType.RUNOFF or runoff.days_until < 0:
        return False
    return any(
        first.election.country == runoff.election.country
        and first.election.type is not ElectionType.RUNOFF
        and first.days_until_end < 0
        and 0 < (runoff.election.date - first.election.date).days <= BETWEEN_ROUNDS_DAYS
        for first in near
    )


@dataclass(frozen=True)
class SourceKindIs:
    kinds: frozenset[SourceKind]

    def evaluate(self, document: Document, context: Context, memo: Memo | None = None) -> ConditionResult:
        return _holds(context.source.kind in self.kinds)


@dataclass(frozen=True)
class SourceCountryIs:
    countries: frozenset[str]

    def evaluate(self, document: Document, context: Context, memo: Memo | None = None) -> ConditionResult:
        return _holds(context.source.country in self.countries)


@dataclass(frozen=True)
class SourceIdIs:
    ids: frozenset[str]

    def evaluate(self, document: Document, context: Context, memo: Memo | None = None) -> ConditionResult:
        return _holds(context.source.id in self.ids)


@dataclass(frozen=True)
class LanguageIs:
    languages: frozenset[str]

    def evaluate(self, document: Document, context: Context, memo: Memo | None = None) -> ConditionResult:
        return _holds(context.language in self.languages)


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Condition, ...]

    def evaluate(self, document: Document, context: Context, memo: Memo | None = None) -> ConditionResult:
        outcomes = []
        for part in self.parts:
            outcome = part.evaluate(document, context, memo)
            if not outcome.matched:
                return NO_MATCH
            outcomes.append(outcome)
        return _merge(outcomes)


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Condition, ...]

    def evaluate(self, document: Document, context: Context, memo: Memo | None = None) -> ConditionResult:
        outcomes = [o for o in (part.evaluate(document, context, memo) for part in self.parts) if o.matched]
        return _merge(outcomes) if outcomes else NO_MATCH


@dataclass(frozen=True)
class AtLeast:
    k: int
    parts: tuple[Condition, ...]

    def evaluate(self, document: Document, context: Context, memo: Memo | None = None) -> ConditionResult:
        outcomes = [o for o in (part.evaluate(document, context, memo) for part in self.parts) if o.matched]
        return _merge(outcomes) if len(outcomes) >= self.k else NO_MATCH


@dataclass(frozen=True)
class NotOf:
    part: Condition

    def evaluate(self, document: Document, context: Context, memo: Memo | None = None) -> ConditionResult:
        return _holds(not self.part.evaluate(document, context, memo).matched)


def _merge(outcomes: list[ConditionResult]) -> ConditionResult:
    evidence = tuple(dict.fromkeys(e for o in outcomes for e in o.evidence))
    elections = tuple(dict.fromkeys(n for o in outcomes for n in o.elections))
    return ConditionResult(True, evidence, elections)


COMPILERS: dict[type, Callable[[Any], Condition]] = {
    schema.PhrasesCondition: lambda s: Phrases(s.fields, Terms.compile(s.phrases)),
    schema.RegexCondition: lambda s: Regex(s.fields, regex.compile(s.regex, FLAGS)),
    schema.ProximityCondition: lambda s: Proximity(
        s.fields, tuple(Terms.compile(group) for group in s.proximity.terms), s.proximity.within, s.proximity.sentence
    ),
    schema.CountCondition: lambda s: Count(s.fields, tuple(Terms.compile((p,)) for p in s.count.phrases), s.count.at_least),
    schema.ElectionWindowCondition: lambda s: ElectionWindow(s.election_window),
    schema.SourceKindCondition: lambda s: SourceKindIs(frozenset(s.source_kind)),
    schema.SourceCountryCondition: lambda s: SourceCountryIs(frozenset(s.source_country)),
    schema.SourceIdCondition: lambda s: SourceIdIs(frozenset(s.source_id)),
    schema.LanguageCondition: lambda s: LanguageIs(frozenset(s.language)),
    schema.AllCondition: lambda s: AllOf(_context_first(compile_condition(p) for p in s.all)),
    schema.AnyCondition: lambda s: AnyOf(tuple(compile_condition(p) for p in s.any)),
    schema.NotCondition: lambda s: NotOf(compile_condition(s.not_)),
    schema.AtLeastCondition: lambda s: AtLeast(s.at_least, tuple(compile_condition(p) for p in s.of)),
}


CONTEXT_CONDITIONS = (SourceKindIs, SourceCountryIs, SourceIdIs, LanguageIs, ElectionWindow)  # of the source and the calendar, not the text


def _context_first(parts: Iterable[Condition]) -> tuple[Condition, ...]:
    """Context conditions cost nothing; checked first, they spare most texts the text search.

    ``all`` holds only if every part holds, so the order changes no outcome.
    """
    ordered = list(parts)
    return tuple(sorted(ordered, key=lambda part: not isinstance(part, CONTEXT_CONDITIONS)))


def compile_condition(spec: Any) -> Condition:
    return COMPILERS[type(spec)](spec)
