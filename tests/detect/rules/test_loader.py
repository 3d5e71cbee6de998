"""Loading a directory of rule files: valid rules compile; every problem in every file is listed with file, line and location."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.cli.main import main
from monitor.detect.document import prepare
from monitor.detect.rules.conditions import ConditionResult
from monitor.detect.rules.loader import load_rules
from monitor.detect.rules.safety import check_pattern
from monitor.errors import Problem, RuleError
from monitor.models import Context, Severity, Source, SourceKind
from testbed.settings import make_settings

VALID = """\
rules:
  - id: vote-appeal
    title: Appeal to vote correctly
    severity: high
    weight: 4
    tags: [ei:EI-02]
    match:
      all:
        - phrases: [vote correctly, правильно проголосова*]
        - source_kind: [official, state_media]
    examples:
      match:
        - text: Lithuanians should vote correctly.
      no_match:
        - text: Lithuanians should vote.
"""

# Schema-valid, but its second rule has no no_match examples.
FIRST = """\
rules:
  - id: shared-id
    title: A valid rule
    severity: high
    weight: 2
    match:
      phrases: [vote correctly]
    examples:
      match: [{text: Vote correctly.}]
      no_match: [{text: Vote.}]
  - id: no-counter-examples
    title: Only positive examples
    severity: low
    weight: 1
    match:
      phrases: [reset]
    examples:
      match: [{text: A reset.}]
"""

# Four schema errors: an unknown condition in match.all[2], a bad regex, an unknown rule key, a missing severity.
SECOND = """\
rules:
  - id: unknown-condition
    title: Unknown condition key
    severity: medium
    weight: 1
    match:
      all:
        - phrases: [vote]
        - source_kind: [official]
        - sentiment: negative
    examples:
      match: [{text: vote}]
      no_match: [{text: nothing}]
  - id: bad-regex
    title: Invalid regular expression
    severity: medium
    weight: 1
    match:
      regex: 'vote (correctly'
    examples:
      match: [{text: vote}]
      no_match: [{text: nothing}]
  - id: extra-key
    title: Unknown key, and no severity
    weight: 1
    colour: red
    match:
      phrases: [reset]
    examples:
      match: [{text: reset}]
      no_match: [{text: nothing}]
"""

# Schema-valid, reusing an id of FIRST.
THIRD = """\
rules:
  - id: shared-id
    title: The same id as in a-first.yaml
    severity: low
    weight: 1
    match:
      phrases: [abyss]
    examples:
      match: [{text: abyss}]
      no_match: [{text: nothing}]
