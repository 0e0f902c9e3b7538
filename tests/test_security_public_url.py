"""Invitation links are built from the configured public address, never from the request's Host
header, which whoever sends the request chooses (review note I1)."""

from __future__ import annotations

import html as html_lib
import re

import pytest

from assessor.config import ConfigError, build_config
from tests.provider_helpers import page_form

LINK = re.compile(r'value="([^"]*/invitations/[^"]+)"')


def _invite(browser, host):
    page = browser.client.get("/provider/colleagues").get_data(as_text=True)
    # The same browser session, sent with a forged Host header.
    browser.client.set_cookie("session", browser.client.get_cookie("session").value, domain=host)
    created = browser.client.post(
        "/provider/colleagues/invite",
        headers={"Host": host},
        data={
            "email": "new.person@eastbrook.example",
            "role": "contributor",
            "csrf_token": page_form(page, "/provider/colleagues/invite")["csrf_token"],
        },
    )
    assert created.status_code == 200
    return html_lib.unescape(LINK.search(created.get_data(as_text=True)).group(1))


def test_invitation_links_use_the_public_address_whatever_the_host_header(demo, browser):
    demo.config["PUBLIC_URL"] = "https://gateway.example.nhs.uk"
    demo.config["SERVER_NAME"] = None  # as in production, where no server name is configured
    browser.login("lead@eastbrook.example")
    demo.config["PUBLIC_URL"] = None
    # Without a public address the link follows the Host header: the attack this setting stops.
    assert _invite(browser, "evil.example").startswith("http://evil.example/invitations/")
    demo.config["PUBLIC_URL"] = "https://gateway.example.nhs.uk"
    link = _invite(browser, "evil.example")
    assert link.startswith("https://gateway.example.nhs.uk/invitations/")
    assert "evil.example" not in link


@pytest.mark.parametrize(
    "value", ["gateway.example.nhs.uk", "ftp://gateway.example", "https://gateway.example/path", "https://"]
)
def test_a_malformed_public_address_stops_start_up(monkeypatch, value):
    monkeypatch.setenv("GATEWAY_ENV", "development")
    monkeypatch.setenv("GATEWAY_PUBLIC_URL", value)
    with pytest.raises(ConfigError, match="GATEWAY_PUBLIC_URL must be like"):
        build_config()


def test_production_needs_an_https_public_address(monkeypatch):
    monkeypatch.setenv("GATEWAY_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 48)
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("GATEWAY_PUBLIC_URL", "http://gateway.example.nhs.uk")
    with pytest.raises(ConfigError, match="must start with https://"):
        build_config()
    monkeypatch.setenv("GATEWAY_PUBLIC_URL", "https://gateway.example.nhs.uk/")
    assert build_config()["PUBLIC_URL"] == "https://gateway.example.nhs.uk"
