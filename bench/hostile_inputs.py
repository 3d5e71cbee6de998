"""The hardening issue's fault probes, run again against the current code: one line per probe.

Every probe drives the project's own code (the fetcher, the pipeline, the scheduler, the outbox,
the verdict endpoint, the command line, the rule loader, the address guard) against real local
servers on ports chosen by the system; nothing leaves the machine. What each line gives:

 1. scoring with the shipped rules (``assess_text``), once the matchers are built: the peak memory
    (tracemalloc) for a text holding one 100,000-letter word, and the peak bytes per character for
    ~1 MB of distinct 40-letter words (the process's first scoring, which builds the matchers, apart);
 2. a body sent with ``Content-Encoding: gzip, gzip`` whose inner layer inflates to 200 MB (a few
    hundred bytes on the wire): the fetcher's peak memory while it refuses it, and its error;
 3. a server sending one byte of the body every 0.5 s, with MONITOR_FETCH_DEADLINE=2 (the read
    timeout left at 15 s): the seconds until the fetcher gives up, and its error;
 4. ten sources dribbling like that (60 s a feed, default deadline) on the daemon's scheduler, all
    poll threads held, and an operational alert pending: the seconds until the alert reaches the
    chat receiver, then the seconds the shutdown takes with the ten polls still in flight;
 5. a delivery worker (a child process) sending 5 alerts to a receiver that holds the first one,
    killed with SIGKILL: how many of the 4 deliveries it never attempted the next run sends at once,
    the duplicates among them, and what the one in flight does after its lease;
 6. a feed of 500 entries (small pages) with MONITOR_MAX_ENTRIES_PER_POLL=50: the pages fetched by
    the first poll, the polls it takes to read the whole feed, the distinct items stored;
 7. random bytes behind an HTML header served as an entry's page: the text stored for the item (in
    characters) and the extraction error recorded;
 8. the verdict endpoint (MONITOR_HTTP_TIMEOUT=1s, 32 connections at most) sent 200 half requests
    at once: how many connections it closes after the timeout, how many it answers 503 at once, and
    the peak number of its threads (more than 32 may be held in all: the connects beyond the listen
    queue are retried by the kernel a second later, when the first 32 have freed their slots);
 9. the endpoint sent ``sig=%C3%A9`` and a validly signed ``alert=10**30``: the HTTP status (GET and POST);
10. one verdict link opened twice (GET) then confirmed twice (POST): the verdict rows stored;
11. ``monitor run --once`` (``monitor.cli.main.main``) with a rule file in Latin-1, then with
    MONITOR_LOG_LEVEL=LOUD: the exit code and the one line printed;
12. the same with MONITOR_MAX_BODY_BYTES=-1, MONITOR_READ_TIMEOUT=-1, MONITOR_CONNECT_TIMEOUT=0,
    MONITOR_MAX_REDIRECTS=-1, MONITOR_HTTP_LISTEN=nonsense, and a source URL holding a line break,
    one at a time: the exit code, and whether a database file was created;
13. a rule whose regex is ``(a|aa)+$``, ``((a+))+$`` or ``(a|a)*$``: refused by the pattern check
    at load, and why;
14. IPv6 forms that lead to loopback, site-local or the 169.254.169.254 metadata address (NAT64,
    6to4, Teredo, IPv4-compatible and -mapped), and that address itself, fetched with the default
    guard: how many are refused, and how many connections were attempted (none should be); and,
    checked only, whether the NAT64 and 6to4 forms of a public address still pass.

It takes a minute or two on a two-core machine, most of it in probe 6 (500 pages extracted and
stored). The monitor's own log is silenced; the figures are the output.
This script runs them in order and numbers their lines; the probes themselves are in
``bench/hostile_probes/``, one module for each part of the monitor they attack.

    .venv/bin/python bench/hostile_inputs.py
"""

from __future__ import annotations

import logging
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: ``bench``, ``monitor`` and ``testbed`` import from the root

from bench.hostile_probes.configuration import probe_bad_settings, probe_patterns, probe_unreadable_config  # noqa: E402
from bench.hostile_probes.daemon import probe_hung_polls, probe_killed_worker, probe_pipeline  # noqa: E402
from bench.hostile_probes.fetching_and_scoring import (  # noqa: E402
    probe_address_guard,
    probe_double_gzip,
    probe_dribble,
    probe_scoring,
)
from bench.hostile_probes.verdict_endpoint import (  # noqa: E402
    probe_half_requests,
    probe_malformed_links,
    probe_repeated_link,
    verdict_endpoint,
)
from monitor.daemon.wiring import load_knowledge  # noqa: E402
from testbed.settings import make_settings  # noqa: E402

# -- the run -----------------------------------------------------------------------------------


def main() -> None:
    logging.getLogger().addHandler(logging.NullHandler())  # the monitor's log stays out of the figures
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="hostile-inputs-") as name:
        tmp = Path(name)

        def fresh(label: str) -> Path:
            path = tmp / label
            path.mkdir()
            return path

        def show(number: int, line: str) -> None:
            print(f"{number:2}. {line}", flush=True)

        settings = make_settings(fresh("knowledge"))
        show(1, probe_scoring(settings, load_knowledge(settings)))
        show(2, probe_double_gzip(fresh("gzip")))
        show(3, probe_dribble(fresh("dribble")))
        show(4, probe_hung_polls(fresh("scheduler")))
        show(5, probe_killed_worker(fresh("outbox")))
        long_feed, garbage = probe_pipeline(fresh("pipeline"))
        show(6, long_feed)
        show(7, garbage)
        with verdict_endpoint(fresh("endpoint")) as endpoint:
            show(8, probe_half_requests(endpoint))
            show(9, probe_malformed_links(endpoint))
            show(10, probe_repeated_link(endpoint))
        show(11, probe_unreadable_config(fresh("cli-files")))
        show(12, probe_bad_settings(fresh("cli-settings")))
        show(13, probe_patterns(fresh("patterns")))
        show(14, probe_address_guard(fresh("guard")))
    print(f"all probes: {time.monotonic() - began:.0f} s")


if __name__ == "__main__":
    main()
