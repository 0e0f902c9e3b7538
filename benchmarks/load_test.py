"""Load test: simulated provider users opening domain pages and saving answers, against gunicorn.

    .venv/bin/python -m benchmarks.load_test                 # 50 users, 60 s, 4 sync workers, no pauses
    .venv/bin/python -m benchmarks.load_test --think 1       # 50 users each pausing ~1 s between actions
    .venv/bin/python -m benchmarks.load_test --think 0.1     # full throughput, short pauses instead of a queue
    .venv/bin/python -m benchmarks.load_test --users 10 --seconds 10   # a quick look

Everything runs on 127.0.0.1 in a temporary directory: a fresh SQLite database (or
``--database-url`` for PostgreSQL, which must be an empty database the script may migrate), seeded
with the demo round plus one draft submission and one lead user per simulated user, so no two users
edit the same answers.  The same gunicorn settings then serve a bare Flask hello-world, driven by
the same client for the same time: its request rate is the ceiling the app is compared with.
It reports requests/s, latency percentiles, errors, and the CPU time the server and the client used
per request (read from /proc), so a change in speed can be told apart from a busier machine.

Without pauses (``--think 0``, the default) every user fires its next request the moment the last
one returns: a saturation test, whose latency is queueing (users / throughput).  ``--think``
gives each user a random pause between actions, as people filling in a form have, and measures
the latency they would see at that pace; a short pause (``--think 0.1``) still keeps the server
busy, so it shows the latency at full throughput without the queue of a closed loop.  The
hello-world ceiling is always driven without pauses, so the ratio compares against its full rate.

Bounded: ``--users`` threads for ``--seconds`` seconds each run; each request times out after 30 s.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "load-test-password-57"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
BASE = re.compile(r'name="base-([^"]+)" type="hidden" value="([^"]*)"')
SCALE = re.compile(r'name="q-([^"]+)" type="radio" value="1"')


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float, ok: bool) -> None:
        with self.lock:
            self.latencies.setdefault(kind, []).append(seconds)
            if not ok:
                self.errors[kind] = self.errors.get(kind, 0) + 1


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _redis_available() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url("redis://127.0.0.1:6379", socket_connect_timeout=1).ping())
    except Exception:
        return False


def _environment(work: Path, database_url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_hex(32),
        "UPLOAD_STORAGE": str(work / "uploads"),
        "GATEWAY_INSTANCE_DIR": str(work),
        # Every simulated user signs in from 127.0.0.1; the per-address limit would stop them.
        "LOGIN_RATE_LIMIT": "100000 per minute",
        "JSON_LOGS": "0",
        # The repository's gunicorn.conf.py serves both apps; access logs would only add noise.
        "GUNICORN_ACCESS_LOG": "/dev/null",
    }
    # "development" only because production cookies are Secure and this runs over plain HTTP;
    # gunicorn never runs Flask's debugger either way.
    env["GATEWAY_ENV"] = "development"
    if _redis_available():
        env.update(
            RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379", RATELIMIT_KEY_PREFIX=f"loadtest-{secrets.token_hex(4)}"
        )
    return env


_SEED = """
import secrets, sys
from assessor import create_app
from assessor.extensions import db
from assessor.models import Applicant, ApplicantMember, Organisation, Round, Submission, User
from assessor.passwords import hash_password

count, password = int(sys.argv[1]), sys.argv[2]
app = create_app()
with app.app_context():
    round_ = db.session.scalar(db.select(Round))
    password_hash = hash_password(password)
    for n in range(count):
        org = Organisation(name=f"Load Test Provider {n}", kind="community_trust")
        db.session.add(org)
        db.session.flush()
        applicant = Applicant(name=f"Load Test Applicant {n}", lead_organisation_id=org.id)
        db.session.add(applicant)
        db.session.flush()
        db.session.add(ApplicantMember(applicant_id=applicant.id, organisation_id=org.id))
        db.session.add(Submission(round_id=round_.id, applicant_id=applicant.id, status="draft"))
        db.session.add(User(email=f"user{n}@loadtest.example", name=f"Load User {n}", role="lead",
                            organisation_id=org.id, password_hash=password_hash,
                            session_token=secrets.token_hex(16)))
    db.session.commit()
