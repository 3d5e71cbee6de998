"""Each construct of the rule language, evaluated on small texts with a known context."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml
from pydantic import TypeAdapter, ValidationError

from monitor.cli.main import main
from monitor.detect.article_context import build_context
from monitor.detect.countries import Gazetteer
from monitor.detect.document import Document, prepare
from monitor.detect.elections import ElectionCalendar
from monitor.detect.rules.conditions import Condition, ConditionResult, Count, Memo, Terms, compile_condition
from monitor.detect.rules.loader import lexicon_for, load_rules
from monitor.detect.rules.safety import check_pattern
from monitor.detect.rules.schema import ConditionSpec
from monitor.errors import RuleError
from monitor.models import Context, Election, ElectionType, Field, Source, SourceKind
from testbed.settings import make_settings

GAZETTEER = Gazetteer(
    {"LT": ("Lithuania", "Lithuanian*", "Vilnius", "Литв*"), "BY": ("Belarus*", "Minsk"), "CN": ("China", "Chinese")},
    {"LT": "Lithuania", "BY": "Belarus", "CN": "China"},
)
CALENDAR = ElectionCalendar(
    [
        Election("LT", ElectionType.PARLIAMENTARY, date(2024, 10, 13), "Seimas election, first round", "held"),
        Election("LT", ElectionType.RUNOFF, date(2024, 10, 27), "Seimas election, runoffs", "held"),
        Election("BY", ElectionType.PRESIDENTIAL, date(2025, 1, 26), "Presidential election", "held"),
    ]
)


def evaluate(condition_yaml: str, text: str, title: str = "", published: date = date(2024, 9, 25), kind: str = "official", country: str = "BY", source_id: str = "by-mfa", language: str | None = "en") -> ConditionResult:
    spec = TypeAdapter(ConditionSpec).validate_python(yaml.safe_load(condition_yaml))
    document = prepare(title, text)
    source = Source(id=source_id, name="s", url="https://example.invalid/", kind=SourceKind(kind), country=country)
    context = build_context(document, source, datetime(published.year, published.month, published.day, 12, tzinfo=UTC), GAZETTEER, CALENDAR, language)
    context = replace(context, concepts=lexicon_for([], [spec]).scan(document, language))
    return compile_condition(spec).evaluate(document, context)


class TestProximity:
    RULE = "proximity: {terms: [[vote*, choose], [correct*, right]], within: 3}"

    def test_terms_close_together_in_one_sentence_match_with_the_whole_stretch_quoted(self) -> None:
        """One term of each group within N words gives one piece of evidence spanning them."""
        outcome = evaluate(self.RULE, "We urge you to vote correctly on Sunday.")
        assert outcome.matched and [e.quote for e in outcome.evidence] == ["vote correctly"]

    def test_terms_too_far_apart_do_not_match(self) -> None:
        """More than N words between the terms is no match."""
        assert not evaluate(self.RULE, "Vote on Sunday, the weather will be fine and correct.").matched

    def test_terms_in_different_sentences_do_not_match(self) -> None:
        """With sentence: true (the default) the terms must share a sentence."""
        assert not evaluate(self.RULE, "Go and vote. Correct answers win.").matched
        assert evaluate(self.RULE.replace("within: 3", "within: 3, sentence: false"), "Go and vote. Correct answers win.").matched


class TestCount:
    def test_at_least_k_distinct_phrases(self) -> None:
        """Two different benefits match; the same benefit in two inflections counts once."""
        rule = "count: {phrases: [перезагрузк*, транзит*, АЭС], at_least: 2}"
        assert evaluate(rule, "Перезагрузка отношений и транзит грузов.", language="ru").matched
        assert not evaluate(rule, "Перезагрузка. Снова о перезагрузке.", language="ru").matched

    def test_at_least_more_than_the_list_is_refused(self) -> None:
        """A count that can never be reached is a rule error."""
        with pytest.raises(ValidationError, match="only 1 phrases"):
            TypeAdapter(ConditionSpec).validate_python({"count": {"phrases": ["a"], "at_least": 2}})


class TestCombinations:
    def test_at_least_k_of(self) -> None:
        """`at_least: 2` with `of` holds when two of the conditions hold."""
        rule = "{at_least: 2, of: [{phrases: [reset]}, {phrases: [transit]}, {phrases: [pensions]}]}"
        assert evaluate(rule, "A reset, and transit.").matched
        assert not evaluate(rule, "A reset only.").matched

    def test_not_and_any(self) -> None:
        """`not` inverts; `any` needs one."""
        assert evaluate("{not: {phrases: [reset]}}", "Nothing here.").matched
        assert evaluate("{any: [{phrases: [reset]}, {phrases: [transit]}]}", "transit").matched


class TestContext:
    def test_language_source_id_country_and_kind(self) -> None:
        """Context conditions read the text's language and the source's id, country and kind."""
        assert evaluate("language: [ru, be]", "text", language="ru").matched
        assert not evaluate("language: [ru, be]", "text", language="lt").matched
        assert evaluate("source_id: [by-mfa]", "text").matched
        assert evaluate("source_country: [BY]", "text").matched
        assert not evaluate("source_kind: [news]", "text").matched

    def test_the_lead_is_the_first_paragraph(self) -> None:
        """`fields: [lead]` looks only at the first paragraph; offsets index the text."""
        text = "Lithuanians! We address you today.\nLater paragraphs say Lithuanians again."
        outcome = evaluate("{phrases: [lithuanians], fields: [lead]}", text)
        assert [(e.start, e.end, e.field) for e in outcome.evidence] == [(0, 11, Field.LEAD)]
        assert text[0:11] == "Lithuanians"

    def test_the_window_opens_for_a_country_the_text_is_about_not_one_named_in_passing(self) -> None:
        """A single passing mention of Lithuania in a text about China does not open Lithuania's window."""
        window = "election_window: {before: 60}"
        about_lithuania = "Minister on Lithuania: Vilnius must change course. Lithuania has lost a great deal."
        passing = "China and Belarus signed trade deals. China will buy potash. Chinese investors came; China grows. Lithuania was not discussed."
        assert evaluate(window, about_lithuania).matched
        assert not evaluate(window, passing).matched
        assert evaluate(window.replace("before: 60", "before: 60, mentions: any"), passing).matched

    def test_foreign_excludes_the_speakers_own_election(self) -> None:
        """By default the election must be in another country than the source's."""
        assert not evaluate("election_window: {before: 60}", "Lithuania votes soon.", country="LT").matched
        assert evaluate("election_window: {before: 60, foreign: false}", "Lithuania votes soon.", country="LT").matched

    def test_between_rounds(self) -> None:
        """`between_rounds` holds after a first round and before the runoff of the same country."""
        rule = "election_window: {before: 30, after: 30, between_rounds: true}"
        assert evaluate(rule, "Lithuania votes again.", published=date(2024, 10, 20)).matched
        assert not evaluate(rule, "Lithuania votes again.", published=date(2024, 10, 1)).matched
        outcome = evaluate(rule, "Lithuania votes again.", published=date(2024, 10, 20))
        assert [n.election.type for n in outcome.elections] == [ElectionType.RUNOFF]


