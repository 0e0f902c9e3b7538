"""Sign-in counts every attempt against the account it names: the limits and the view read the same
form body, and other bodies are refused (review finding F15)."""

from __future__ import annotations

import json

import pytest

from tests.security_helpers import add_user
from tests.web_client import DEMO_PASSWORD, csrf_token

TARGET = "target@limit-test.example"


def _token(client, address):
    return csrf_token(client.get("/login", environ_base={"REMOTE_ADDR": address}).get_data(as_text=True))


def _form(client, n, password="wrong password", multipart=False):
    address = f"10.1.0.{n}"  # a new address each time: only the account limit applies
    fields = {"email": TARGET, "password": password, "csrf_token": _token(client, address)}
    return client.post(
        "/login",
        environ_base={"REMOTE_ADDR": address},
        data=fields,
        content_type="multipart/form-data" if multipart else "application/x-www-form-urlencoded",
    )


def _other_body(client, n, content_type, password=DEMO_PASSWORD):
    address = f"10.2.0.{n}"
    token = _token(client, address)
    fields = {"email": TARGET, "password": password, "csrf_token": token}
    body = json.dumps(fields) if "json" in content_type else "&".join(f"{k}={v}" for k, v in fields.items())
    return client.post(
        "/login",
        environ_base={"REMOTE_ADDR": address},
        headers={"X-CSRFToken": token},
        data=body,
        content_type=content_type,
    )


@pytest.mark.parametrize(
    "content_type", ["application/json", "text/json", "application/vnd.api+json", "text/plain", "application/xml"]
)
def test_sign_in_takes_only_a_form_body(app, data, content_type):
    add_user(data, TARGET)
    client = app.test_client()
    refused = _other_body(client, 1, content_type)
    assert refused.status_code == 400
    assert client.get("/provider/").status_code == 302  # still signed out


def test_json_attempts_cannot_add_to_an_exhausted_accounts_allowance(app, data):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    add_user(data, TARGET)
    client = app.test_client()
    assert [_form(client, n).status_code for n in range(3)] == [200, 200, 200]
    assert _form(client, 3).status_code == 429
    assert [_other_body(client, n, "application/json", password="guess").status_code for n in range(5)] == [400] * 5
    assert _other_body(client, 9, "application/json").status_code == 400


def test_form_encodings_share_one_account_allowance(app, data):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    add_user(data, TARGET)
    client = app.test_client()
    codes = [_form(client, 0).status_code, _form(client, 1, multipart=True).status_code, _form(client, 2).status_code]
    assert codes == [200, 200, 200]
    assert _form(client, 3, password=DEMO_PASSWORD, multipart=True).status_code == 429


def test_a_multipart_form_still_signs_in(app, data):
    add_user(data, TARGET)
    assert _form(app.test_client(), 5, password=DEMO_PASSWORD, multipart=True).status_code == 302


def test_invitation_acceptance_takes_only_a_form_body(app):
    client = app.test_client()
    response = client.post(
        "/invitations/some-token",
        data=json.dumps({"name": "x", "password": "y", "confirm": "y"}),
        content_type="application/json",
    )
    assert response.status_code == 400
