"""Route × role matrix: every registered route, every kind of user, the demo round's real ids.

For each role one test walks every rule in ``app.url_map`` (so a new route cannot be missed) against
every demo submission, a submission id that does not exist, and evidence ids that belong to another
submission.  Denials must be exactly what the policy in ``security_helpers`` says; allowed requests
must not fail; and no page a provider can open may name another applicant or its organisations.
"""

from __future__ import annotations

import pytest

from assessor import create_app
from tests.app_setup import app_config
from tests.security_helpers import (
    ALLOWED,
    LOGIN,
    POLICY,
    PROVIDER_ROLES,
    ROLES,
    cases_for,
    comparable_page,
    is_login_redirect,
    prepare_world,
    routes,
    stub_pdf_layout,
)
from tests.web_client import csrf_token


def test_every_route_has_an_access_policy_and_no_policy_is_stale(tmp_path):
    app = create_app(app_config(f"sqlite:///{tmp_path / 'unused.sqlite'}", tmp_path))
    endpoints = {rule.endpoint for rule in routes(app)}
    from assessor.services.jobs import JOB_KINDS

    stale = {
        key
        for key in POLICY
        if key.split(":")[0] not in endpoints or (":" in key and key.split(":", 1)[1] not in JOB_KINDS)
    }
    assert not stale, f"policies for routes that no longer exist: {sorted(stale)}"


@pytest.fixture
def stub_pdf_engine(monkeypatch):
    # Access is decided before rendering; the real WeasyPrint step would only slow the walk down.
    stub_pdf_layout(monkeypatch)


def _judge(case, response, signed_in: bool) -> str | None:
    policy = POLICY[case.endpoint]
    status = response.status_code
    if case.expect == LOGIN:
        return None if is_login_redirect(response) else f"expected a redirect to sign in, got {status}"
    if case.expect == ALLOWED:
        if status == 404 and policy.may_not_exist_yet:
            return None
        if status in (403, 404) or status >= 500:
            return f"expected access, got {status}"
        if signed_in and is_login_redirect(response) and not policy.ends_session:
            return "expected access, was sent to sign in"
        return None
    return None if status in case.expect else f"expected {sorted(case.expect)}, got {status}"


def _commissioner_names(data) -> set[str]:
    from assessor.extensions import db
    from assessor.models import User

    with data() as session:
        return set(session.scalars(db.select(User.name).where(User.organisation_id.is_(None))))


@pytest.mark.parametrize("role", ROLES, ids=lambda role: role.key)
def test_route_role_matrix(demo, data, make_browser, stub_pdf_engine, role):
    world = prepare_world(data)
    browser = make_browser()
    if role.anonymous:
        token = csrf_token(browser.get("/login").get_data(as_text=True))
    else:
        browser.login(role.email)
        token = csrf_token(browser.get("/", follow_redirects=True).get_data(as_text=True))
    is_provider = not role.anonymous and world.users[role.email]["role"] in PROVIDER_ROLES
    own = world.own(role)
    foreign_names = set()
    if is_provider:
        foreign_names = set().union(*(f.names for f in world.submissions.values() if f is not own)) - own.names
        # Nor may a provider page name a commissioner: providers read "The evaluation team" (F3).
        foreign_names |= _commissioner_names(data)

    failures, denial_pages, walked = [], {}, 0
    for rule in routes(demo):
        for case in cases_for(demo, rule, role, world):
            if case.method == "GET":
                response = browser.client.get(case.url)
            else:
                response = browser.client.open(case.url, method=case.method, data={**case.form, "csrf_token": token})
            walked += 1
            where = f"{role.key}: {case.method} {case.url} {case.form or ''} ({case.endpoint}, {case.about})"
            problem = _judge(case, response, signed_in=not role.anonymous)
            if problem:
                failures.append(f"{where}: {problem}")
            if is_provider and response.mimetype == "text/html":
                body = response.get_data(as_text=True)
                leaked = sorted(name for name in foreign_names if name in body)
                if leaked:
                    failures.append(f"{where}: page names another applicant or a commissioner: {leaked}")
            if case.about in ("other", "private", "missing") and response.status_code == 404:
                denial_pages.setdefault((case.endpoint, case.method), {})[case.url] = comparable_page(
                    response.get_data(as_text=True)
                )

    # "Not yours" and "does not exist" must look the same, or ids could be probed for existence.
    for (endpoint, method), pages in denial_pages.items():
        if len(set(pages.values())) > 1:
            failures.append(f"{role.key}: {method} {endpoint}: 404 for another's id differs from a missing id")
    assert walked > len(POLICY), "the walk should cover every route"
    assert not failures, "\n".join(failures)
