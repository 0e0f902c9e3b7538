"""Sessions: cookie flags, sign-out that really ends the session, a fresh session at sign-in,
strong session protection and safe redirects after sign-in."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

import pytest

from assessor import create_app
from tests.app_setup import app_config
from tests.security_helpers import add_user, redis_reachable
from tests.web_client import DEMO_PASSWORD, Browser, csrf_token

EMAIL = "lead@session-test.example"


def _session_cookie(client):
    cookie = client.get_cookie("session", domain="localhost")
    return cookie.value if cookie else None


def test_session_cookie_is_httponly_and_samesite_and_secure_in_production(app, data, database_url, tmp_path):
    add_user(data, EMAIL)
    response = Browser(app.test_client()).login(EMAIL)
    set_cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie
    assert "Secure" not in set_cookie, "development over plain http needs a cookie the browser will send"

    if not redis_reachable():
        pytest.skip("production config needs Redis for rate limits; none at 127.0.0.1:6379")
    production = create_app(
        {
            **app_config(database_url, tmp_path),
            "ENV_NAME": "production",
            "SECRET_KEY": secrets.token_hex(32),
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
        }
    )
    client = production.test_client()
    page = client.get("/login", base_url="https://localhost").get_data(as_text=True)
    # Over HTTPS the CSRF check also wants a same-site Referer, which Referrer-Policy same-origin keeps.
    response = client.post(
        "/login",
        base_url="https://localhost",
        headers={"Referer": "https://localhost/login"},
        data={"email": EMAIL, "password": DEMO_PASSWORD, "csrf_token": csrf_token(page)},
    )
    assert response.status_code == 302
    flags = {part.strip().split("=")[0].lower() for part in response.headers["Set-Cookie"].split(";")}
    assert {"secure", "httponly", "samesite"} <= flags
    assert "samesite=lax" in response.headers["Set-Cookie"].lower()
    assert client.get("/provider/", base_url="https://localhost").status_code == 200


def test_signing_out_makes_every_copy_of_the_session_cookie_useless(app, data):
    add_user(data, EMAIL)
    victim = Browser(app.test_client())
    victim.login(EMAIL)
    stolen = _session_cookie(victim.client)

    thief = app.test_client()
    thief.set_cookie("session", stolen, domain="localhost")
    assert thief.get("/provider/").status_code == 200, "a copied cookie works while the session is live"

    victim.post("/logout", {}, page="/provider/")
    assert victim.get("/provider/").status_code == 302
    response = thief.get("/provider/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_signing_in_starts_a_fresh_session(app, data):
    add_user(data, EMAIL)
    attacker = app.test_client()
    login_page = attacker.get("/login").get_data(as_text=True)
    with attacker.session_transaction() as planted:
        planted["planted_by_attacker"] = "yes"
    fixed_cookie = _session_cookie(attacker)
    old_token = csrf_token(login_page)

    # The victim signs in with the session cookie the attacker planted in their browser.
    victim = app.test_client()
    victim.set_cookie("session", fixed_cookie, domain="localhost")
    response = victim.post("/login", data={"email": EMAIL, "password": DEMO_PASSWORD, "csrf_token": old_token})
    assert response.status_code == 302
    assert _session_cookie(victim) != fixed_cookie
    with victim.session_transaction() as fresh:
        assert "planted_by_attacker" not in fresh
    assert victim.post("/logout", data={"csrf_token": old_token}).status_code == 400, (
        "a form token from before sign-in must not work after it"
    )

    # The attacker's copy of the pre-sign-in cookie is still an anonymous session.
    response = attacker.get("/provider/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_session_used_from_another_browser_is_dropped(app, data):
    add_user(data, EMAIL)
    client = app.test_client()
    page = client.get("/login", headers={"User-Agent": "Browser A"}).get_data(as_text=True)
    client.post(
        "/login",
        headers={"User-Agent": "Browser A"},
        data={"email": EMAIL, "password": DEMO_PASSWORD, "csrf_token": csrf_token(page)},
    )
    assert client.get("/provider/", headers={"User-Agent": "Browser A"}).status_code == 200
    response = client.get("/provider/", headers={"User-Agent": "Other browser"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


HOSTILE_NEXT = [
    "https://evil.example/provider/",
    "//evil.example/provider/",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "javascript:alert(document.cookie)",
    "http:evil.example",
    "evil.example",
]


def test_sign_in_returns_to_the_page_asked_for_but_never_to_another_site(app, data):
    add_user(data, EMAIL)
    client = app.test_client()
    bounced = client.get("/provider/")
    login_url = bounced.headers["Location"]
    assert "next=" in login_url
    page = client.get(login_url).get_data(as_text=True)
    response = client.post(login_url, data={"email": EMAIL, "password": DEMO_PASSWORD, "csrf_token": csrf_token(page)})
    assert urlsplit(response.headers["Location"]).path == "/provider/"

    for target in HOSTILE_NEXT:
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        response = client.post(
            "/login",
            query_string={"next": target},
            data={"email": EMAIL, "password": DEMO_PASSWORD, "csrf_token": csrf_token(page)},
        )
        assert response.status_code == 302
        location = urlsplit(response.headers["Location"])
        assert location.netloc in ("", "localhost") and location.path == "/provider/", (target, location)
