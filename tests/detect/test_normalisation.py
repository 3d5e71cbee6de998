"""Normalisation: case, typography and invisible characters do not stop a match; offsets index the original text."""

from __future__ import annotations

import random
import unicodedata

import pytest

from monitor.detect.normalisation import (
    _CAREFUL,
    _ONE_TO_ONE,
    _normalise_cluster,
    _one_alphabet,
    normalise,
    normalise_phrase,
)
from tests.detect.test_phrase_matcher import assert_offsets_index_original, find, quotes


class TestNormalisation:
    def test_case_is_folded(self) -> None:
        """Upper, lower and mixed case of a phrase all match, and the quote keeps the original case."""
        assert quotes("vote correctly", "VOTE CORRECTLY, Vote Correctly, vote correctly") == [
            "VOTE CORRECTLY",
            "Vote Correctly",
            "vote correctly",
        ]

    def test_cyrillic_case_is_folded(self) -> None:
        """Cyrillic capitals match lower-case phrases."""
        assert quotes("правильный выбор", "Сделайте ПРАВИЛЬНЫЙ Выбор!") == ["ПРАВИЛЬНЫЙ Выбор"]

    def test_yo_and_ye_are_the_same_letter(self) -> None:
        """``ё`` and ``е`` are interchangeable on both sides, in either case."""
        assert quotes("ещё раз", "Ещё раз и еще раз, ЕЩЁ РАЗ") == ["Ещё раз", "еще раз", "ЕЩЁ РАЗ"]
        assert quotes("еще раз", "ещё раз") == ["ещё раз"]

    def test_typographic_double_quotes_are_one_kind(self) -> None:
        """Guillemets and curly double quotes in the text match straight quotes in the phrase."""
        text = "a «reset» b, a “reset” c, a „reset“ d"
        assert quotes('"reset"', text) == ["«reset»", "“reset”", "„reset“"]

    def test_typographic_apostrophes_are_one_kind(self) -> None:
        """A curly apostrophe in the text matches a straight one in the phrase, and the reverse."""
        assert quotes("it's time", "It’s time to choose") == ["It’s time"]
        assert quotes("it’s time", "it's time") == ["it's time"]

    def test_acute_accent_used_as_apostrophe_matches_an_apostrophe(self) -> None:
        """``´`` used as an apostrophe (it is in the quote map) matches ``'``."""
        assert quotes("don't vote", "Don´t vote for them") == ["Don´t vote"]

    @pytest.mark.parametrize("dash", ["-", "\u2010", "\u2011", "\u2013", "\u2014", "\u2212"])
    def test_dashes_are_one_kind(self, dash: str) -> None:
        """Hyphen, non-breaking hyphen, en dash, em dash and minus sign all match a plain hyphen."""
        text = f"a so-called state{dash}coup"
        assert quotes("state-coup", text) == [f"state{dash}coup"]

    def test_soft_hyphen_inside_a_word_still_matches(self) -> None:
        """A soft hyphen (and zero-width characters) inside a word are ignored for matching."""
        text = "to vote cor\u00adrect\u200bly today"
        spans = find("vote correctly", text)
        assert [s.quote for s in spans] == ["vote cor\u00adrect\u200bly"]
        assert_offsets_index_original(spans, text)

    def test_any_whitespace_counts_as_one_space(self) -> None:
        """Non-breaking spaces, tabs and runs of spaces between the words of a phrase still match."""
        assert quotes("vote correctly", "vote\u00a0correctly; vote\t \tcorrectly") == [
            "vote\u00a0correctly",
            "vote\t \tcorrectly",
        ]

    def test_a_phrase_matches_across_a_line_break(self) -> None:
        """A phrase split over two lines (LF or CRLF) is one match whose quote keeps the line break."""
        text = "step back from the edge\nof the abyss; step back from the edge\r\nof the abyss"
        assert quotes("edge of the abyss", text) == ["edge\nof the abyss", "edge\r\nof the abyss"]

    def test_phrases_are_normalised_like_texts(self) -> None:
        """A phrase is normalised with the same rules as the text it is matched against."""
        assert normalise_phrase("  Ещё   «РАЗ» — Straße ").split() == ["еще", '"раз"', "-", "strasse"]


