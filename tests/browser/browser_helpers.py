"""What the browser tests do again and again: sign in, check accessibility, keep screenshots."""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

from tests.web_client import DEMO_PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


def sign_in(page, email: str, password: str = DEMO_PASSWORD, *, lands_on: str = "/provider/") -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{lands_on}")


def sign_in_commissioner(page, email: str) -> None:
    sign_in(page, email, lands_on="/review/")


def live_data(live_server):
    """A ``data()`` context like the app tests' fixture, but on the running server's database."""
    from assessor.extensions import db

    @contextmanager
    def data():
        with live_server.database():
            yield db.session
            db.session.remove()

    return data


def serious_accessibility_problems(page) -> list[str]:
    """axe-core's serious and critical violations on the page, one line each.

    The script goes in through the DevTools protocol: the app's CSP rightly refuses inline scripts.
    """
    page.evaluate(AXE.read_text(encoding="utf-8"))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(json.dumps(n['target']) for n in v['nodes'][:3])}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    return path