"""


def rules_dir(tmp_path: Path, files: dict[str, str]) -> Path:
    directory = tmp_path / "rules"
    directory.mkdir()
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


def bad_dir(tmp_path: Path) -> Path:
    return rules_dir(tmp_path, {"a-first.yaml": FIRST, "b-second.yaml": SECOND, "c-third.yaml": THIRD})


def problems_of(directory: Path) -> list[Problem]:
    with pytest.raises(RuleError) as caught:
        load_rules(directory)
    return caught.value.problems


def context(kind: SourceKind = SourceKind.OFFICIAL) -> Context:
    source = Source(id="by-mfa", name="MFA", url="https://mfa.example.by/feed.xml", kind=kind, country="BY")
    return Context(None, (), (), (), source, datetime(2024, 9, 25, tzinfo=UTC))


class TestValid:
    def test_a_valid_file_loads_and_compiles(self, tmp_path: Path) -> None:
        """A valid rule file gives a RuleSet whose rule keeps its metadata and file."""
        directory = rules_dir(tmp_path, {"ei02.yaml": VALID})
        ruleset = load_rules(directory)
        assert len(ruleset) == 1
        (rule,) = ruleset.rules
        assert (rule.id, rule.severity, rule.weight, rule.tags) == ("vote-appeal", Severity.HIGH, 4.0, ("ei:EI-02",))
        assert rule.path == str(directory / "ei02.yaml")
        assert len(rule.examples.match) == 1 and len(rule.examples.no_match) == 1

    def test_rules_filters_and_examples_keep_their_file_and_line(self, tmp_path: Path) -> None:
        """Each compiled rule, filter and example knows the line of its YAML item, flow style or block."""
        filters = "filters:\n  - id: fp-one\n    title: A filter\n    match: {phrases: [hill]}\n    examples: {match: [{text: a hill}], no_match: [{text: a dale}]}\n"
        directory = rules_dir(tmp_path, {"ei02.yaml": VALID + FIRST.split("  - id: no-counter")[0].removeprefix("rules:\n") + filters})
        ruleset = load_rules(directory)
        first, second = ruleset.rules
        (flt,) = ruleset.filters
        assert (first.path, first.line, second.line, flt.path, flt.line) == (str(directory / "ei02.yaml"), 2, 16, str(directory / "ei02.yaml"), 26)
        assert [e.line for e in first.examples.match + first.examples.no_match] == [13, 15]
        assert [e.line for e in second.examples.match + second.examples.no_match] == [23, 24]
        assert [e.line for e in flt.examples.match + flt.examples.no_match] == [29, 29]
        assert first.examples.match[0].example.text == "Lithuanians should vote correctly."

    def test_the_compiled_condition_evaluates(self, tmp_path: Path) -> None:
        """The compiled rule matches its phrase from an official source, with evidence, and not from news."""
        rules = load_rules(rules_dir(tmp_path, {"ei02.yaml": VALID}))
        (rule,) = rules.rules

        def evaluate(text: str, kind: SourceKind = SourceKind.OFFICIAL) -> ConditionResult:
            document = prepare("", text)
            return rule.evaluate(document, rules.read(document, context(kind)))  # the pack's one scan, then the rule

        outcome = evaluate("Литовцы должны правильно проголосовать.")
        assert outcome.matched
        assert [e.quote for e in outcome.evidence] == ["правильно проголосовать"]
        assert not evaluate("Литовцы должны правильно проголосовать.", SourceKind.NEWS).matched
        assert not evaluate("Nothing here.").matched

    def test_yml_files_load_and_other_files_are_ignored(self, tmp_path: Path) -> None:
        """``*.yml`` files are rule files too; README and backup files are not read."""
        directory = rules_dir(
            tmp_path, {"a.yml": VALID, "README.md": "not yaml: [", "b.yaml.bak": "rules: [", "notes.txt": "x"}
        )
        assert [r.id for r in load_rules(directory).rules] == ["vote-appeal"]

    def test_digest_changes_with_the_files(self, tmp_path: Path) -> None:
        """The set's digest is stable for the same files and changes when a file changes."""
        directory = rules_dir(tmp_path, {"ei02.yaml": VALID})
        first = load_rules(directory).digest
        assert load_rules(directory).digest == first
        (directory / "ei02.yaml").write_text(VALID.replace("weight: 4", "weight: 5"), encoding="utf-8")
        assert load_rules(directory).digest != first