class TestOffsets:
    @pytest.mark.parametrize(
        "prefix",
        [
            "Straße, ",  # ß folds to two letters
            "cor\u00adrect\u00ad ",  # soft hyphens are dropped
            "cafe\u0301 ",  # e + combining accent composes to one letter
            "ﬁnal ½ ",  # compatibility characters expand
            "İstanbul ",  # İ folds to i + combining dot
            "Ёлка \u200b\u200b ",  # ё mapped, zero-width spaces dropped
        ],
    )
    def test_offsets_index_the_original_after_length_changes(self, prefix: str) -> None:
        """``original[start:end]`` equals the quote even when normalisation changed lengths earlier in the text."""
        text = prefix + "they must vote correctly now"
        spans = find("vote correctly", text)
        assert len(spans) == 1
        assert spans[0].quote == "vote correctly"
        assert text[spans[0].start : spans[0].end] == "vote correctly"
        assert spans[0].start == len(prefix) + len("they must ")

    def test_offsets_of_several_matches(self) -> None:
        """Every match in a text with mixed scripts and typography maps back to its own original slice."""
        text = "Straße — «Голосуйте ПРАВИЛЬНО»!\nВы должны пра\u00adвильно\r\nпроголосовать; Lietuvą."
        spans = find(["правильно", "правильно проголосова*", "Lietuv*"], text)
        assert [s.quote for s in spans] == ["ПРАВИЛЬНО", "пра\u00adвильно\r\nпроголосовать", "Lietuvą"]
        assert_offsets_index_original(spans, text)

    def test_a_quote_starting_with_an_expanded_character(self) -> None:
        """A match that begins with a character that normalisation expanded quotes that whole character."""
        text = "die Straße ist"
        spans = find("strasse", text)
        assert [(s.start, s.end, s.quote) for s in spans] == [(4, 10, "Straße")]

    def test_normalised_text_maps_every_character(self) -> None:
        """The normalised text keeps one (start, end) origin per character, inside the original."""
        text = "Ёж\u00ad ß «x»"
        norm = normalise(text)
        assert norm.text == 'еж ss "x"'
        assert len(norm.starts) == len(norm.ends) == len(norm.text)
        assert all(0 <= s < e <= len(text) for s, e in zip(norm.starts, norm.ends, strict=True))


def test_line_breaks_survive_normalisation_so_a_headline_is_a_sentence_of_its_own() -> None:
    """Other white space becomes a space, but a line break stays, and ends a sentence."""
    for text in ("Vote\ncorrectly\tnow", "Vote\r\ncorrectly\u00a0now", "Vote\u2028correctly now\u0301"):
        normalised = normalise(text)
        assert "\n" in normalised.text and "\t" not in normalised.text
        assert normalised.sentence_index(0) != normalised.sentence_index(len(normalised.text) - 1)


def _character_by_character(text: str) -> tuple[str, tuple[int, ...], tuple[int, ...]]:
    """Normalisation as it was done before runs of plain characters were taken at once: every
    character with its combining marks, one by one (what ``normalise`` must still give)."""
    pieces, starts, ends = [], [], []
    i = 0
    while i < len(text):
        j = i + 1
        while j < len(text) and unicodedata.combining(text[j]):
            j += 1
        piece = _normalise_cluster(text[i:j])
        pieces.append(piece)
        starts.extend([i] * len(piece))
        ends.extend([j] * len(piece))
        i = j
    return _one_alphabet("".join(pieces)), tuple(starts), tuple(ends)


class TestPlainRuns:
    """Runs of characters that need no care are folded at once; the rest one by one, as before."""

    def test_every_character_outside_the_careful_set_is_folded_alone(self) -> None:
        """Every code point _CAREFUL leaves out is no combining mark and normalises to what
        folding and the one-to-one table give it: a run of them can be taken at once."""
        wrong = []
        for code in range(0x110000):
            char = chr(code)
            if 0xD800 <= code <= 0xDFFF or _CAREFUL.match(char):
                continue
            folded = char.casefold()
            if unicodedata.combining(char) or len(folded) != 1 or _normalise_cluster(char) != folded.translate(_ONE_TO_ONE):
                wrong.append(hex(code))
        assert wrong == []

    @pytest.mark.parametrize(
        "text",
        [
            "Straße\u00a0in Köln – «Wahl»",
            "e\u0301te\u0301 ne\u0301 a\u0300 Paris\u00a0!",
            "\u0301leading mark, then text",
            "ﬁnal ﬂag İstanbul ŉ ǰ ΐ",
            "Выборы\u00a0в\u202fМолдове\u2009— «голосуй»\u00adправильно",
            "हिन्दी में चुनाव\u00a0और मतदान",
            "Ogham\u1680space and \u3000ideographic　space",
            "plain text only, no care at all",
            "",
            "\u0301",
            "a\u0301\u0302\u0303b",
        ],
    )
    def test_the_text_and_its_offsets_are_as_character_by_character(self, text: str) -> None:
        normalised = normalise(text)
        expected = _character_by_character(text)
        if normalised.starts is None:  # taken by the fast path: one character for one
            assert normalised.text == expected[0] and expected[1] == tuple(range(len(text)))
        else:
            assert (normalised.text, normalised.starts, normalised.ends) == expected

    def test_random_mixtures_are_as_character_by_character(self) -> None:
        rng = random.Random(3)
        alphabet = "aeoßİﬁ \u00a0\u2009\n\t–«»\u00ad\u200b\u0301\u0308ёЁнатоНАТO\u1680ि्कसáé½Ⅻ①"
        for _ in range(2000):
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
            normalised = normalise(text)
            if normalised.starts is not None:
                assert (normalised.text, normalised.starts, normalised.ends) == _character_by_character(text), repr(text)