"""


def _prepare(env: dict[str, str], users: int) -> None:
    flask = [sys.executable, "-m", "flask", "--app", "assessor"]
    for args in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run(flask + args, env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run([sys.executable, "-c", _SEED, str(users), PASSWORD], env=env, cwd=ROOT, check=True)


def _serve(app: str, port: int, workers: int, env: dict[str, str]) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        str(ROOT / "gunicorn.conf.py"),
        "--log-level",
        "warning",
        app,
    ]
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(workers)}
    server = subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=10)
            return server
        except requests.RequestException:
            time.sleep(0.2)
    _stop(server)
    raise SystemExit(f"gunicorn did not start serving {app}")


def _stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def _group_cpu_seconds(master_pid: int) -> float:
    """CPU time used so far by a gunicorn master, its live workers and the workers it has reaped."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended while we looked
        # fields[0] is the state (field 3 of stat); utime, stime, cutime, cstime are fields 14-17.
        if int(entry) == master_pid:
            total += sum(int(v) for v in fields[11:15])
        elif int(fields[2]) == master_pid:  # process group: the server runs in its own session
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def _client_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def autosave_form(page: str, rng: random.Random) -> tuple[str, dict[str, str]]:
    """A random scale question on a domain page, and the autosave fields that change its answer."""
    # Two passes over the page: the client shares the server's cores, so its own cost is kept small.
    radios = set(SCALE.findall(page))
    scales = [(qid, marker) for qid, marker in BASE.findall(page) if qid in radios]
    question, marker = rng.choice(scales)
    return question, {f"q-{question}": str(rng.randrange(0, 4)), f"base-{question}": marker}


def _provider_user(
    base: str, n: int, domains: list[str], think: float, deadline: list[float], stats: Stats, ready: threading.Barrier
) -> None:
    session = requests.Session()
    page = session.get(f"{base}/login", timeout=30).text
    session.post(
        f"{base}/login",
        data={"email": f"user{n}@loadtest.example", "password": PASSWORD, "csrf_token": TOKEN.search(page).group(1)},
        timeout=30,
    )
    home = session.get(f"{base}/provider/", timeout=30).text
    submission = re.search(r'href="/provider/submissions/(\d+)"', home).group(1)
    rng = random.Random(n)

    def pause():
        # A person reads and thinks between actions; with think == 0 the user never pauses.
        if think > 0:
            time.sleep(max(0.0, min(rng.expovariate(1 / think), deadline[0] - time.monotonic())))

    ready.wait()
    pause()  # so paced users do not all start in the same instant
    while time.monotonic() < deadline[0]:
        domain = rng.choice(domains)
        started = time.perf_counter()
        response = session.get(f"{base}/provider/submissions/{submission}/sections/{domain}", timeout=30)
        stats.add("domain page", time.perf_counter() - started, response.status_code == 200)
        pause()
        if response.status_code != 200 or time.monotonic() >= deadline[0]:
            continue
        page = response.text
        token = TOKEN.search(page).group(1)
        question, form = autosave_form(page, rng)
        started = time.perf_counter()
        saved = session.post(
            f"{base}/provider/submissions/{submission}/answers/{question}",
            data={**form, "csrf_token": token},
            timeout=30,
        )
        stats.add("save", time.perf_counter() - started, saved.status_code == 200)
        pause()


def _hello_user(base: str, deadline: list[float], stats: Stats, ready: threading.Barrier) -> None:
    session = requests.Session()
    ready.wait()
    while time.monotonic() < deadline[0]:
        started = time.perf_counter()
        response = session.get(f"{base}/", timeout=30)
        stats.add("hello", time.perf_counter() - started, response.status_code == 200)


