"""Phrase matching: word boundaries, the longest match, scripts written without spaces, a cost linear in the text."""

from __future__ import annotations

import random
import string
import tracemalloc

import pytest

from monitor.detect.normalisation import normalise
from monitor.detect.phrase_matcher import PhraseMatcher, Span


def find(phrase: str | list[str], text: str) -> list[Span]:
    phrases = [phrase] if isinstance(phrase, str) else phrase
    return PhraseMatcher(phrases).find(normalise(text))


def quotes(phrase: str | list[str], text: str) -> list[str]:
    return [span.quote for span in find(phrase, text)]


def assert_offsets_index_original(spans: list[Span], original: str) -> None:
    for span in spans:
        assert original[span.start : span.end] == span.quote


class TestWordBoundaries:
    def test_latin_word_is_not_found_inside_another(self) -> None:
        """``vote`` does not match inside ``devoted`` or ``voters``, only as a word of its own."""
        assert quotes("vote", "devoted voters vote") == ["vote"]

    def test_cyrillic_word_is_not_found_inside_another(self) -> None:
        """``мир`` does not match inside ``мировой`` or ``перемирие`` (Unicode word boundaries)."""
        assert quotes("мир", "мировой порядок, перемирие, мир.") == ["мир"]

    def test_punctuation_is_a_boundary(self) -> None:
        """Punctuation and line ends next to a word are word boundaries."""
        assert quotes("vote", "(vote), vote.\nvote") == ["vote", "vote", "vote"]

    def test_a_combining_stress_mark_does_not_end_a_word(self) -> None:
        """A stress accent (U+0301) inside a word keeps it one word: a whole-word phrase does not match its prefix."""
        assert quotes("голосова", "надо голосова\u0301ть") == []

    def test_longer_phrase_wins_at_the_same_position(self) -> None:
        """With ``vote`` and ``vote correctly`` both listed, the longer one is reported once."""
        assert quotes(["vote", "vote correctly"], "please vote correctly") == ["vote correctly"]


class TestUnspacedScripts:
    def test_a_chinese_name_matches_inside_a_run_of_characters(self) -> None:
        """Chinese is written without spaces: 台湾 is found inside 台湾地区领导人."""
        assert quotes("台湾", "台湾地区领导人选举") == ["台湾"]

    def test_the_longest_name_at_a_place_wins(self) -> None:
        """印度尼西亚 (Indonesia) is not read as 印度 (India) followed by other characters."""
        found = PhraseMatcher(["印度", "印度尼西亚"], ["IN", "ID"]).find(normalise("印度尼西亚总统和印度总理"))
        assert [(s.quote, s.label) for s in found] == [("印度尼西亚", "ID"), ("印度", "IN")]

    def test_offsets_point_into_the_original(self) -> None:
        text = "声明：台灣選舉"
        spans = find("台灣", text)
        assert [s.quote for s in spans] == ["台灣"]
        assert_offsets_index_original(spans, text)

    def test_no_wildcard_in_an_unspaced_script(self) -> None:
        with pytest.raises(ValueError, match="no wildcard"):
            PhraseMatcher(["台*"])

    @pytest.mark.parametrize(("phrase", "text"), [("កម្ពុជា", "ការបោះឆ្នោតនៅកម្ពុជាឆ្នាំនេះ"), ("မြန်မာ", "မြန်မာနိုင်ငံ ရွေးကောက်ပွဲ")])
    def test_scripts_whose_vowels_are_marks_match_too(self, phrase: str, text: str) -> None:
        """Khmer and Burmese vowel signs are combining marks: they do not break a run of letters."""
        assert quotes(phrase, text) == [phrase]


def test_words_with_vowel_signs_are_whole_words() -> None:
    """Hindi vowel signs are marks: भारतीय is one word, matched whole."""
    assert quotes("भारतीय", "भारतीय चुनाव आयोग") == ["भारतीय"]


class TestBoundedCost:
    """A hostile text (giant or countless long words) costs memory in proportion to its length."""

    @staticmethod
    def peak_bytes_per_character(text: str) -> float:
        matcher = PhraseMatcher(["vote correctly", "голосова*", "Lithuan*3", "election*"])
        tracemalloc.start()
        try:
            spans = matcher.find(normalise(text))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert [s.quote for s in spans] == ["vote correctly"]
        return peak / len(text)

    def test_one_giant_word_costs_linear_memory(self) -> None:
        word = "".join(random.Random(1).choices(string.ascii_lowercase, k=100_000))
        assert self.peak_bytes_per_character(f"They must vote correctly. {word} end") < 20

    def test_many_distinct_long_words_cost_linear_memory(self) -> None:
        """No index of every beginning of every word: 40-letter words cost no more than short ones."""
        rng = random.Random(2)
        words = ["".join(rng.choices(string.ascii_lowercase, k=40)) for _ in range(5_000)]
        assert self.peak_bytes_per_character("They must vote correctly. " + " ".join(words)) < 40

    def test_stems_still_match_words_of_any_length(self) -> None:
        assert quotes("election*", "elections and electioneering") == ["elections", "electioneering"]
        assert quotes("abc*", "abc" + "d" * 5_000)[0] == "abc" + "d" * 5_000
        assert quotes("a" * 60 + "*", "a" * 59 + " " + "a" * 61) == ["a" * 61]
