"""Passwords: argon2id hashes, rules for new passwords, and sign-in limits per account and per address."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from assessor import create_app
from assessor.extensions import db
from assessor.models import User
from assessor.passwords import password_problems, verify_password
from tests.app_setup import app_config
from tests.security_helpers import add_user, redis_reachable
from tests.web_client import DEMO_PASSWORD, csrf_token

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "password",
    [
        "short1!",  # under the minimum length
        "Password2026!",  # a common word with the usual decorations
        "P@ssw0rd123456",  # the same with letters swapped for look-alike symbols
        "Summer2025!!!!",
        "qwertyuiop123",
        "Welcome12345",
        "NHS!2026-2026!",  # the service's own vocabulary
        "Gateway-2027!",
        "passwordpassword",  # a common word repeated
        "123456789012",
        "2026-01-31!!!!",  # digits and symbols only
        "aaaaaaaaaaaaaaaa",
        "abababababababab",
    ],
)
def test_weak_passwords_are_refused_with_a_reason(password):
    problems = password_problems(password)
    assert problems and all(problem.startswith("Password") for problem in problems)


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",
        "tigger-lemon-canal-57",
        "Vq8#nL2!pX4@wZ",
    ],
)
def test_long_unusual_passwords_are_accepted(password):
    assert password_problems(password) == []


def test_a_password_made_from_the_account_name_is_refused():
    context = ("olu.martins@eastbrook.example", "Olu Martins", "Eastbrook Community Health")
    assert password_problems("olumartins2026", context=context)
    assert password_problems("Eastbrook!2026", context=context)
    assert password_problems("martins likes purple bicycles", context=context) == []


def test_create_user_refuses_weak_passwords_and_stores_only_an_argon2id_hash(app, data):
    runner = app.test_cli_runner()
    args = ["create-user", "--email", "new@commissioner.example", "--name", "New Person", "--role", "evaluator"]
    refused = runner.invoke(args=[*args, "--password", "Password2026!"])
    assert refused.exit_code != 0 and "too common" in refused.output
    accepted = runner.invoke(args=[*args, "--password", "tigger-lemon-canal-57"])
    assert accepted.exit_code == 0, accepted.output
    with data() as session:
        users = session.scalars(db.select(User).filter_by(email="new@commissioner.example")).all()
        assert len(users) == 1
        assert users[0].password_hash.startswith("$argon2id$")
        assert "tigger" not in users[0].password_hash
        assert verify_password(users[0].password_hash, "tigger-lemon-canal-57")


def _attempt(client, email, password="wrong password", address="10.0.0.1", **headers):
    environ = {"REMOTE_ADDR": address}
    page = client.get("/login", environ_base=environ).get_data(as_text=True)
    return client.post(
        "/login",
        environ_base=environ,
        headers=headers,
        data={"email": email, "password": password, "csrf_token": csrf_token(page)},
    )


def test_sign_in_is_limited_per_account_and_per_address_with_a_clear_message(app, data):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    target, bystander = "target@limit-test.example", "bystander@limit-test.example"
    add_user(data, target)
    add_user(data, bystander)
    client = app.test_client()

    # Per account: guesses spread over several addresses still run out.
    for n in range(3):
        assert _attempt(client, target, address=f"10.0.1.{n}").status_code == 200
    blocked = _attempt(client, target, password=DEMO_PASSWORD, address="10.0.1.9")
    assert blocked.status_code == 429, "even the right password waits until the limit resets"
    page = blocked.get_data(as_text=True)
    assert "Too many attempts" in page and "wait a minute" in page
    assert int(blocked.headers["Retry-After"]) > 0
    assert _attempt(client, bystander, password=DEMO_PASSWORD, address="10.0.1.9").status_code == 302

    # Per address: one address trying many accounts runs out too.
    for n in range(3):
        assert _attempt(client, f"guess{n}@limit-test.example", address="10.0.2.1").status_code == 200
    assert _attempt(client, "guess9@limit-test.example", address="10.0.2.1").status_code == 429

    # A forged X-Forwarded-For does not buy fresh addresses when no proxy is trusted.
    for n in range(3):
        _attempt(client, f"forged{n}@limit-test.example", address="10.0.3.1", **{"X-Forwarded-For": f"192.0.2.{n}"})
    forged = _attempt(client, "forged9@limit-test.example", address="10.0.3.1", **{"X-Forwarded-For": "192.0.2.99"})
    assert forged.status_code == 429


def test_guessing_invitation_links_from_one_address_is_limited_too(app, data):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    client = app.test_client()
    environ = {"REMOTE_ADDR": "10.0.4.1"}
    token = csrf_token(client.get("/login", environ_base=environ).get_data(as_text=True))

    def guess():
        return client.post(
            "/invitations/" + secrets.token_urlsafe(32),
            environ_base=environ,
            data={"name": "Guess", "password": "tigger-lemon-canal-57", "csrf_token": token},
        )

    assert [guess().status_code == 429 for _ in range(3)] == [False] * 3
    blocked = guess()
    assert blocked.status_code == 429 and "Too many attempts" in blocked.get_data(as_text=True)
    assert client.get("/login", environ_base={"REMOTE_ADDR": "10.0.4.2"}).status_code == 200


_OTHER_WORKER = """
import json, re, sys
from assessor import create_app
config = json.loads(sys.argv[1])
client = create_app(config).test_client()
environ = {"REMOTE_ADDR": config["ADDRESS"]}
for n in range(3):
    page = client.get("/login", environ_base=environ).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    print(client.post("/login", environ_base=environ,
                      data={"email": config["TARGET"], "password": "wrong", "csrf_token": token}).status_code)
"""


def test_with_redis_the_sign_in_limit_is_shared_by_every_worker_process(database_url, data, tmp_path, app):
    if not redis_reachable():
        pytest.skip("no Redis at 127.0.0.1:6379")
    # Unique names keep counts from other test runs sharing this Redis out of the way.
    target = f"shared-{secrets.token_hex(4)}@limit-test.example"
    add_user(data, target)
    config = {
        **app_config(database_url, tmp_path),
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
        "LOGIN_RATE_LIMIT": "3 per minute",
        "TARGET": target,
        "ADDRESS": f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.1",
    }
    # Three failed attempts in another process (another gunicorn worker, say)...
    other = subprocess.run(
        [sys.executable, "-c", _OTHER_WORKER, json.dumps(config)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert other.returncode == 0, other.stderr[-2000:]
    assert other.stdout.split() == ["200", "200", "200"]
    # ...use up the account's allowance in this one too, even from another address.
    here = create_app(config).test_client()
    assert _attempt(here, target, password=DEMO_PASSWORD, address="10.255.255.1").status_code == 429


def test_sign_in_fails_closed_when_redis_is_down(database_url, data, tmp_path, app):
    """Deliberately no per-process fallback, which would loosen the limit per worker (review finding F11)."""
    add_user(data, "fallback@limit-test.example")
    config = {
        **app_config(database_url, tmp_path),
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1",
        "LOGIN_RATE_LIMIT": "2 per minute",
    }
    closed_app = create_app(config)
    refused = _attempt(closed_app.test_client(), "fallback@limit-test.example", password=DEMO_PASSWORD)
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "60"
    assert "the service that counts attempts cannot be reached" in refused.get_data(as_text=True)
