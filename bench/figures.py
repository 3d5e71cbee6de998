"""Every figure of the project's speed and scale goals, in one run, as one table.

Runs each benchmark in a process of its own (one after another, so that none measures while
another loads the machine), shows what it prints, and ends with the lines it marks as figures
with a goal (``bench.headline``): the table the README keeps.

    make bench        # or: .venv/bin/python bench/figures.py [--quick]

``--quick`` runs each on a small part of the corpus (a check that they run, not figures).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.headline import MARK  # noqa: E402

# Each benchmark, and its arguments for a quick run.
BENCHMARKS = (
    ("pipeline.py", ["--limit", "40"]),
    ("rule_pack.py", ["--limit", "40"]),
    ("backtest.py", ["--limit", "40"]),
    ("polling.py", ["--sources", "100"]),
    ("scale_out.py", ["--limit", "40"]),
    ("alert_latency.py", ["--rounds", "1"]),
)


def run(script: str, arguments: list[str]) -> list[str]:
    """Run one benchmark, echo its output, and return its figures' lines."""
    print(f"\n== bench/{script} {' '.join(arguments)}", flush=True)
    process = subprocess.run([sys.executable, str(ROOT / "bench" / script), *arguments], capture_output=True, text=True, check=False)
    print(process.stdout, end="", flush=True)
    if process.returncode != 0:
        print(process.stderr[-2000:], end="", file=sys.stderr)
        return [f"{MARK} bench/{script} failed (exit {process.returncode})"]
    return [line for line in process.stdout.splitlines() if line.startswith(MARK)]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small part of the corpus for each (checks that they run)")
    quick = parser.parse_args().quick
    figures = [line for script, arguments in BENCHMARKS for line in run(script, arguments if quick else [])]
    print("\nFigures with a goal:")
    print("\n".join(figures))


if __name__ == "__main__":
    main()
