"""Deciding what an article says: normalising and matching text, countries and the election calendar,
the rule language and lexicons, scoring, explanations and story grouping. Pure: no network, no database."""