@dataclass
class Run:
    stats: Stats
    seconds: float
    server_cpu: float  # CPU seconds used by gunicorn (master and workers) during the run
    client_cpu: float  # CPU seconds used by this script's simulated users during the run

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.stats.latencies.values())

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def _drive(target, users: int, seconds: float, arguments, server: subprocess.Popen) -> Run:
    """Run ``users`` threads of ``target``; everyone signs in first and the clock starts when all are ready."""
    stats = Stats()
    ready = threading.Barrier(users + 1)
    deadline = [time.monotonic() + 3600]  # replaced once everyone is ready

    def run(n):
        try:
            target(*arguments(n), deadline, stats, ready)
        except Exception as exc:  # a user that cannot even start must stop the run, not hang it
            print(f"simulated user {n} failed: {exc!r}", file=sys.stderr)
            stats.add("failed user", 0.0, False)
            ready.abort()

    threads = [threading.Thread(target=run, args=(n,), daemon=True) for n in range(users)]
    for thread in threads:
        thread.start()
    try:
        ready.wait(timeout=300)
    except threading.BrokenBarrierError:
        deadline[0] = 0.0
        raise SystemExit("the simulated users could not all sign in; see the errors above") from None
    server_cpu, client_cpu = _group_cpu_seconds(server.pid), _client_cpu_seconds()
    started = time.monotonic()
    deadline[0] = started + seconds
    for thread in threads:
        thread.join(seconds + 60)
    elapsed = time.monotonic() - started
    return Run(stats, elapsed, _group_cpu_seconds(server.pid) - server_cpu, _client_cpu_seconds() - client_cpu)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def _summary(label: str, stats: Stats, elapsed: float) -> list[tuple]:
    rows = []
    total = sum(len(v) for v in stats.latencies.values())
    for kind, values in sorted(stats.latencies.items()):
        rows.append(
            (
                label,
                kind,
                len(values),
                len(values) / elapsed,
                _percentile(values, 0.5) * 1000,
                _percentile(values, 0.95) * 1000,
                _percentile(values, 0.99) * 1000,
                stats.errors.get(kind, 0),
            )
        )
    if len(stats.latencies) == 1:
        return rows
    rows.append(
        (
            label,
            "all",
            total,
            total / elapsed,
            statistics.median([v for vs in stats.latencies.values() for v in vs]) * 1000,
            _percentile([v for vs in stats.latencies.values() for v in vs], 0.95) * 1000,
            _percentile([v for vs in stats.latencies.values() for v in vs], 0.99) * 1000,
            sum(stats.errors.values()),
        )
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="mean pause in seconds between a user's actions (exponential); 0 = closed loop "
        "with no pauses. The hello-world ceiling is always driven without pauses",
    )
    parser.add_argument(
        "--app-only", action="store_true", help="skip the hello-world ceiling (for comparing two versions of the app)"
    )
    parser.add_argument("--database-url", help="an empty PostgreSQL database to use instead of SQLite")
    options = parser.parse_args()
    if not (1 <= options.users <= 200 and 1 <= options.seconds <= 600 and 0 <= options.think <= 60):
        raise SystemExit("keep the test bounded: at most 200 users, 600 seconds and 60 seconds of thinking")

    from questionnaires import DEFAULT_QUESTIONNAIRE_PATH, load_questionnaire

    domains = [
        d.id
        for d in load_questionnaire(DEFAULT_QUESTIONNAIRE_PATH).domains
        if any(q.type == "scale" for q in d.questions)
    ]
    work = Path(tempfile.mkdtemp(prefix="gateway-load-"))
    try:
        database_url = options.database_url or f"sqlite:///{work / 'gateway.sqlite'}"
        env = _environment(work, database_url)
        _prepare(env, options.users)

        port = _free_port()
        server = _serve("wsgi:app", port, options.workers, env)
        try:
            app_run = _drive(
                _provider_user,
                options.users,
                options.seconds,
                lambda n: (f"http://127.0.0.1:{port}", n, domains, options.think),
                server,
            )
        finally:
            _stop(server)

        hello_run = None
        if not options.app_only:
            port = _free_port()
            server = _serve("benchmarks.hello_app:app", port, options.workers, env)
            try:
                hello_run = _drive(
                    _hello_user, options.users, options.seconds, lambda n: (f"http://127.0.0.1:{port}",), server
                )
            finally:
                _stop(server)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    pace = f"a mean pause of {options.think:g} s between actions" if options.think else "no pauses (closed loop)"
    print(
        f"{options.users} users with {pace}, {options.seconds:.0f} s, gunicorn {options.workers} sync workers, "
        f"{'PostgreSQL' if options.database_url else 'SQLite'}, "
        f"rate limits in {env.get('RATELIMIT_STORAGE_URI', 'memory')}"
    )
    print("| server | requests | count | req/s | p50 ms | p95 ms | p99 ms | errors |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    rows = _summary("Gateway", app_run.stats, app_run.seconds)
    if hello_run is not None:
        rows += _summary("hello-world", hello_run.stats, hello_run.seconds)
    for row in rows:
        print(
            f"| {row[0]} | {row[1]} | {row[2]} | {row[3]:.0f} | {row[4]:.1f} | {row[5]:.1f} | {row[6]:.1f} | {row[7]} |"
        )
    print()
    for label, run in (("Gateway", app_run), ("hello-world", hello_run)):
        if run is None:
            continue
        print(
            f"{label}: server {run.server_cpu / run.requests * 1000:.2f} ms CPU per request, "
            f"client {run.client_cpu / run.requests * 1000:.2f} ms; {run.server_cpu + run.client_cpu:.0f} of "
            f"{os.cpu_count() * run.seconds:.0f} CPU-seconds available"
        )
    if hello_run is not None:
        ceiling = "hello-world request rate" + (" (driven without pauses)" if options.think else "")
        print(f"\nGateway served {app_run.rate / hello_run.rate:.0%} of the {ceiling}.")


if __name__ == "__main__":
    main()
