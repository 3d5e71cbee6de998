"""The phrase syntax: stem wildcards, bounded stems, words joined by marks, phrases that are refused."""

from __future__ import annotations

import pytest

from monitor.detect.normalisation import normalise
from monitor.detect.phrase_matcher import PhraseMatcher
from monitor.detect.phrases import phrase_pattern
from tests.detect.test_phrase_matcher import assert_offsets_index_original, find, quotes


class TestWildcards:
    @pytest.mark.parametrize("word", ["голосовать", "голосования", "голосование", "Голосовал", "ГОЛОСОВАТЬ"])
    def test_russian_stem_wildcard_matches_inflections(self, word: str) -> None:
        """``голосова*`` matches the Russian verb and noun forms built on that stem."""
        assert quotes("голосова*", f"Призыв {word} правильно.") == [word]

    def test_russian_wildcard_needs_the_stem_at_the_start_of_a_word(self) -> None:
        """A trailing ``*`` does not let the stem start inside a longer word."""
        assert quotes("голосова*", "проголосовать и голос") == []

    @pytest.mark.parametrize("word", ["прагаласаваць", "прагаласавалі", "прагаласаваўшы"])
    def test_belarusian_stem_wildcard_matches_inflections(self, word: str) -> None:
        """``правільна прагаласава*`` matches Belarusian forms, including the letter ``ў``."""
        assert quotes("правільна прагаласава*", f"Трэба правільна {word}.") == [f"правільна {word}"]

    @pytest.mark.parametrize("word", ["Lietuvos", "Lietuvą", "Lietuvai", "Lietuva", "LIETUVOJE"])
    def test_lithuanian_stem_wildcard_matches_inflections(self, word: str) -> None:
        """``Lietuv*`` matches Lithuanian case forms, including ones ending in ``ą``."""
        assert quotes("Lietuv*", f"apie {word} rinkimus") == [word]

    def test_lithuanian_decomposed_letter_matches_the_composed_one(self) -> None:
        """``ą`` written as ``a`` + combining ogonek matches, and the quote is the original spelling."""
        text = "apie Lietuva\u0328 rinkimus"
        spans = find("Lietuv*", text)
        assert [s.quote for s in spans] == ["Lietuva\u0328"]
        assert_offsets_index_original(spans, text)

    def test_wildcard_inside_a_word(self) -> None:
        """``*`` inside a word stands for any letters in the middle of it."""
        assert quotes("teisingai bals*ti", "Reikia teisingai balsuoti.") == ["teisingai balsuoti"]

    @pytest.mark.parametrize("phrase", ["*", "vote *", "** correctly", "  *  "])
    def test_a_word_that_is_only_a_wildcard_is_rejected(self, phrase: str) -> None:
        """A phrase with a word made only of ``*`` would match anything, so it is a ValueError."""
        with pytest.raises(ValueError, match="wildcard"):
            phrase_pattern(phrase)
        with pytest.raises(ValueError):
            PhraseMatcher([phrase])

    def test_an_empty_phrase_or_list_is_rejected(self) -> None:
        """An empty phrase and an empty list of phrases are ValueErrors."""
        with pytest.raises(ValueError):
            phrase_pattern("   ")
        with pytest.raises(ValueError):
            PhraseMatcher([])


class TestBoundedStems:
    @pytest.mark.parametrize("word", ["Литва", "Литвы", "Литве", "Литвой", "Литвою"])
    def test_a_bounded_stem_matches_its_inflections(self, word: str) -> None:
        """``Литв*3`` matches the stem with up to three more letters."""
        assert quotes("Литв*3", f"выборы: {word}.") == [word]

    def test_a_bounded_stem_does_not_match_longer_words(self) -> None:
        """Литвинов has four letters after the stem: no match."""
        assert quotes("Литв*3", "Литвинов сказал") == []

    def test_the_longer_of_two_stems_wins_a_word(self) -> None:
        """Where Niger's and Nigeria's stems both fit "Нигерии", Nigeria's (the longer) takes it."""
        found = PhraseMatcher(["Нигер*3", "Нигери*3"], ["NE", "NG"]).find(normalise("в Нигерии и в Нигере"))
        assert [(s.quote, s.label) for s in found] == [("Нигерии", "NG"), ("Нигере", "NE")]

    def test_a_bound_of_zero_letters_is_not_a_wildcard_only_word(self) -> None:
        with pytest.raises(ValueError, match="wildcard"):
            PhraseMatcher(["*3"])


class TestJoinedWords:
    @pytest.mark.parametrize("text", ["Guinea-Bissau", "Guinea\u2013Bissau"])
    def test_words_joined_by_a_hyphen_match_through_the_word_index(self, text: str) -> None:
        """A hyphen (or a dash) between two words of a phrase must be there in the text, and only it."""
        assert quotes("Guinea-Bissau", f"in {text} today") == [text]
        assert quotes("Guinea-Bissau", "Guinea Bissau") == []

    def test_an_apostrophe_joins_words(self) -> None:
        assert quotes("Côte d'Ivoire", "in Côte d’Ivoire, and Cote d'Ivoire") == ["Côte d’Ivoire"]

    def test_each_part_of_a_joined_name_may_be_a_stem(self) -> None:
        assert quotes("Гвине*3-Бисау", "выборы в Гвинее-Бисау") == ["Гвинее-Бисау"]


def test_a_phrase_ending_in_a_hyphen_needs_it() -> None:
    """"pro-" is not "pro": the hyphen is part of the phrase (as before joined words were read from the index)."""
    assert quotes("pro-", "pro and pro- and") == ["pro-"]


def test_abbreviations_and_ampersands_join_words() -> None:
    """"U.S." and "St. Kitts & Nevis" are read from the word index: dots and ampersands as written."""
    assert quotes("U.S.", "the U.S. and the US") == ["U.S"]
    assert quotes("St. Kitts & Nevis", "St. Kitts & Nevis, St.Kitts&Nevis, St Kitts Nevis") == ["St. Kitts & Nevis", "St.Kitts&Nevis"]
