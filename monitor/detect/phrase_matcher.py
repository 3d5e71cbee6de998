"""Finding many phrases at once in a normalised text: one automaton over the words, one over the unspaced scripts, the rest by regex."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick_rs

from monitor.detect.normalisation import WORD_SEPARATOR, Normalised, normalise_phrase
from monitor.detect.phrases import UNSPACED_RUN, ParsedPhrase, is_unspaced, parse_phrase, phrase_needle, phrase_pattern


@dataclass(frozen=True)
class Span:
    start: int  # in the original text
    end: int
    quote: str
    label: str | None = None  # the label of the phrase that matched, if the matcher has labels


class _Bucket:
    """The phrases that share a first word, those with an exact second word indexed by it:
    "if he wins", "if she wins" … are not all tried wherever "if" occurs."""

    __slots__ = ("by_second", "others")

    def __init__(self) -> None:
        self.by_second: dict[str, list[ParsedPhrase]] = {}
        self.others: list[ParsedPhrase] = []  # one word, or a stem for a second word

    def add(self, phrase: ParsedPhrase) -> None:
        if len(phrase.words) > 1 and phrase.words[1].extra == 0:
            self.by_second.setdefault(phrase.words[1].letters, []).append(phrase)
        else:
            self.others.append(phrase)

    def candidates(self, following: str | None) -> list[ParsedPhrase]:
        paired = self.by_second.get(following, []) if following is not None else []
        return self.others + paired if paired else self.others


class PhraseMatcher:
    """Finds any of a list of phrases in a normalised text. Immutable once built.

    Most phrases are found through their first word. Every first word is a key of one
    Aho-Corasick automaton, run once over the text's words joined by a separator (see
    ``Normalised.word_string``): an exact word is the key ``⟨sep⟩word⟨sep⟩``, a stem
    ``⟨sep⟩stem``, so a key is found only where a word is that word or begins with that stem,
    and the rest of a phrase is checked in place. A text costs one pass in C plus work in
    proportion to the words that do begin a phrase, however many phrases there are. Phrases in
    scripts written without spaces are keys of a second automaton run over the text itself;
    any other phrase (other punctuation, ``*`` inside a word) is a regular expression.
    """

    def __init__(self, phrases: Iterable[str], labels: Iterable[str | None] | None = None) -> None:
        """``labels``, one per phrase, say which group a phrase belongs to (a country, say)."""
        self.phrases = tuple(phrases)
        if not self.phrases:
            raise ValueError("no phrases")
        phrase_labels = tuple(labels) if labels is not None else (None,) * len(self.phrases)
        self.labels = phrase_labels
        exact: dict[str, _Bucket] = {}  # first word -> phrases
        stems: dict[str, _Bucket] = {}  # first word's stem -> phrases
        unspaced: dict[str, str | None] = {}  # phrase -> label
        other = []
        for phrase, label in zip(self.phrases, phrase_labels, strict=True):
            text = normalise_phrase(phrase)
            parsed = parse_phrase(text, len(phrase), label) if text and not is_unspaced(text) else None
            if parsed is None:
                pattern = phrase_pattern(phrase)  # raises ValueError for an empty phrase or a bare wildcard
                if is_unspaced(text):
                    unspaced.setdefault("".join(text.split()), label)
                else:
                    other.append((phrase_needle(text), re.compile(pattern), label))
                continue
            first = parsed.words[0]
            (exact if first.extra == 0 else stems).setdefault(first.letters, _Bucket()).add(parsed)
        self._word_keys, keys = _word_keys(exact, stems)
        self._words = _automaton(keys)
        # A phrase of letters outside those runs could never match inside one: left out.
        kept = [(p, label) for p, label in unspaced.items() if UNSPACED_RUN.fullmatch(p)]
        self._unspaced_labels = [label for _, label in kept]
        self._unspaced_keys = [p for p, _ in kept]
        self._unspaced = _automaton(self._unspaced_keys)
        self._regex = tuple(other)  # (a piece of text every match contains, pattern, label)

    def __getstate__(self) -> dict[str, object]:
        """Pickled without its automata, which do not pickle: their keys are rebuilt from the
        phrases they stand for, and the automata from the keys, when unpickled (a tenth of
        the time of parsing every phrase again)."""
        state = dict(self.__dict__)
        del state["_words"], state["_unspaced"]
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._words = _automaton([_key_string(key) for key in self._word_keys])
        self._unspaced = _automaton(self._unspaced_keys)

    def find(self, text: Normalised) -> list[Span]:
        """Every match, as spans of the original text."""
        spans = []
        for start, end, label in self.locate(text):
            start, end = text.span(start, end)
            spans.append(Span(start, end, text.original[start:end], label))
        return spans

    def locate(self, text: Normalised) -> list[tuple[int, int, str | None]]:
        """Every match, as (start, end, label) in the normalised text; where two overlap, the longer."""
        found = self._find_words(text)
        extra = self._find_unspaced(text)
        extra.extend(self._find_regex(text))
        return without_overlaps(found + extra) if extra else found

    def locate_labelled(self, text: Normalised) -> list[tuple[int, int, str | None]]:
        """Every match of every label, sorted: labels do not hide each other, and within one
        label the longer of two overlapping matches is kept.

        This is how one matcher serves many lists at once (every lexicon and every rule's
        phrases): "vote correctly" of one list does not hide "vote" of another.
        """
        found = self._find_words(text, every_label=True) + self._find_unspaced(text, every_label=True)
        found.extend(self._find_regex(text))
        by_label: dict[str | None, list[tuple[int, int, str | None]]] = {}
        for span in found:
            by_label.setdefault(span[2], []).append(span)
        kept = []
        for spans in by_label.values():
            kept.extend(without_overlaps(spans) if len(spans) > 1 else spans)
        return sorted(kept)

    def _find_regex(self, text: Normalised) -> list[tuple[int, int, str | None]]:
        """The phrases only a regular expression finds, each searched only in texts that hold its needle."""
        return [(m.start(), m.end(), label) for needle, pattern, label in self._regex if needle in text.text for m in pattern.finditer(text.text) if m.end() > m.start()]

    def _find_words(self, text: Normalised, every_label: bool = False) -> list[tuple[int, int, str | None]]:
        """Find where each phrase's first words stand (one pass of the automaton over the
        text's words), then check the rest of the phrase in place.

        By default matches do not overlap (the first, and longest, at a place wins); with
        ``every_label``, the longest match of each label at each place is kept.
        """
        if self._words is None:
            return []
        joined, offsets = text.word_string
        starting: dict[int, list[_Key]] = {}  # word index -> the keys found there
        keys = self._word_keys
        for number, start, _ in self._words.find_matches_as_indexes(joined, overlapping=True):
            starting.setdefault(bisect_left(offsets, start), []).append(keys[number])
        tokens = text.tokens
        found = []
        resume = 0
        for index in sorted(starting):
            if index < resume:
                continue
            best: dict[str | None, tuple[int, int, str | None]] = {}  # label (or None) -> (last token, phrase length, label)
            for _, phrases, stem in sorted(starting[index], key=_rank):  # as the phrases were written before the automaton
                if stem is not None:
                    phrases = stem.candidates(tokens[index + 1][0] if index + 1 < len(tokens) else None)
                for phrase in phrases:
                    last = phrase.matches_at(tokens, index, text.text)
                    key = phrase.label if every_label else None
                    if last is not None and (key not in best or (last, phrase.length) > best[key][:2]):
                        best[key] = (last, phrase.length, phrase.label)
            for last, _, label in best.values():
                found.append((tokens[index][1], tokens[last][2], label))
                if not every_label:
                    resume = last + 1
        return found

    def _find_unspaced(self, text: Normalised, every_label: bool = False) -> list[tuple[int, int, str | None]]:
        """Leftmost-longest matches inside runs of letters of scripts written without spaces
        (with ``every_label``: every match at every place, the caller keeps the longest per label).

        Every key is made of such letters only, so each match lies inside one run.
        """
        if self._unspaced is None:
            return []
        labels = self._unspaced_labels
        hits = self._unspaced.find_matches_as_indexes(text.text, overlapping=True)
        if every_label:
            return [(start, end, labels[key]) for key, start, end in hits]
        longest: dict[int, tuple[int, int]] = {}  # start -> (end, key) of the longest match there
        for key, start, end in hits:
            if start not in longest or end > longest[start][0]:
                longest[start] = (end, key)
        found: list[tuple[int, int, str | None]] = []
        resume = 0
        for start in sorted(longest):
            if start >= resume:
                resume, key = longest[start]
                found.append((start, resume, labels[key]))
        return found


def _automaton(keys: list[str]) -> ahocorasick_rs.AhoCorasick | None:
    """Every key found wherever it occurs, overlapping ones too (in character offsets).

    A contiguous NFA: its states packed in one array, it searches about a third faster than a
    non-contiguous one and holds no more memory; a DFA searches no faster here and takes twenty
    times the memory and six times the building.
    """
    return ahocorasick_rs.AhoCorasick(keys, implementation=ahocorasick_rs.Implementation.ContiguousNFA) if keys else None


# A key of the word automaton: its rank among the keys found at one word, the phrases it
# stands for, and for a stem the bucket that picks them by the next word.
_Key = tuple[int, list[ParsedPhrase], _Bucket | None]


def _word_keys(exact: dict[str, _Bucket], stems: dict[str, _Bucket]) -> tuple[list[_Key], list[str]]:
    """The keys of the word automaton, and what each stands for.

    ``⟨sep⟩word⟨sep⟩`` for a first word's phrases of one word or with a stem for their second;
    ``⟨sep⟩word⟨sep⟩second⟨sep⟩`` for those whose second word is exact ("if he wins" is not
    tried wherever "if" occurs); ``⟨sep⟩stem`` for a stem's. The ranks order the keys found
    at one word as the phrases were tried before (a word's, then its stems', shortest first),
    so that of two equally long matches the same one wins.
    """
    found: list[_Key] = []
    keys: list[str] = []
    for word, bucket in exact.items():
        if bucket.others:
            found.append((0, bucket.others, None))
            keys.append(f"{WORD_SEPARATOR}{word}{WORD_SEPARATOR}")
        for second, paired in bucket.by_second.items():
            found.append((1, paired, None))
            keys.append(f"{WORD_SEPARATOR}{word}{WORD_SEPARATOR}{second}{WORD_SEPARATOR}")
    for stem, bucket in stems.items():
        found.append((len(stem) + 1, [], bucket))
        keys.append(f"{WORD_SEPARATOR}{stem}")
    return found, keys


def _key_string(key: _Key) -> str:
    """The automaton's key for an entry of ``_word_keys``, from the phrases it stands for."""
    rank, phrases, stem = key
    if stem is not None:
        first = next(iter(stem.others or next(iter(stem.by_second.values()))))
        return f"{WORD_SEPARATOR}{first.words[0].letters}"
    words = phrases[0].words[: rank + 1]  # rank 0: the first word; rank 1: the first two
    return WORD_SEPARATOR + "".join(f"{word.letters}{WORD_SEPARATOR}" for word in words)


def _rank(key: _Key) -> int:
    return key[0]


def without_overlaps(spans: list[tuple[int, int, str | None]]) -> list[tuple[int, int, str | None]]:
    """Sorted spans, the longer kept where two overlap."""
    kept: list[tuple[int, int, str | None]] = []
    for span in sorted(spans, key=lambda s: (s[0], -s[1])):
        if kept and span[0] < kept[-1][1]:
            continue
        kept.append(span)
    return kept