class TestProblems:
    def test_every_problem_in_every_file_is_collected(self, tmp_path: Path) -> None:
        """One RuleError lists the schema errors, the duplicate id across files and the missing no_match examples."""
        directory = bad_dir(tmp_path)
        problems = problems_of(directory)
        assert [(Path(p.path).name, p.location) for p in problems] == [
            ("a-first.yaml", "rules[1].examples.no_match"),
            ("b-second.yaml", "rules[0].match.all[2]"),
            ("b-second.yaml", "rules[1].match.regex"),
            ("b-second.yaml", "rules[2].severity"),
            ("b-second.yaml", "rules[2].colour"),
            ("c-third.yaml", "rules[0].id"),
        ]

    def test_schema_problems_name_file_line_and_location(self, tmp_path: Path) -> None:
        """Each schema problem says file, line and key path, e.g. ``b-second.yaml:10: rules[0].match.all[2]: ...``."""
        directory = bad_dir(tmp_path)
        second = str(directory / "b-second.yaml")
        by_location = {p.location: p for p in problems_of(directory) if p.path == second}
        assert {loc: p.line for loc, p in by_location.items()} == {
            "rules[0].match.all[2]": 10,
            "rules[1].match.regex": 19,
            "rules[2].severity": 23,
            "rules[2].colour": 26,
        }
        assert str(by_location["rules[0].match.all[2]"]).startswith(f"{second}:10: rules[0].match.all[2]: ")
        assert "phrases" in by_location["rules[0].match.all[2]"].message
        assert "invalid regular expression" in by_location["rules[1].match.regex"].message
        assert by_location["rules[2].severity"].message == "required key missing"
        assert "unknown key" in by_location["rules[2].colour"].message

    def test_loader_problems_name_file_and_location(self, tmp_path: Path) -> None:
        """The duplicate id names both files; the missing no_match examples name the rule's examples."""
        directory = bad_dir(tmp_path)
        problems = {(Path(p.path).name, p.location): p for p in problems_of(directory)}
        duplicate = problems[("c-third.yaml", "rules[0].id")]
        assert "shared-id" in duplicate.message and "a-first.yaml" in duplicate.message
        assert problems[("a-first.yaml", "rules[1].examples.no_match")].message == "required key missing"

    def test_loader_problems_name_their_line(self, tmp_path: Path) -> None:
        """The duplicate id and the missing no_match examples also name their line."""
        problems = {(Path(p.path).name, p.location): p for p in problems_of(bad_dir(tmp_path))}
        assert problems[("c-third.yaml", "rules[0].id")].line == 2
        assert problems[("a-first.yaml", "rules[1].examples.no_match")].line is not None

    def test_duplicate_id_in_a_file_with_schema_errors_is_listed(self, tmp_path: Path) -> None:
        """A rule reusing an id of another file is reported even when its own file has a schema error elsewhere."""
        directory = rules_dir(tmp_path, {"a-first.yaml": FIRST.split("  - id: no-counter")[0], "b-second.yaml": SECOND + THIRD.removeprefix("rules:\n")})
        locations = {(Path(p.path).name, p.location) for p in problems_of(directory)}
        assert ("b-second.yaml", "rules[3].id") in locations

    def test_unknown_key_next_to_a_known_condition(self, tmp_path: Path) -> None:
        """An unknown key beside a known condition key is reported at that key's own path and line."""
        text = VALID.replace("        - source_kind: [official, state_media]\n", "        - source_kind: [official]\n          lang: ru\n")
        (problem,) = problems_of(rules_dir(tmp_path, {"ei02.yaml": text}))
        assert (problem.location, problem.line) == ("rules[0].match.all[1].lang", 11)

    @pytest.mark.parametrize("phrase", ["'vote *'", "'*'"])
    def test_wildcard_only_phrase_is_a_problem(self, tmp_path: Path, phrase: str) -> None:
        """A phrase with a word that is only ``*`` is a rule problem at its key path."""
        text = VALID.replace("[vote correctly, правильно проголосова*]", f"[vote correctly, {phrase}]")
        (problem,) = problems_of(rules_dir(tmp_path, {"ei02.yaml": text}))
        assert problem.location == "rules[0].match.all[0].phrases"
        assert "wildcard" in problem.message

    def test_a_yaml_syntax_error_does_not_hide_other_files(self, tmp_path: Path) -> None:
        """A syntax error in one file is listed with its line, next to the problems of the other files."""
        directory = rules_dir(tmp_path, {"a.yaml": "rules:\n  - id: [x\n", "b.yaml": THIRD.replace("weight: 1", "weight: 0")})
        problems = problems_of(directory)
        assert [(Path(p.path).name, p.location) for p in problems] == [("a.yaml", ""), ("b.yaml", "rules[0].weight")]
        assert problems[0].line is not None and "invalid YAML" in problems[0].message

    def test_missing_directory_is_an_error(self, tmp_path: Path) -> None:
        """A rules directory that does not exist is a RuleError naming it."""
        missing = tmp_path / "no-such-rules"
        (problem,) = problems_of(missing)
        assert problem.path == str(missing)
        assert "not found" in problem.message

    def test_empty_directory_is_an_error(self, tmp_path: Path) -> None:
        """A directory without rule files is a RuleError, not an empty rule set."""
        directory = rules_dir(tmp_path, {"README.md": "# rules\n"})
        (problem,) = problems_of(directory)
        assert problem.path == str(directory)
        assert "no rule files" in problem.message

    def test_a_file_with_no_rules_loads_nothing(self, tmp_path: Path) -> None:
        """An empty file next to a valid one adds no rules and is not an error."""
        directory = rules_dir(tmp_path, {"a.yaml": "", "b.yaml": VALID})
        assert [r.id for r in load_rules(directory).rules] == ["vote-appeal"]


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """``main`` configures the root logger; put it back as it was after the test."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    root.setLevel(level)
    root.handlers[:] = handlers


class TestRulesCheckCommand:
    def test_invalid_rules_exit_2_listing_every_problem(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], restore_logging: None
    ) -> None:
        """``monitor rules check`` on the bad directory exits 2 and prints every problem with file and location."""
        directory = bad_dir(tmp_path)
        expected = problems_of(directory)
        code = main(["rules", "check"], settings=make_settings(tmp_path, rules_dir=directory))
        err = capsys.readouterr().err
        assert code == 2
        for problem in expected:
            assert str(problem) in err
        assert "b-second.yaml:10: rules[0].match.all[2]:" in err

    def test_valid_rules_exit_0(self, tmp_path: Path, capsys: pytest.CaptureFixture[str], restore_logging: None) -> None:
        """``monitor rules check`` on a valid directory exits 0 and says how many rules it checked."""
        directory = rules_dir(tmp_path, {"ei02.yaml": VALID})
        code = main(["rules", "check"], settings=make_settings(tmp_path, rules_dir=directory))
        out = capsys.readouterr().out
        assert code == 0
        assert "1 rules in 1 files: OK" in out

    def test_missing_rules_directory_exits_2(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], restore_logging: None
    ) -> None:
        """``monitor rules check`` with a rules directory that does not exist exits 2 and names it."""
        missing = tmp_path / "nowhere"
        code = main(["rules", "check"], settings=make_settings(tmp_path, rules_dir=missing))
        assert code == 2
        assert str(missing) in capsys.readouterr().err


# -- fuzzing: any rule file gives a rule set or a RuleError -----------------------------------

RULE_KEYS = [
    "rules", "filters", "id", "title", "description", "status", "severity", "weight", "tags", "match", "examples", "no_match", "text",
    "phrases", "regex", "proximity", "terms", "within", "sentence", "count", "at_least", "of", "all", "any", "not", "fields",
    "election_window", "days_before", "days_after", "source_kind", "source_country", "source_id", "language",
]
RULE_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 300), st.floats(), st.text(max_size=12),
    st.sampled_from(["low", "high", "official", "BY", "title", "text", "@threat", "vote*", "(a|aa)+$", "((a+))+$", "[", "\\p{L}+", "(?R)", "a{99999999999}"]),
)
RULE_DOCUMENTS = st.recursive(
    RULE_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(RULE_KEYS) | st.text(max_size=6), inner, max_size=5),
    max_leaves=30,
)
REGEXES = st.text(st.sampled_from("ab()|*+?{}[]\\^$.,-:=!<>019wdsSpLP "), max_size=16)


@settings(max_examples=120, deadline=None)
@given(RULE_DOCUMENTS, RULE_DOCUMENTS | st.builds(lambda r: {"rules": [{"id": "r", "title": "t", "severity": "low", "weight": 1, "match": {"regex": r}}]}, REGEXES))
def test_any_rule_file_gives_rules_or_a_rule_error(document: object, other: object) -> None:
    """Random documents in a rules directory (near-rules and junk, random regexes): a RuleSet, or a RuleError; nothing else."""
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        (directory / "a.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
        (directory / "b.yaml").write_text(yaml.safe_dump(other, allow_unicode=True), encoding="utf-8")
        try:
            load_rules(directory)
        except RuleError as exc:
            assert exc.problems


@settings(max_examples=300, deadline=None)
@given(REGEXES)
def test_any_pattern_is_accepted_or_refused_with_a_reason(pattern: str) -> None:
    """The pattern check answers every string with None or a ValueError (which the schema turns into a located problem)."""
    try:
        check_pattern(pattern)
    except ValueError as exc:
        assert str(exc)
