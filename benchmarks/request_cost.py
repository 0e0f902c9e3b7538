"""What one domain page and one autosave cost, in process, without the noise of a shared machine.

    .venv/bin/python -m benchmarks.request_cost               # CPU time per domain page and per save
    .venv/bin/python -m benchmarks.request_cost --callgrind   # instructions per page+save (needs valgrind)

The same data as the load test (a fresh SQLite database with the demo round and a provider user
with a draft), but one user driving the app through the Flask test client in this process. CPU
time per request still moves with whatever else the machine is doing; the instruction count from
``valgrind --tool=callgrind`` does not, so it is the figure to compare two versions of the code
with.  It runs the workload twice, with 5 and with 45 page+save pairs after the same warm-up, and
divides the difference by 40, so start-up and warm-up cancel out.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.load_test import PASSWORD, TOKEN, _environment, _prepare, autosave_form

WARM_UP = 15
SMALL, LARGE = 5, 45


def _workload(pairs: int, timings: dict[str, list[float]] | None = None) -> None:
    from questionnaires import DEFAULT_QUESTIONNAIRE_PATH, load_questionnaire

    work = Path(tempfile.mkdtemp(prefix="gateway-cost-"))
    try:
        env = _environment(work, f"sqlite:///{work / 'gateway.sqlite'}")
        env.pop("RATELIMIT_STORAGE_URI", None)
        _prepare(env, 1)
        os.environ.update(env)
        from assessor import create_app

        client = create_app().test_client()
        login = client.get("/login").text
        client.post(
            "/login",
            data={"email": "user0@loadtest.example", "password": PASSWORD, "csrf_token": TOKEN.search(login).group(1)},
        )
        submission = re.search(r'href="/provider/submissions/(\d+)"', client.get("/provider/").text).group(1)
        domains = [
            d.id
            for d in load_questionnaire(DEFAULT_QUESTIONNAIRE_PATH).domains
            if any(q.type == "scale" for q in d.questions)
        ]
        rng = random.Random(1)

        def pair(record: bool) -> None:
            started = time.process_time()
            page = client.get(f"/provider/submissions/{submission}/sections/{rng.choice(domains)}")
            if record:
                timings["domain page"].append(time.process_time() - started)
            text = page.text
            question, form = autosave_form(text, rng)
            started = time.process_time()
            saved = client.post(
                f"/provider/submissions/{submission}/answers/{question}",
                data={**form, "csrf_token": TOKEN.search(text).group(1)},
            )
            if record:
                timings["save"].append(time.process_time() - started)
            if page.status_code != 200 or saved.status_code != 200:
                raise SystemExit(f"unexpected responses: {page.status_code}, {saved.status_code}")

        for _ in range(WARM_UP):
            pair(False)
        for _ in range(pairs):
            pair(timings is not None)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _instructions(pairs: int) -> int:
    with tempfile.TemporaryDirectory() as scratch:
        run = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={scratch}/out",
                sys.executable,
                "-m",
                "benchmarks.request_cost",
                "--pairs",
                str(pairs),
            ],
            capture_output=True,
            text=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
    found = re.search(r"Collected : (\d+)", run.stderr)
    if run.returncode != 0 or not found:
        raise SystemExit(f"callgrind run failed:\n{run.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--callgrind", action="store_true", help="count instructions with valgrind")
    parser.add_argument("--pairs", type=int, help=argparse.SUPPRESS)  # the workload alone, for callgrind
    options = parser.parse_args()
    if options.pairs is not None:
        _workload(options.pairs)
        return
    if options.callgrind:
        if shutil.which("valgrind") is None:
            raise SystemExit("valgrind is not installed (apt-get install valgrind)")
        small, large = _instructions(SMALL), _instructions(LARGE)
        print(
            f"{(large - small) / (LARGE - SMALL) / 1e6:.1f} million instructions per domain page + autosave "
            f"(callgrind, {LARGE} and {SMALL} pairs after {WARM_UP} warm-up pairs)"
        )
        return
    timings: dict[str, list[float]] = {"domain page": [], "save": []}
    _workload(200, timings)
    for kind, values in timings.items():
        print(
            f"{kind}: median {statistics.median(values) * 1000:.2f} ms CPU, "
            f"mean {statistics.mean(values) * 1000:.2f} ms over {len(values)} requests"
        )


if __name__ == "__main__":
    main()
