"""The Flask test client used as a person's browser uses the site: it posts forms with their CSRF token
and hidden fields, and signs in with the demo accounts' password.
"""

from __future__ import annotations

import html as html_lib
import re

DEMO_PASSWORD = "gateway-demo-2026"
_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
_HIDDEN = re.compile(r'<input(?=[^>]*type="hidden")[^>]*>')
_ATTR = re.compile(r'(name|value)="([^"]*)"')


def csrf_token(html: str) -> str:
    """The CSRF token of the (first) form on the page."""
    match = _TOKEN.search(html)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)


def hidden_fields(html: str) -> dict[str, str]:
    """Name -> value of the page's hidden inputs other than the CSRF token."""
    fields = {}
    for tag in _HIDDEN.findall(html):
        attrs = dict(_ATTR.findall(tag))
        if "name" in attrs and attrs["name"] != "csrf_token":
            fields[attrs["name"]] = html_lib.unescape(attrs.get("value", ""))
    return fields


class Browser:
    """A test client that behaves like a person's browser: it reads the CSRF token from the page."""

    def __init__(self, client):
        self.client = client

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url, data=None, *, page=None, **kwargs):
        """Post ``data`` as the form on ``page`` (default ``url``) would: with its hidden fields."""
        posted = dict(data or {})
        if "csrf_token" not in posted:
            html = self.client.get(page or url).get_data(as_text=True)
            for name, value in hidden_fields(html).items():
                posted.setdefault(name, value)
            posted["csrf_token"] = csrf_token(html)
        return self.client.post(url, data=posted, **kwargs)

    def login(self, email, password=DEMO_PASSWORD):
        response = self.post("/login", {"email": email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return response
