"""When the rate limiter's Redis cannot be reached, the limited forms refuse (503) instead of
counting per process, and readiness says so (review finding F11)."""

from __future__ import annotations

import secrets

import pytest

from assessor import create_app
from tests.app_setup import app_config
from tests.security_helpers import add_user, redis_reachable
from tests.web_client import DEMO_PASSWORD, Browser, csrf_token

DOWN = "redis://127.0.0.1:1"  # nothing listens on port 1
PAUSED = "the service that counts attempts cannot be reached"


@pytest.fixture
def limits_down_app(app, database_url, tmp_path):
    """A second app on the test's database whose rate-limit Redis is unreachable."""
    down = create_app({**app_config(database_url, tmp_path), "RATELIMIT_STORAGE_URI": DOWN})
    yield down
    from assessor.extensions import db

    with down.app_context():
        db.session.remove()
        db.engine.dispose()


def test_readiness_reports_the_rate_limit_storage(limits_down_app):
    ready = limits_down_app.test_client().get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["checks"] == {"database": "ok", "rate_limits": "unreachable"}


def test_sign_in_is_refused_not_counted_per_process_while_the_storage_is_down(limits_down_app, data):
    add_user(data, "closed@limit-test.example")
    client = limits_down_app.test_client()
    page = client.get("/login")
    assert page.status_code == 200
    for password in ("wrong password", DEMO_PASSWORD):
        attempt = client.post(
            "/login",
            data={
                "email": "closed@limit-test.example",
                "password": password,
                "csrf_token": csrf_token(page.get_data(as_text=True)),
            },
        )
        assert attempt.status_code == 503 and attempt.headers["Retry-After"] == "60"
        assert PAUSED in attempt.get_data(as_text=True)
    assert client.get("/provider/").status_code == 302  # not signed in


def test_invitations_are_refused_and_signed_in_pages_carry_on(demo, database_url, tmp_path):
    # Signed in while the counters were up; the limiter is one object, so the second app replaces
    # its storage for both, as a Redis outage would.
    before = Browser(demo.test_client())
    before.login("lead@eastbrook.example")
    down = create_app({**app_config(database_url, tmp_path), "RATELIMIT_STORAGE_URI": DOWN})
    browser = Browser(down.test_client())
    browser.client.set_cookie("session", before.client.get_cookie("session").value)
    assert browser.get("/provider/").status_code == 200
    page = browser.get("/provider/colleagues").get_data(as_text=True)
    invited = browser.client.post(
        "/provider/colleagues/invite",
        data={"email": "new.person@eastbrook.example", "role": "contributor", "csrf_token": csrf_token(page)},
    )
    assert invited.status_code == 503 and PAUSED in invited.get_data(as_text=True)
    from assessor.extensions import db

    with down.app_context():
        db.session.remove()
        db.engine.dispose()


def test_readiness_and_sign_in_with_the_storage_up(app, data, database_url, tmp_path):
    if not redis_reachable():
        pytest.skip("no Redis at 127.0.0.1:6379")
    add_user(data, "open@limit-test.example")
    up = create_app(
        {
            **app_config(database_url, tmp_path),
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
            "RATELIMIT_KEY_PREFIX": f"gw-test-{secrets.token_hex(4)}",
        }
    )
    client = up.test_client()
    assert client.get("/readyz").get_json()["checks"] == {"database": "ok", "rate_limits": "ok"}
    page = client.get("/login").get_data(as_text=True)
    signed_in = client.post(
        "/login", data={"email": "open@limit-test.example", "password": DEMO_PASSWORD, "csrf_token": csrf_token(page)}
    )
    assert signed_in.status_code == 302
