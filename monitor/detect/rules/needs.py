"""What a text must hold for a condition to have a chance: the lists its words must come from.

Found once per pack, so that scoring skips, by a few set operations, every rule whose words are
not in the text (``RuleSet.candidates``); what a rule asks of the source and the calendar is its
gate (``gates``).
"""

from __future__ import annotations

from monitor.detect.rules.conditions import AllOf, AnyOf, AtLeast, Condition, Count, Phrases, Proximity, Terms

Needs = tuple[frozenset[str], ...]  # clauses: each names lists of which at least one must occur


def needs(condition: Condition) -> Needs:
    """What a text must hold for ``condition`` to have a chance.

    Each clause is a set of list names (lexicons and rules' own lists); a text passes when every
    clause meets the names the scan found. It is a necessary condition, never a sufficient one.
    """
    if isinstance(condition, Phrases):
        return _clause(condition.terms)
    if isinstance(condition, Proximity):
        return tuple(clause for group in condition.groups for clause in _clause(group))
    if isinstance(condition, Count):  # one of its phrases at least (count lists no lexicons, no @target)
        return (frozenset(name for phrase in condition.phrases for name in phrase.concepts),)
    if isinstance(condition, AllOf):
        return tuple(clause for part in condition.parts for clause in needs(part))
    if isinstance(condition, (AnyOf, AtLeast)):
        # One of the parts must hold: a clause of all their names, if every part needs something.
        parts = [needs(part) for part in condition.parts]
        return (frozenset(name for part in parts for clause in part for name in clause),) if all(parts) else ()
    return ()  # regex, context and `not`: nothing is known in advance


def _clause(terms: Terms) -> Needs:
    return () if terms.target or not terms.concepts else (frozenset(terms.concepts),)
