"""Validators: each checks one thing of a loaded pack, has an id and a severity, and names the
file and line of what it finds fault with. Errors block a pack; warnings are only printed."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.detect.rules.loader import load_rules
from monitor.detect.rules.ruleset import RuleSet
from monitor.detect.rules.validators import (
    DEFAULT_VALIDATORS,
    ExampleScripts,
    ExamplesEachWay,
    FamiliesCovered,
    FamilyTagKnown,
    FamilyTagPresent,
    FilterNamesARule,
    Issue,
    IssueSeverity,
    Validator,
    raise_errors,
    script_of,
    validate_pack,
)
from monitor.errors import RuleError
from tests.conftest import ROOT

RULE = """\
  - id: {id}
    title: A rule
    severity: low
    weight: 1
    tags: [{tags}]
    languages: [{languages}]
    match: {{phrases: [abyss, пропасть]}}
    examples:
      match:
{match}
      no_match:
{no_match}
"""


def rule(rule_id: str = "r1", tags: str = "ei:EI-06", languages: str = "", match: tuple[str, ...] = ("abyss",), no_match: tuple[str, ...] = ("nothing",)) -> str:
    def items(texts: tuple[str, ...]) -> str:
        return "\n".join(f"        - text: {text}" for text in texts)

    return RULE.format(id=rule_id, tags=tags, languages=languages, match=items(match), no_match=items(no_match))


def pack(tmp_path: Path, *rules: str, filters: str = "") -> RuleSet:
    directory = tmp_path / "rules"
    directory.mkdir()
    (directory / "pack.yaml").write_text("rules:\n" + "".join(rules) + filters, encoding="utf-8")
    return load_rules(directory)


def issues(validator: Validator, rules: RuleSet) -> list[Issue]:
    return list(validate_pack(rules, [validator]))


THREE_EACH_WAY = {"match": ("abyss", "the abyss", "an abyss"), "no_match": ("nothing", "a hill", "a valley")}


class TestTheShape:
    def test_every_validator_has_an_id_a_severity_and_a_description(self) -> None:
        validators = [*DEFAULT_VALIDATORS, FamiliesCovered()]
        ids = [v.id for v in validators]
        assert len(set(ids)) == len(ids)
        assert all(v.severity in IssueSeverity and v.description for v in validators)

    def test_an_issue_reads_severity_file_line_owner_message_and_validator(self, tmp_path: Path) -> None:
        rules = pack(tmp_path, rule(tags="ei:EI-6"))
        (issue,) = issues(FamilyTagKnown(), rules)
        assert (issue.path, issue.line, issue.subject) == (str(tmp_path / "rules" / "pack.yaml"), 2, "rule r1")
        assert str(issue) == f"error: {tmp_path / 'rules' / 'pack.yaml'}:2: rule r1: tag 'ei:EI-6' names no indicator family (ei:EI-01 ... ei:EI-13) (family-tag-known)"

    def test_the_issues_of_several_validators_come_in_file_and_line_order(self, tmp_path: Path) -> None:
        rules = pack(tmp_path, rule("r1", tags="ei:EI-99"), rule("r2", tags=""))
        found = validate_pack(rules, [FamilyTagPresent(), FamilyTagKnown(), ExamplesEachWay()])
        assert [(i.line, i.validator) for i in found] == [(2, "family-tag-known"), (2, "examples-each-way"), (14, "family-tag-present"), (14, "examples-each-way")]

    def test_errors_raise_a_rule_error_listing_them_and_warnings_pass(self, tmp_path: Path) -> None:
        rules = pack(tmp_path, rule("r1", tags="ei:EI-99"), rule("r2", tags=""))
        found = validate_pack(rules, DEFAULT_VALIDATORS)
        with pytest.raises(RuleError) as caught:
            raise_errors(found)
        assert [(p.location, p.line) for p in caught.value.problems] == [("rule r1", 2)]
        raise_errors([i for i in found if i.severity is IssueSeverity.WARNING])  # does not raise


class TestFamilyTags:
    def test_a_mistyped_family_is_an_error(self, tmp_path: Path) -> None:
        """``ei:EI-1`` would make a context rule count as content: an error."""
        rules = pack(tmp_path, rule(tags="ei:EI-1, disarm:T0001"))
        (issue,) = issues(FamilyTagKnown(), rules)
        assert issue.severity is IssueSeverity.ERROR and "'ei:EI-1'" in issue.message

    @pytest.mark.parametrize("tags", ["ei:EI-01", "ei:EI-13, disarm:T0140.002", ""])
    def test_known_families_and_other_tags_pass(self, tmp_path: Path, tags: str) -> None:
        assert issues(FamilyTagKnown(), pack(tmp_path, rule(tags=tags))) == []

    def test_a_rule_without_a_family_is_a_warning(self, tmp_path: Path) -> None:
        rules = pack(tmp_path, rule("r1", tags="disarm:T0001"), rule("r2"))
        (issue,) = issues(FamilyTagPresent(), rules)
        assert (issue.severity, issue.subject) == (IssueSeverity.WARNING, "rule r1")


class TestExamplesEachWay:
    def test_fewer_than_three_either_way_is_a_warning(self, tmp_path: Path) -> None:
        rules = pack(tmp_path, rule("r1", match=THREE_EACH_WAY["match"], no_match=("nothing",)), rule("r2", **THREE_EACH_WAY))
        (issue,) = issues(ExamplesEachWay(), rules)
        assert (issue.severity, issue.subject, issue.line) == (IssueSeverity.WARNING, "rule r1", 2)
        assert "3 match and 1 no_match" in issue.message


class TestExampleScripts:
    def test_script_of_a_text_is_the_script_of_most_of_its_letters(self) -> None:
        assert [script_of(t) for t in ("The abyss", "Край пропасти, OK", "ქართული", "123")] == ["LATIN", "CYRILLIC", "GEORGIAN", None]

    def test_languages_of_two_scripts_tested_in_one_is_a_warning(self, tmp_path: Path) -> None:
        rules = pack(tmp_path, rule(languages="en, ru", **THREE_EACH_WAY))
        (issue,) = issues(ExampleScripts(), rules)
        assert issue.severity is IssueSeverity.WARNING
        assert issue.message == "its languages use cyrillic, latin scripts; its examples only latin"

    def test_examples_in_two_of_the_scripts_pass(self, tmp_path: Path) -> None:
        """Two scripts are enough: a rule of en, ru and ka need not show a Georgian example."""
        rules = pack(tmp_path, rule(languages="en, ru, ka", match=("abyss", "пропасть")))
        assert issues(ExampleScripts(), rules) == []

    @pytest.mark.parametrize("languages", ["", "en, lt, de"])
    def test_rules_of_one_script_or_no_declared_language_pass(self, tmp_path: Path, languages: str) -> None:
        assert issues(ExampleScripts(), pack(tmp_path, rule(languages=languages))) == []


FILTERS = """\
filters:
  - id: fp-one
    title: A filter
    rules: [r1, "ei09-*", "r*"]
    match: {phrases: [hill]}
