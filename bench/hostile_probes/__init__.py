"""The probes ``bench/hostile_inputs.py`` runs, grouped by what they attack.

``measure`` holds what they share (the clock, the memory and time measure, the figures' units);
``fetching_and_scoring`` the scorer, the fetcher and the address guard; ``daemon`` the scheduler,
the outbox's delivery worker and the pipeline; ``verdict_endpoint`` the verdict links' HTTP
endpoint; ``configuration`` the command line, the settings and the rule loader. Each probe returns
its line; the numbering and the order of the lines are the runner's.
"""
