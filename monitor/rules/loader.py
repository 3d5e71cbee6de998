"""A directory of rule files -> RuleSet. Every problem in every file is collected, then raised."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from monitor.errors import ConfigError, Problem, RuleError
from monitor.rules.conditions import compile_condition
from monitor.rules.ruleset import Filter, Rule, RuleSet
from monitor.rules.schema import RuleFile
from monitor.yamlfile import Check, Finding, read_yaml, validate


def rule_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix in (".yaml", ".yml"))


def rules_digest(directory: Path) -> str:
    """A hash of the rule files' names and bytes: whether anything changed since a load."""
    digest = hashlib.sha256()
    for path in rule_files(directory) if directory.is_dir() else []:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def load_rules(directory: Path) -> RuleSet:
    """Load, validate and compile every ``*.yaml`` in ``directory``; RuleError lists all problems."""
    if not directory.is_dir():
        raise RuleError([Problem(str(directory), "", "rules directory not found")])
    files = rule_files(directory)
    if not files:
        raise RuleError([Problem(str(directory), "", "no rule files (*.yaml) in the rules directory")])
    problems: list[Problem] = []
    rules: list[Rule] = []
    filters: list[Filter] = []
    first_seen: dict[str, str] = {}  # rule id -> where it was first defined
    for path in files:
        try:
            data, node = read_yaml(path)
            spec = validate(RuleFile, {} if data is None else data, path, node, _unique_ids(path, first_seen))
        except ConfigError as exc:
            problems.extend(exc.problems)
            continue
        rules.extend(_rule(rule, path) for rule in spec.rules)
        filters.extend(
            Filter(f.id, f.title, f.rules, compile_condition(f.match), f.examples, str(path)) for f in spec.filters
        )
    if not rules and not problems:
        problems.append(Problem(str(directory), "", "the rule files define no rule"))
    if problems:
        raise RuleError(problems)
    return RuleSet(tuple(rules), rules_digest(directory), tuple(filters))


def _unique_ids(path: Path, first_seen: dict[str, str]) -> Check:
    """Rule and filter ids are unique across all files; checked on the raw data, so even a file with schema errors is checked."""

    def check(data: Any) -> Iterable[Finding]:
        for key in ("rules", "filters"):
            raw = data.get(key) if isinstance(data, dict) else None
            for index, rule in enumerate(raw if isinstance(raw, list) else []):
                rule_id = rule.get("id") if isinstance(rule, dict) else None
                if not isinstance(rule_id, str):
                    continue
                if rule_id in first_seen:
                    yield (key, index, "id"), f"duplicate id {rule_id!r} (first in {first_seen[rule_id]})"
                else:
                    first_seen[rule_id] = f"{path.name} {key}[{index}]"

    return check


def _rule(spec: Any, path: Path) -> Rule:
    return Rule(
        id=spec.id,
        title=spec.title,
        description=spec.description,
        status=spec.status,
        severity=spec.severity,
        weight=spec.weight,
        tags=spec.tags,
        condition=compile_condition(spec.match),
        examples=spec.examples,
        path=str(path),
    )