"""


class TestFilterNamesARule:
    def test_a_pattern_that_names_no_rule_is_a_warning_at_the_filter(self, tmp_path: Path) -> None:
        rules = pack(tmp_path, rule("r1"), filters=FILTERS)
        (issue,) = issues(FilterNamesARule(), rules)
        assert (issue.severity, issue.subject, issue.line) == (IssueSeverity.WARNING, "filter fp-one", 15)
        assert "'ei09-*'" in issue.message


class TestFamiliesCovered:
    def test_families_without_a_rule_are_named_once_for_the_pack(self, tmp_path: Path) -> None:
        rules = pack(tmp_path, *(rule(f"r{n}", tags=f"ei:EI-{n:02d}") for n in range(1, 12)))
        (issue,) = issues(FamiliesCovered(), rules)
        assert (issue.path, issue.line, issue.subject) == (str(tmp_path / "rules"), None, "")
        assert issue.message == "no rule for ei:EI-12, ei:EI-13"

    def test_it_is_not_among_the_defaults(self) -> None:
        """An analyst's pack may watch for a few families only."""
        assert "families-covered" not in {v.id for v in DEFAULT_VALIDATORS}


@pytest.mark.parametrize("validator", [*DEFAULT_VALIDATORS, FamiliesCovered()], ids=lambda v: v.id)
def test_every_validator_is_listed_in_the_readmes_with_its_severity(validator: Validator) -> None:
    for readme in (ROOT / "README.md", ROOT / "rules" / "README.md"):
        assert f"| `{validator.id}` | {validator.severity} |" in readme.read_text(encoding="utf-8")


def test_the_examples_validator_is_listed_too() -> None:
    assert "| `examples-pass` | error |" in (ROOT / "README.md").read_text(encoding="utf-8")
