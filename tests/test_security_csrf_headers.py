"""CSRF on every state-changing route, and browser security headers on every page."""

from __future__ import annotations

import re

import pytest

from assessor.extensions import db
from assessor.models import Answer, AuditEvent, Evidence, Submission
from tests.security_helpers import ALLOWED, ROLES, cases_for, prepare_world, routes, stub_pdf_layout
from tests.web_client import csrf_token


@pytest.fixture
def stub_pdf_engine(monkeypatch):
    stub_pdf_layout(monkeypatch)


class Visitors:
    """One signed-in browser per role, opened on first use."""

    def __init__(self, app, make_browser):
        self.app, self.make_browser, self.browsers = app, make_browser, {}

    def get(self, role):
        if role.key not in self.browsers:
            browser = self.make_browser()
            if not role.anonymous:
                browser.login(role.email)
            self.browsers[role.key] = browser
        return self.browsers[role.key]


def _allowed_cases(app, rule, world):
    """For each request shape of ``rule``, the first role the policy lets through, with its case."""
    chosen = {}
    for role in ROLES:
        for case in cases_for(app, rule, role, world):
            if case.expect == ALLOWED and case.about in ("own", "-"):
                chosen.setdefault((case.endpoint, case.method), (role, case))
    return chosen.values()


def _state(data):
    with data() as session:
        return (
            session.scalar(db.select(db.func.count()).select_from(AuditEvent).where(AuditEvent.action != "auth.login")),
            session.scalar(db.select(db.func.count()).select_from(Answer)),
            session.scalar(db.select(db.func.count()).select_from(Evidence).where(Evidence.removed_at.is_(None))),
            tuple(session.scalars(db.select(Submission.status).order_by(Submission.id))),
        )


def test_every_state_changing_route_refuses_a_request_without_a_valid_csrf_token(demo, data, make_browser):
    world = prepare_world(data)
    visitors = Visitors(demo, make_browser)
    foreign_token = csrf_token(make_browser().get("/login").get_data(as_text=True))
    before = _state(data)
    checked = []
    for rule in routes(demo):
        if not (rule.methods - {"GET", "HEAD", "OPTIONS"}):
            continue
        for role, case in _allowed_cases(demo, rule, world):
            if case.method == "GET":
                continue
            client = visitors.get(role).client
            missing = client.open(case.url, method=case.method, data=case.form)
            forged = client.open(case.url, method=case.method, data={**case.form, "csrf_token": foreign_token})
            assert missing.status_code == 400, f"{case.method} {case.url} without a token: {missing.status_code}"
            assert forged.status_code == 400, (
                f"{case.method} {case.url} with another session's token: {forged.status_code}"
            )
            checked.append(case.endpoint)
    assert _state(data) == before, "a refused request changed something"
    posted_endpoints = {r.endpoint for r in demo.url_map.iter_rules() if "POST" in r.methods}
    assert posted_endpoints <= {c.split(":")[0] for c in checked}


_SCRIPT = re.compile(r"<script\b([^>]*)>", re.I)
_INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
_STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.I)


def _directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed[words[0].lower()] = words[1:]
    return parsed


def _header_problems(response) -> list[str]:
    problems = []
    csp = _directives(response.headers.get("Content-Security-Policy", ""))
    scripts = csp.get("script-src", csp.get("default-src"))
    if scripts is None or "'unsafe-inline'" in scripts or "'unsafe-eval'" in scripts or "*" in scripts:
        problems.append(f"script-src allows inline or any script: {scripts}")
    if csp.get("frame-ancestors") not in (["'none'"], ["'self'"]):
        problems.append("CSP frame-ancestors missing")
    if csp.get("object-src") != ["'none'"]:
        problems.append("CSP object-src is not 'none'")
    if response.headers.get("X-Frame-Options") not in ("DENY", "SAMEORIGIN"):
        problems.append("X-Frame-Options missing")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("X-Content-Type-Options is not nosniff")
    # no-referrer would also break Flask-WTF's same-origin Referer check over HTTPS.
    if response.headers.get("Referrer-Policy") not in (
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
    ):
        problems.append(f"Referrer-Policy is {response.headers.get('Referrer-Policy')!r}")
    if response.mimetype == "text/html":
        html = response.get_data(as_text=True)
        if any("src=" not in attrs for attrs in _SCRIPT.findall(html)):
            problems.append("inline <script> (blocked by the CSP, so the page would break)")
        if _INLINE_HANDLER.search(html):
            problems.append("inline event handler attribute")
        if _STYLE_ATTRIBUTE.search(html):
            problems.append("inline style attribute (blocked by the CSP)")
    return problems


def test_every_page_sends_the_security_headers(demo, data, make_browser, stub_pdf_engine):
    world = prepare_world(data)
    visitors = Visitors(demo, make_browser)
    failures, seen = [], 0
    for rule in routes(demo):
        if "GET" not in rule.methods:
            continue
        for role, case in _allowed_cases(demo, rule, world):
            response = visitors.get(role).client.get(case.url)
            seen += 1
            failures += [f"{case.url} as {role.key}: {p}" for p in _header_problems(response)]
            # Pages with applicants' answers must not be kept by shared or browser caches.
            if (
                role.anonymous is False
                and case.endpoint != "static"
                and "no-store" not in response.headers.get("Cache-Control", "")
            ):
                failures.append(f"{case.url} as {role.key}: Cache-Control lacks no-store")
    # Error pages and the sign-in page carry them too.
    anonymous = make_browser()
    for response in (anonymous.get("/login"), anonymous.get("/no-such-page"), visitors.get(ROLES[1]).get("/review/")):
        failures += [f"{response.request.path} ({response.status_code}): {p}" for p in _header_problems(response)]
    assert seen >= len([r for r in demo.url_map.iter_rules() if "GET" in r.methods])
    assert not failures, "\n".join(failures)
