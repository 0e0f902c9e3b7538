"""`make bench`: every benchmark, one after another, each printing its own figures and ratios.

Run one alone with `python -m benchmarks.<name>`; pass names to choose, e.g.
`python -m benchmarks scoring_bench report_bench`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# The load test runs twice: saturated with no pauses, and at full throughput with short pauses.
ORDER = ["scoring_bench", "dashboard_bench", "report_bench", "request_cost", "load_test", "load_test --think 0.1"]


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    runs = argv or [run for run in ORDER if (here / f"{run.split()[0]}.py").exists()]
    failures = 0
    for run in runs:
        name, *options = run.split()
        print(f"\n=== {run} ===", flush=True)
        failures += subprocess.call([sys.executable, "-m", f"benchmarks.{name}", *options]) != 0
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
