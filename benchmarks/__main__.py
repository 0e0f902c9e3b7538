"""`make bench`: every benchmark, one after another, each printing its own figures and ratios.

Run one alone with `python -m benchmarks.<name>`; pass names to choose, e.g.
`python -m benchmarks scoring_bench report_bench`.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ORDER = ["scoring_bench", "dashboard_bench", "report_bench", "request_cost", "load_test"]


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = argv or [name for name in ORDER if (here / f"{name}.py").exists()]
    failures = 0
    for name in names:
        print(f"\n=== {name} ===", flush=True)
        failures += subprocess.call([sys.executable, "-m", f"benchmarks.{name}"]) != 0
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
