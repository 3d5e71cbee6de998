"""A directory of rule files -> RuleSet. Every problem in every file is collected, then raised."""

from __future__ import annotations

import hashlib
from pathlib import Path

from monitor.errors import ConfigError, Problem, RuleError
from monitor.rules.conditions import compile_condition
from monitor.rules.ruleset import Rule, RuleSet
from monitor.rules.schema import RuleFile
from monitor.yamlfile import load_model


def rule_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.y*ml") if p.is_file() and p.suffix in (".yaml", ".yml"))


def load_rules(directory: Path) -> RuleSet:
    """Load, validate and compile every ``*.yaml`` in ``directory``; RuleError lists all problems."""
    if not directory.is_dir():
        raise RuleError([Problem(str(directory), "", "rules directory not found")])
    files = rule_files(directory)
    if not files:
        raise RuleError([Problem(str(directory), "", "no rule files (*.yaml) in the rules directory")])
    problems: list[Problem] = []
    rules: list[Rule] = []
    first_seen: dict[str, str] = {}
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
        try:
            spec = load_model(RuleFile, path)
        except ConfigError as exc:
            problems.extend(exc.problems)
            continue
        for index, rule in enumerate(spec.rules):
            location = f"rules[{index}]"
            if rule.id in first_seen:
                problems.append(Problem(str(path), f"{location}.id", f"duplicate rule id {rule.id!r} (also in {first_seen[rule.id]})"))
                continue
            first_seen[rule.id] = str(path)
            if not rule.examples.match or not rule.examples.no_match:
                problems.append(Problem(str(path), f"{location}.examples", "every rule needs examples under both match and no_match"))
            rules.append(
                Rule(
                    id=rule.id,
                    title=rule.title,
                    description=rule.description,
                    status=rule.status,
                    severity=rule.severity,
                    weight=rule.weight,
                    tags=rule.tags,
                    condition=compile_condition(rule.match),
                    examples=rule.examples,
                    path=str(path),
                )
            )
    if problems:
        raise RuleError(problems)
    return RuleSet(tuple(rules), digest.hexdigest())