class TestSafePatterns:
    def test_a_catastrophic_pattern_is_refused_at_load_with_its_location(self, tmp_path: Path) -> None:
        """A nested quantifier like (a+)+ is a rule error naming the file, line and key."""
        rules = tmp_path / "rules"
        rules.mkdir()
        (rules / "bad.yaml").write_text(
            "rules:\n  - id: r\n    title: t\n    severity: low\n    weight: 1\n    match:\n      regex: '(\\w+\\s?)+$'\n"
            "    examples: {match: [{text: a}], no_match: [{text: b}]}\n",
            encoding="utf-8",
        )
        with pytest.raises(RuleError) as caught:
            load_rules(rules)
        (problem,) = caught.value.problems
        assert (problem.location, problem.line) == ("rules[0].match.regex", 7)
        assert "backtrack" in problem.message

    def test_a_slow_pattern_that_passes_the_check_is_bounded_by_a_time_limit(self) -> None:
        """A pattern the check lets through still returns on a hostile text: no match, not a stall."""
        slow = r"regex: '^(?:\w*){1,10}$'"  # a repetition bounded at ten passes the check, yet backtracks polynomially
        outcome = evaluate(slow, "a" * 60 + "!")
        assert not outcome.matched

    @pytest.mark.parametrize(
        "pattern",
        [
            r"(a|aa)+$",  # one alternative matches a prefix of another
            r"(a|a)*$",  # the same alternative twice (the case the docstring promised)
            r"(ab|a)*$",
            r"(a|A)+$",  # the same letter once case is ignored
            r"(\w|[0-9])+$",  # overlapping classes: re's parser would merge them into one set, the regex module does not
            r"(?:\p{L}|é)+$",
            r"(?:x(?:a|aa))*$",  # an ambiguous alternation deeper inside the repeated group
            r"((a+))+$",  # a nested quantifier through two groups
            r"(?:(?:\w+)\s?)+$",
            r"(a+){1,50}$",  # a large bound is as bad as none
            r"(a?a?)*$",  # a repeated part that can match empty text
            r"(a|)+$",
        ],
    )
    def test_every_ambiguous_repetition_is_refused_with_file_and_line(self, pattern: str, tmp_path: Path) -> None:
        """Ambiguous alternations, nested quantifiers and empty matches under a repetition: a rule error at the regex's line."""
        with pytest.raises(RuleError) as caught:
            load_rules(_rule_dir(tmp_path, [pattern]))
        (problem,) = caught.value.problems
        assert (problem.location, problem.line) == ("rules[0].match.regex", 7)
        assert "backtrack catastrophically" in problem.message

    def test_rules_check_lists_each_refused_pattern_with_file_and_line(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """`monitor rules check` exits 2 and names the file, line and key of each of (a|aa)+$, ((a+))+$ and (a|a)*$."""
        rules = _rule_dir(tmp_path, [r"(a|aa)+$", r"((a+))+$", r"(a|a)*$"])
        assert main(["rules", "check"], settings=make_settings(tmp_path, rules_dir=rules)) == 2
        err = capsys.readouterr().err
        for index, line in enumerate((7, 16, 25)):
            assert f"{rules / 'bad.yaml'}:{line}: rules[{index}].match.regex: " in err

    @pytest.mark.parametrize(
        "pattern",
        [
            r"(a|b)*$",
            r"(?:ab|cd)+",
            r"(?:\d|\s)*",
            r"(?:\p{Georgian}|\p{Armenian})+",
            r"\p{Georgian}{4}",
            r"(?:\w+\s+){0,2}\w",  # bounded: a few words between two terms
            r"[[a-z]--[aeiou]]+",  # a set difference of the regex module
            r"(?>a|aa)+$",  # atomic and possessive forms give nothing back
            r"(?:a++)+$",
            r"(?:-?\d)+",
        ],
    )
    def test_unambiguous_repetitions_pass(self, pattern: str) -> None:
        """Alternatives that start differently, bounded repetitions and atomic forms pass the check."""
        check_pattern(pattern)

    def test_every_shipped_pattern_passes(self) -> None:
        """The shipped rule pack (every regex in rules/*.yaml) passes the check."""
        root = Path(__file__).resolve().parents[3]
        patterns = [m for path in sorted((root / "rules").glob("*.yaml")) for m in _regexes(yaml.safe_load(path.read_text(encoding="utf-8")))]
        assert len(patterns) >= 4
        for pattern in patterns:
            check_pattern(pattern)


def _rule_dir(tmp_path: Path, patterns: list[str]) -> Path:
    """A rules directory with one file, bad.yaml: one rule per pattern, each regex on line 7 of its nine-line rule."""
    rules = tmp_path / "rules"
    rules.mkdir()
    text = "rules:\n" + "".join(
        f"  - id: r{index}\n    title: t\n    severity: low\n    weight: 1\n    match:\n      regex: '{pattern}'\n"
        "    examples:\n      match: [{text: a}]\n      no_match: [{text: b}]\n"
        for index, pattern in enumerate(patterns)
    )
    (rules / "bad.yaml").write_text(text, encoding="utf-8")
    return rules


def _regexes(data: object) -> list[str]:
    if isinstance(data, dict):
        own = [data["regex"]] if isinstance(data.get("regex"), str) else []
        return own + [r for value in data.values() for r in _regexes(value)]
    if isinstance(data, list):
        return [r for value in data for r in _regexes(value)]
    return []


class TestLookAlikes:
    def test_latin_letters_inside_a_cyrillic_word_are_read_as_cyrillic(self) -> None:
        """«НАТO» with a Latin O, and «Cтавка» with a Latin C, match Cyrillic phrases; quotes keep the original."""
        outcome = evaluate("phrases: [нато, ставк*]", "Cтавка на НАТO.", language="ru")
        assert [e.quote for e in outcome.evidence] == ["Cтавка", "НАТO"]


def read_with(conditions_yaml: list[str], text: str, language: str = "en") -> tuple[Document, Context, list[Condition]]:
    """A text read by the lists of several conditions at once (as a pack's lexicon reads it), and the conditions."""
    specs = [TypeAdapter(ConditionSpec).validate_python(yaml.safe_load(c)) for c in conditions_yaml]
    document = prepare("", text)
    source = Source(id="by-mfa", name="s", url="https://example.invalid/", kind=SourceKind.OFFICIAL, country="BY")
    context = build_context(document, source, datetime(2024, 9, 25, 12, tzinfo=UTC), GAZETTEER, CALENDAR, language)
    return document, replace(context, concepts=lexicon_for([], specs).scan(document, language)), [compile_condition(s) for s in specs]


class TestMemo:
    """Conditions that come to the same thing on a text are worked out once per text, with the
    outcome each would have alone."""

    @staticmethod
    def shared(conditions_yaml: list[str], text: str) -> tuple[list[ConditionResult], Memo]:
        document, context, conditions = read_with(conditions_yaml, text)
        memo = Memo()
        outcomes = [c.evaluate(document, context, memo) for c in conditions]
        assert outcomes == [c.evaluate(document, context) for c in conditions]
        return outcomes, memo

    def test_phrase_lists_that_differ_only_by_phrases_the_text_lacks_are_worked_out_once(self) -> None:
        outcomes, memo = self.shared(["phrases: [vote correctly, qzcopy1]", "phrases: [vote correctly, qzcopy2]"], "We urge you to vote correctly.")
        assert outcomes[0].matched and len(memo.outcomes) == 1

    def test_lists_found_in_different_places_are_kept_apart(self) -> None:
        outcomes, memo = self.shared(["phrases: [vote correctly]", "phrases: [vote wisely]"], "Vote correctly, they say, and then vote wisely.")
        assert [e.quote for o in outcomes for e in o.evidence] == ["Vote correctly", "vote wisely"] and len(memo.outcomes) == 2

    def test_proximity_groups_that_differ_only_by_absent_terms_are_worked_out_once(self) -> None:
        outcomes, memo = self.shared(
            ["proximity: {terms: [[vote, qzcopy1], [correct*]], within: 3}", "proximity: {terms: [[vote, qzcopy2], [correct*]], within: 3}", "proximity: {terms: [[vote], [correct*]], within: 1}"],
            "You must vote so correctly.",
        )
        assert [o.matched for o in outcomes] == [True, True, False] and len(memo.outcomes) == 2

    def test_the_same_regex_of_two_rules_runs_once(self) -> None:
        outcomes, memo = self.shared(["regex: 'vot\\w+'", "regex: 'vot\\w+'"], "Voters voted.")
        assert outcomes[0].matched and len(memo.outcomes) == 1

    def test_windows_that_take_in_the_same_votes_are_one(self) -> None:
        """Published 18 days before Lithuania's first round and 32 before its runoffs: 18 and 25
        days ahead take in the first round only, 40 days the runoffs too."""
        windows = [f"election_window: {{before: {days}}}" for days in (18, 25, 40)]
        outcomes, memo = self.shared(windows, "Lithuania votes. Vilnius and Lithuania prepare for the vote.")
        assert [len(o.elections) for o in outcomes] == [1, 1, 2] and len(memo.outcomes) == 2


def test_equal_phrase_lists_are_one_list_whichever_rules_hold_them() -> None:
    """Two rules that count the same phrases share each phrase's list: its key is worked out once per text."""
    first, second = (compile_condition(TypeAdapter(ConditionSpec).validate_python(yaml.safe_load("count: {phrases: [vote, ballot, polls], at_least: 2}"))) for _ in range(2))
    assert isinstance(first, Count) and isinstance(second, Count)
    assert first is not second
    assert all(a is b for a, b in zip(first.phrases, second.phrases, strict=True))
    assert Terms.compile(["vote", "@threat"]) is Terms.compile(("vote", "@threat"))
