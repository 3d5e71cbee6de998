"""Deciding what an article says: text normalisation and phrase matching, countries and the election
calendar, the rule language and lexicons, scoring and story grouping. Pure: no network, no database."""
