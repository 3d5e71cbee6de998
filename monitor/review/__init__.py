"""Judging the rules and the data they use: rule self-tests, evaluation on labelled texts, backtests,
weight tuning, and the upkeep of the election calendar."""
