"""`monitor report`: the alerts of a period on one page, for a desk that was not watching: a
timeline per target country (alerts per day by severity, its election days marked), the
indicators and rules that fired, the precision the analysts' verdicts give, and every alert with
its evidence and link. One self-contained HTML file (its charts inline SVG, no network needed to
view it), or Markdown.

Pure but for the drawing: the findings, the calendar and the names come in; text goes out.
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from monitor.detect.elections import ElectionCalendar
from monitor.models import Election, Severity, Verdict
from monitor.review.export import indicators
from monitor.store.findings import Finding

TEMPLATES = Path(__file__).parent / "templates"
SEVERITY_COLOURS = {Severity.LOW: "#9e9e9e", Severity.MEDIUM: "#f4b400", Severity.HIGH: "#e8710a", Severity.CRITICAL: "#c5221f"}


@dataclass(frozen=True)
class CountryTimeline:
    code: str
    name: str
    alerts: int
    elections: tuple[Election, ...]
    chart: str  # inline SVG


@dataclass(frozen=True)
class Report:
    since: date
    until: date  # inclusive
    country: str | None
    findings: tuple[Finding, ...]
    timelines: tuple[CountryTimeline, ...]
    indicators: tuple[tuple[str, int], ...]  # (EI-02, alerts), most first
    rules: tuple[tuple[str, str, int], ...]  # (rule id, title, alerts), most first
    marked_true: int
    marked_false: int

    @property
    def precision(self) -> float | None:
        marked = self.marked_true + self.marked_false
        return self.marked_true / marked if marked else None


def build_report(findings: list[Finding], since: date, until: date, country: str | None, names: dict[str, str], calendar: ElectionCalendar) -> Report:
    """``names``: country code -> name, to know each alert's target country from the vote it leads with."""
    codes = {name: code for code, name in names.items()}
    by_country: dict[str, list[Finding]] = {}
    for finding in findings:
        code = codes.get(finding.target.split(",")[0], "")  # "": an alert that names no vote (kept unless a country is asked for)
        if country is None or code == country:
            by_country.setdefault(code, []).append(finding)
    kept = [f for group in by_country.values() for f in group]
    kept.sort(key=lambda f: (f.published_at, f.alert_id))
    timelines = tuple(
        CountryTimeline(code, names.get(code, code) or "No vote named", len(group), elections := _elections(calendar, code, since, until) if code else (), _chart(group, elections, since, until))
        for code, group in sorted(by_country.items(), key=lambda item: -len(item[1]))
    )
    rule_titles = {m.rule_id: m.title for f in kept for m in f.matches}
    rule_counts = Counter(m.rule_id for f in kept for m in f.matches)
    return Report(
        since,
        until,
        country,
        tuple(kept),
        timelines,
        tuple(Counter(i for f in kept for i in indicators(f)).most_common()),
        tuple((rule, rule_titles[rule], n) for rule, n in rule_counts.most_common()),
        sum(f.verdict is Verdict.TP for f in kept),
        sum(f.verdict is Verdict.FP for f in kept),
    )


def _elections(calendar: ElectionCalendar, code: str, since: date, until: date) -> tuple[Election, ...]:
    near = calendar.near(since, [code], (until - since).days, 0)
    return tuple(sorted({n.election for n in near if since <= n.election.date <= until}, key=lambda e: e.date))


def _chart(findings: list[Finding], elections: tuple[Election, ...], since: date, until: date) -> str:
    """Alerts per day by severity, stacked, the election days marked: an SVG element."""
    # Imported here: the `monitor` command loads every command's module, the daemon's included,
    # and matplotlib costs a second and tens of megabytes that only a report needs.
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    days = [since + timedelta(days=n) for n in range((until - since).days + 1)]
    x = [float(date2num(day)) for day in days]
    figure = Figure(figsize=(9, 2.4), layout="constrained")
    axes = figure.subplots()
    bottom = [0] * len(days)
    for severity, colour in SEVERITY_COLOURS.items():
        counts = Counter(f.published_at.date() for f in findings if f.severity is severity)
        heights = [counts.get(day, 0) for day in days]
        if any(heights):
            axes.bar(x, heights, bottom=bottom, color=colour, label=str(severity), width=0.9)
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    for election in elections:
        axes.axvline(float(date2num(election.date)), color="#1a73e8", linestyle="--", linewidth=1.2)
        axes.annotate(f"{election.type} {election.date:%d %b}", (election.date, 1), xycoords=("data", "axes fraction"), rotation=90, va="top", ha="right", fontsize=8, color="#1a73e8")
    axes.set_xlim(x[0] - 1, x[-1] + 1)
    locator = AutoDateLocator()
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    axes.set_ylabel("alerts")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    if any(bottom):
        axes.legend(loc="upper left", fontsize=8, frameon=False)
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None})
    svg = out.getvalue()
    return svg[svg.index("<svg") :]  # inline: without the XML declaration and doctype


def render(report: Report, form: str = "html") -> str:
    template = "report.html.j2" if form == "html" else "report.md.j2"
    return _templates().get_template(template).render(report=report, colours=SEVERITY_COLOURS)


@lru_cache(maxsize=1)  # templates shipped with the package: read once
def _templates() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html.j2"]), trim_blocks=True, lstrip_blocks=True)
