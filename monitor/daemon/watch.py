"""Alerted pages looked at again: a ministry that edits or deletes a statement after it drew
attention is itself news. For a while after its alert (``WatchPolicy``), each alerted page is
fetched again now and then; an edit of its text or its removal is recorded, with the diff, and
announced on the alert's channels. The bytes first fetched stay as evidence
(``monitor alerts evidence``)."""

from __future__ import annotations

import difflib
import logging

from monitor.daemon.pipeline import Deps
from monitor.errors import FetchError, HTTPStatusError
from monitor.ingest.extract import clip_text
from monitor.models import WatchPolicy
from monitor.store.watch import WatchedPage

logger = logging.getLogger(__name__)

GONE = (404, 410)  # the statuses that say a page was removed (others may pass)
DIFF_LINES = 40  # lines of the diff an update shows (the revision keeps the whole text)
DIFF_LINE_CHARS = 300


def watch_job(deps: Deps, policy: WatchPolicy) -> list[int]:
    """Look again at every alerted page that is due; the ids of the updates queued."""
    updates = []
    try:
        now = deps.clock()
        for page in deps.store.pages_to_watch(now - policy.period, now - policy.every):
            if deps.stop.is_set():
                break
            found = _look_again(page, deps)
            if found is None:
                deps.store.page_checked(page.item_id, deps.clock())
                continue
            change, text, diff = found
            title, body = _update(page, change, diff)
            updates.append(deps.store.page_changed(page, change, text, diff, title, body, deps.clock()))
            logger.warning("alerted page %s alert=%s url=%s", change, page.alert_id, page.url)
    except Exception:  # the database may be down: the next run looks again
        logger.exception("page watch crashed")
    return updates


def _look_again(page: WatchedPage, deps: Deps) -> tuple[str, str, str] | None:
    """("edited", text, diff) or ("removed", "", why); None when unchanged or when it cannot tell (a fetch that failed otherwise)."""
    try:
        fetched = deps.fetcher.get(page.url, page=True)
    except HTTPStatusError as exc:
        return ("removed", "", f"The page answers HTTP {exc.status}.") if exc.status in GONE else None
    except FetchError as exc:
        logger.info("alerted page not fetched alert=%s url=%s error=%s", page.alert_id, page.url, exc)
        return None
    extracted = deps.extract(fetched.body, fetched.url, fetched.content_type)
    text = clip_text(extracted.text, deps.max_text_chars) if extracted is not None else ""
    if not text.strip():
        return "removed", "", "The page no longer holds an article's text."
    if text.split() == page.text.split():  # white space aside
        return None
    return "edited", text, _diff(page.text, text)


def _diff(before: str, after: str) -> str:
    lines = list(difflib.unified_diff(before.splitlines(), after.splitlines(), "as alerted", "now", lineterm="", n=1))
    shown = [line if len(line) <= DIFF_LINE_CHARS else line[: DIFF_LINE_CHARS - 1] + "…" for line in lines[:DIFF_LINES]]
    if len(lines) > DIFF_LINES:
        shown.append(f"… ({len(lines) - DIFF_LINES} more lines)")
    return "\n".join(shown)


def _update(page: WatchedPage, change: str, diff: str) -> tuple[str, str]:
    verb = "edited" if change == "edited" else "removed"
    title = f"[UPDATE] The source {verb} the statement of alert #{page.alert_id}"
    body = f"{page.alert_title}\n{page.url}\n\nThe page that raised alert #{page.alert_id} has been {verb} since.\n\n{diff}\n\n`monitor alerts evidence {page.alert_id} --output DIR` gives the page as it was first fetched."
    return title, body
