"""Phrase matching: normalisation, stem wildcards, word boundaries, offsets into the original text."""

from __future__ import annotations

import random
import string
import tracemalloc

import pytest

from monitor.detect.textmatch import PhraseMatcher, Span, normalise, normalise_phrase, phrase_pattern


def find(phrase: str | list[str], text: str) -> list[Span]:
    phrases = [phrase] if isinstance(phrase, str) else phrase
    return PhraseMatcher(phrases).find(normalise(text))


def quotes(phrase: str | list[str], text: str) -> list[str]:
    return [span.quote for span in find(phrase, text)]


def assert_offsets_index_original(spans: list[Span], original: str) -> None:
    for span in spans:
        assert original[span.start : span.end] == span.quote


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


def test_a_phrase_ending_in_a_hyphen_needs_it() -> None:
    """"pro-" is not "pro": the hyphen is part of the phrase (as before joined words were read from the index)."""
    assert quotes("pro-", "pro and pro- and") == ["pro-"]


def test_abbreviations_and_ampersands_join_words() -> None:
    """"U.S." and "St. Kitts & Nevis" are read from the word index: dots and ampersands as written."""
    assert quotes("U.S.", "the U.S. and the US") == ["U.S"]
    assert quotes("St. Kitts & Nevis", "St. Kitts & Nevis, St.Kitts&Nevis, St Kitts Nevis") == ["St. Kitts & Nevis", "St.Kitts&Nevis"]


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
