"""Rule weights learned from labelled texts; the rules themselves stay written by hand.

As SpamAssassin learns its rule scores from its corpora: every labelled text (the ``dev`` split
of the evaluation corpus, and stored items an analyst has marked) is scored with the rules in
force, which gives, per text, the rules that matched and the closeness factor of the vote. A
logistic regression over those hits fits one weight per rule — bounded (never below 0: a rule
is evidence for an alert, never against one; never above ``MAX_SHARE`` thresholds) and
regularised towards the weight the rule's file gives it (so a rule seen on few texts keeps about
its author's weight) — and the alert threshold is then placed on the fitted scores at the
lowest value that keeps false alerts on the training texts at ``FALSE_ALERT_TARGET`` or below.
``cross_validate`` says what to expect on unseen episodes. The weights are scaled so that this threshold is the settings' alert score: the severity
bands keep their meaning, and ``rules/weights.yaml`` holds the learned weights, for review.

Pure: the texts and their labels come in, the weights go out.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from monitor.detect.scoring import is_content
from monitor.models import Assessment

MAX_RAW = 10.0  # bound of a weight in log-odds while fitting
MAX_SHARE = 2.0  # bound of a weight after scaling, in thresholds: one rule alone may alert, when the data say so
L2 = 0.002  # per rule, against the mean log-loss: small enough to follow the data, large enough to tame rare rules
# On the training texts. Cross-validated by episode on the dev split, 1 % on the training texts
# gave about 5 % on the held-out episodes (3 % gave 8 %): unseen texts alert more than the ones
# the weights were fitted to.
FALSE_ALERT_TARGET = 0.01
FOLDS = 4
STEPS = 2000
LEARNING_RATE = 0.5


@dataclass(frozen=True)
class Labelled:
    """One training text, reduced to what the fit needs."""

    label: bool  # should alert
    rules: frozenset[str]  # the rules that matched (after filters)
    factor: float  # the closeness factor of the vote the matches bear on
    origin: str  # "dev" or "verdict"
    content: bool = True  # a content rule matched: without one, no weight can make the text alert
    episode: str = ""  # texts of one episode are held out together when cross-validating

    def alerts(self, weights: dict[str, float], threshold: float) -> bool:
        return self.content and sum(weights.get(r, 0.0) for r in self.rules) * self.factor >= threshold


def labelled(assessment: Assessment, label: bool, origin: str, episode: str = "") -> Labelled:
    rules = frozenset(m.rule_id for m in assessment.matches)
    return Labelled(label, rules, assessment.proximity_factor, origin, any(is_content(m) for m in assessment.matches), episode)


def cross_validate(texts: Sequence[Labelled], current: dict[str, float], threshold: float, folds: int = FOLDS) -> tuple[float, float]:
    """(recall, false-alert rate) on held-out episodes: each fold of episodes is scored with
    weights fitted on the others. What to expect on texts the weights have not seen."""
    episodes = sorted({t.episode for t in texts})
    held_out = [set(episodes[i::folds]) for i in range(folds)]
    outcomes: list[tuple[bool, bool]] = []
    for fold in held_out:
        weights = fit([t for t in texts if t.episode not in fold], current, threshold).weights()
        outcomes.extend((t.label, t.alerts(weights, threshold)) for t in texts if t.episode in fold)
    positives = [alerted for label, alerted in outcomes if label]
    negatives = [alerted for label, alerted in outcomes if not label]
    return (sum(positives) / len(positives) if positives else 0.0, sum(negatives) / len(negatives) if negatives else 0.0)


@dataclass(frozen=True)
class RuleFit:
    rule_id: str
    positives: int  # training texts that should alert and that the rule matched
    negatives: int  # ... that should not alert
    old_weight: float
    weight: float


@dataclass(frozen=True)
class Fit:
    rules: tuple[RuleFit, ...]
    threshold: float  # the alert score the weights are scaled to
    cases: int
    positives: int
    verdicts: int
    recall: float  # on the training texts, with the new weights
    false_alert_rate: float
    held_out: tuple[float, float] | None = None  # (recall, false-alert rate) cross-validated by episode

    def weights(self) -> dict[str, float]:
        return {r.rule_id: r.weight for r in self.rules}


def fit(texts: Sequence[Labelled], current: dict[str, float], threshold: float) -> Fit:
    """Learn a weight for every rule in ``current`` (rule id -> the weight its file gives it) from ``texts``."""
    rule_ids = sorted(current)
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    rows = [([index[r] for r in t.rules if r in index], t.factor, t.label) for t in texts]
    # Only texts that a content rule matched can alert: the fit learns how to weigh those.
    prior = [current[rule_id] for rule_id in rule_ids]
    raw = _logistic([row for row, t in zip(rows, texts, strict=True) if t.content], prior, threshold)
    scores = [sum(raw[i] for i in hits) * factor if t.content else 0.0 for (hits, factor, _), t in zip(rows, texts, strict=True)]
    cut = _cut(scores, [label for _, _, label in rows])
    scale = threshold / cut if cut > 0 else 1.0
    # Rounded down: a text just below the threshold must not be lifted over it by rounding.
    weights = [math.floor(min(w * scale, MAX_SHARE * threshold) * 100) / 100 for w in raw]
    learned = dict(zip(rule_ids, weights, strict=True))
    alerted = [t.alerts(learned, threshold) for t in texts]
    positives = [a for a, t in zip(alerted, texts, strict=True) if t.label]
    negatives = [a for a, t in zip(alerted, texts, strict=True) if not t.label]
    per_rule = [
        RuleFit(
            rule_id,
            sum(1 for t in texts if t.label and rule_id in t.rules),
            sum(1 for t in texts if not t.label and rule_id in t.rules),
            current[rule_id],
            weights[i],
        )
        for i, rule_id in enumerate(rule_ids)
    ]
    return Fit(
        rules=tuple(per_rule),
        threshold=threshold,
        cases=len(texts),
        positives=sum(1 for t in texts if t.label),
        verdicts=sum(1 for t in texts if t.origin == "verdict"),
        recall=sum(positives) / len(positives) if positives else 0.0,
        false_alert_rate=sum(negatives) / len(negatives) if negatives else 0.0,
    )


def _logistic(rows: list[tuple[list[int], float, bool]], prior: list[float], threshold: float) -> list[float]:
    """Projected gradient descent on the class-balanced log-loss, with an L2 pull towards the
    analysts' own weights (read in log-odds, the threshold as the bias): a rule seen on few
    texts keeps about the weight its author gave it, one seen on many gets what the data say.
    Weights stay in [0, MAX_RAW]."""
    width = len(prior)
    weights = list(prior)
    bias = -threshold
    positives = sum(1 for _, _, label in rows if label) or 1
    negatives = (len(rows) - positives) or 1
    balance = {True: len(rows) / (2 * positives), False: len(rows) / (2 * negatives)}
    for _ in range(STEPS):
        gradient = [0.0] * width
        bias_gradient = 0.0
        for hits, factor, label in rows:
            z = bias + factor * sum(weights[i] for i in hits)
            error = balance[label] * (_sigmoid(z) - (1.0 if label else 0.0))
            bias_gradient += error
            for i in hits:
                gradient[i] += error * factor
        n = len(rows)
        for i in range(width):
            weights[i] = min(max(weights[i] - LEARNING_RATE * (gradient[i] / n + L2 * (weights[i] - prior[i])), 0.0), MAX_RAW)
        bias -= LEARNING_RATE * bias_gradient / n
    return weights


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z > -60 else 0.0


def _cut(scores: list[float], labels: list[bool]) -> float:
    """The lowest score that alerts on at most FALSE_ALERT_TARGET of the negatives (and on something)."""
    negatives = sorted((s for s, label in zip(scores, labels, strict=True) if not label), reverse=True)
    allowed = int(FALSE_ALERT_TARGET * len(negatives))
    above = [s for s in negatives if s > 0]
    if len(above) <= allowed:  # the rules never fire on enough negatives to matter: the smallest positive score
        return min((s for s, label in zip(scores, labels, strict=True) if label and s > 0), default=1.0)
    # Just above the highest negative score that may not alert.
    return above[allowed] * 1.01


def weights_yaml(result: Fit, trained: date) -> str:
    """The reviewable file: one line per rule, with its hits on the training texts as a comment."""
    lines = [
        "# Rule weights learned by `monitor rules tune` from the dev split of tests/eval and analysts'",
        "# verdicts. They take the place of each rule's own `weight`. Review a change here like a",
        "# change to the rules; re-run the tuning rather than editing a weight by hand.",
        f"threshold: {result.threshold:g}",
        f"trained: {trained.isoformat()}",
        f"cases: {result.cases}",
        f"verdicts: {result.verdicts}",
        "weights:",
    ]
    width = max((len(r.rule_id) for r in result.rules), default=0)
    for r in result.rules:
        lines.append(f"  {r.rule_id + ':':<{width + 1}} {r.weight:<5g}  # hits: {r.positives} should alert, {r.negatives} should not")
    return "\n".join(lines) + "\n"


def fit_json(result: Fit) -> dict[str, object]:
    return {
        "threshold": result.threshold,
        "cases": result.cases,
        "positives": result.positives,
        "verdicts": result.verdicts,
        "recall": round(result.recall, 4),
        "false_alert_rate": round(result.false_alert_rate, 4),
        "held_out": {"recall": round(result.held_out[0], 4), "false_alert_rate": round(result.held_out[1], 4)} if result.held_out else None,
        "rules": [
            {"rule": r.rule_id, "positives": r.positives, "negatives": r.negatives, "was": r.old_weight, "weight": r.weight}
            for r in result.rules
        ],
    }


def report_lines(result: Fit) -> Iterable[str]:
    yield f"trained on {result.cases} texts ({result.positives} should alert; {result.verdicts} from analysts' verdicts)"
    yield f"threshold {result.threshold:g}: recall {result.recall:.2f}, false alerts {result.false_alert_rate:.2f} on the training texts"
    if result.held_out is not None:
        recall, false_alerts = result.held_out
        yield f"cross-validated by episode ({FOLDS} folds): recall {recall:.2f}, false alerts {false_alerts:.2f} on held-out episodes"
    yield f"{'rule':<48} {'+hits':>6} {'-hits':>6} {'was':>6} {'now':>6}"
    for r in sorted(result.rules, key=lambda r: -r.weight):
        yield f"{r.rule_id:<48} {r.positives:>6} {r.negatives:>6} {r.old_weight:>6g} {r.weight:>6g}"
