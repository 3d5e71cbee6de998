"""The phrase matcher as it was before its automaton: the reference the automaton must agree with.

It finds the first words of phrases by intersecting them with the text's distinct words, and
stems by cutting each distinct word's beginnings; kept here, unchanged but for its name, so that
tests/detect/test_phrase_matcher_equivalence.py can show that the matcher finds exactly what
this one finds, span for span and label for label.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from monitor.detect.normalisation import Normalised, normalise_phrase
from monitor.detect.phrase_matcher import without_overlaps
from monitor.detect.phrases import UNSPACED_RUN, ParsedPhrase, is_unspaced, parse_phrase, phrase_needle, phrase_pattern


class _Bucket:
    """The phrases that share a first word, those with an exact second word indexed by it:
    "if he wins", "if she wins" … are not all tried wherever "if" occurs."""

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


class ReferenceMatcher:
    """Finds any of a list of phrases in a normalised text. Immutable once built.

    Most phrases are found through their first word: the first words of all phrases are
    intersected with the text's words, and each distinct word's beginnings of the lengths of the
    phrases' stems are looked up, so that thousands of phrases cost little more than a few; phrases in scripts written without spaces are found by a scan of the runs of letters
    that hold such a script; any other phrase (other punctuation, ``*`` inside a word) is a
    regular expression.
    """

    def __init__(self, phrases: Iterable[str], labels: Iterable[str | None] | None = None) -> None:
        """``labels``, one per phrase, say which group a phrase belongs to (a country, say)."""
        self.phrases = tuple(phrases)
        if not self.phrases:
            raise ValueError("no phrases")
        phrase_labels = tuple(labels) if labels is not None else (None,) * len(self.phrases)
        self._exact: dict[str, _Bucket] = {}  # first word -> phrases
        self._stems: dict[str, _Bucket] = {}  # first word's stem -> phrases
        self._unspaced: dict[str, str | None] = {}  # phrase -> label
        other = []
        for phrase, label in zip(self.phrases, phrase_labels, strict=True):
            text = normalise_phrase(phrase)
            parsed = parse_phrase(text, len(phrase), label) if text and not is_unspaced(text) else None
            if parsed is None:
                pattern = phrase_pattern(phrase)  # raises ValueError for an empty phrase or a bare wildcard
                if is_unspaced(text):
                    self._unspaced.setdefault("".join(text.split()), label)
                else:
                    other.append((phrase_needle(text), re.compile(pattern), label))
                continue
            first = parsed.words[0]
            (self._exact if first.extra == 0 else self._stems).setdefault(first.letters, _Bucket()).add(parsed)
        self._unspaced_lengths = sorted({len(p) for p in self._unspaced}, reverse=True)
        self._stem_lengths = tuple(sorted({len(s) for s in self._stems}))
        self._regex = tuple(other)  # (a piece of text every match contains, pattern, label)

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
        return sorted(span for spans in by_label.values() for span in without_overlaps(spans))

    def _find_regex(self, text: Normalised) -> list[tuple[int, int, str | None]]:
        """The phrases only a regular expression finds, each searched only in texts that hold its needle."""
        return [(m.start(), m.end(), label) for needle, pattern, label in self._regex if needle in text.text for m in pattern.finditer(text.text) if m.end() > m.start()]

    def _starting(self, text: Normalised) -> dict[int, list[_Bucket]]:
        """Word index -> the buckets of phrases whose first word fits the word there.

        The phrases' first words are intersected with the text's words (the rest of a phrase is
        checked in place); stems are looked up below.
        """
        starting: dict[int, list[_Bucket]] = {}
        words = text.words_at
        # A set intersection runs in C: only the first words the text has are looked at.
        found = [(self._exact[w], words[w]) for w in self._exact.keys() & words.keys()]
        found += self._stems_found(words)
        for bucket, positions in found:
            for position in positions:
                starting.setdefault(position, []).append(bucket)
        return starting

    def _stems_found(self, words: dict[str, list[int]]) -> list[tuple[_Bucket, list[int]]]:
        """The stems that begin each distinct word of the text, with the word's positions.

        Only the beginnings as long as this matcher's stems are cut from a word, and none is
        kept: a text's cost stays linear in its length however long its words (an index of
        every beginning of every word grows with the square of a word's length).
        """
        found: list[tuple[_Bucket, list[int]]] = []
        if not self._stem_lengths:
            return found
        stems, lengths = self._stems, self._stem_lengths
        for word, positions in words.items():
            for length in lengths:
                if length > len(word):
                    break
                bucket = stems.get(word[:length])
                if bucket is not None:
                    found.append((bucket, positions))
        return found

    def _find_words(self, text: Normalised, every_label: bool = False) -> list[tuple[int, int, str | None]]:
        """Find where each phrase's first word stands, then check the rest of the phrase in place.

        By default matches do not overlap (the first, and longest, at a place wins); with
        ``every_label``, the longest match of each label at each place is kept.
        """
        starting = self._starting(text)
        tokens = text.tokens
        found = []
        resume = 0
        for index in sorted(starting):
            if index < resume:
                continue
            best: dict[str | None, tuple[int, int, str | None]] = {}  # label (or None) -> (last token, phrase length, label)
            following = tokens[index + 1][0] if index + 1 < len(tokens) else None
            for phrase in (p for bucket in starting[index] for p in bucket.candidates(following)):
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
        (with ``every_label``: every match at every place, the caller keeps the longest per label)."""
        found: list[tuple[int, int, str | None]] = []
        if not self._unspaced:
            return found
        for run in UNSPACED_RUN.finditer(text.text):
            word, start = run.group(), run.start()
            i = 0
            while i < len(word):
                step = 1
                for length in self._unspaced_lengths:
                    piece = word[i : i + length]
                    if len(piece) == length and piece in self._unspaced:
                        found.append((start + i, start + i + length, self._unspaced[piece]))
                        if not every_label:
                            step = length
                            break
                i += step
        return found

