"""What ``/health`` answers: whether this worker can do its work, and what an operator looks at first.

Unhealthy (503) when the database cannot be read or the scheduler has stopped: a container
engine restarts the worker, a load balancer stops sending to it. Failing sources do not make a
worker unhealthy (a restart would not mend a government's server): they are counted and named.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from monitor.detect.rules.ruleset import RuleSet
from monitor.models import Source
from monitor.store.records import SourceStatus

logger = logging.getLogger(__name__)

NAMED_FAILING = 20  # failing sources named in the answer (all are counted)


@dataclass(frozen=True)
class Health:
    healthy: bool
    body: dict[str, Any]


def check_health(
    sources: tuple[Source, ...], states: Callable[[], dict[str, SourceStatus]], scheduler_running: Callable[[], bool], rules: Callable[[], RuleSet]
) -> Health:
    """The database read (the state of every source), the scheduler asked, the rules in force looked at."""
    try:
        known = states()
        database: dict[str, Any] = {"reachable": True}
    except Exception as exc:  # whatever the driver raises when the server is gone
        logger.warning("health: the database cannot be read: %s", exc)
        known, database = {}, {"reachable": False, "error": f"{type(exc).__name__}: {exc}".splitlines()[0]}
    running = scheduler_running()
    current = rules()
    enabled = {source.id for source in sources if source.enabled}
    failing = sorted(source_id for source_id, state in known.items() if state.consecutive_failures and source_id in enabled)
    healthy = database["reachable"] and running
    return Health(
        healthy,
        {
            "status": "ok" if healthy else "unhealthy",
            "database": database,
            "scheduler": {"running": running},
            "rules": {"loaded": len(current), "filters": len(current.filters), "version": current.digest[:12]},
            "sources": {"enabled": len(enabled), "failing": len(failing), "failing_ids": failing[:NAMED_FAILING]},
        },
    )
