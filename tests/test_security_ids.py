"""Impossible ids: too large for the database, or written in digits of another script.

Every integer argument of every route in ``app.url_map`` and every id a form or query string carries
is tried with values the database cannot hold (2**31 for PostgreSQL's integer, 2**63 for SQLite's,
2**64, thousands of digits) and with digits ``int()`` accepts but no link of ours would contain
("٣", "１", "²").  A URL naming one is a missing page (404); a form naming one is refused; neither
is ever a server error.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from werkzeug.routing import Map, Rule

from assessor.ids import MAX_ID, IdConverter, parse_id
from tests.security_helpers import ROLE_BY_KEY, cases_for, prepare_world, routes, stub_pdf_layout
from tests.web_client import csrf_token

HOSTILE_IDS = [str(2**31 - 1), str(2**31), str(2**63), str(2**64), "9" * 5000, "²", "٣", "１", "-1", "1_0", " 7"]
# The ids a form may post, wherever they appear; the walk also takes every "..._id" field on a page.
FORM_ID_FIELDS = {
    "action_id",
    "assignee",
    "based_on_version",
    "clarification_id",
    "condition_id",
    "declaration_id",
    "organisation",
    "remove-evidence",
    "representation_id",
    "round_id",
    "submission_id",
}
_INT_ARGUMENT = re.compile(r"<int(?:\([^)]*\))?:(\w+)>")
_ANY_ARGUMENT = re.compile(r"<(?:[^:>]+:)?(\w+)>")
_FIELD_NAME = re.compile(r'name="([^"]+)"')


def test_parse_id_takes_ascii_digits_the_database_can_hold():
    assert parse_id("0") == 0 and parse_id("42") == 42 and parse_id(str(MAX_ID)) == MAX_ID
    assert parse_id(17) == 17
    for value in [*HOSTILE_IDS[1:], "", None, "1.0", "0x10", True, str(MAX_ID + 1), [1]]:
        assert parse_id(value) is None, value


def test_the_int_converter_is_bounded_and_ascii_only():
    urls = Map(
        [Rule("/a/<int:n>", endpoint="a"), Rule("/b/<int(max=5):n>", endpoint="b")],
        converters={"int": IdConverter},
    ).bind("localhost")
    assert urls.match("/a/7") == ("a", {"n": 7})
    assert urls.match(f"/a/{MAX_ID}") == ("a", {"n": MAX_ID})
    assert urls.match("/b/5") == ("b", {"n": 5})
    for path in [f"/a/{MAX_ID + 1}", f"/a/{2**64}", "/a/٣", "/a/１", "/a/²", "/a/" + "9" * 5000, "/b/6"]:
        with pytest.raises(Exception) as refused:
            urls.match(path)
        assert getattr(refused.value, "code", None) == 404, path


def _acting_role(endpoint: str):
    """Someone who gets past the blueprint's gate, so it is the id, not the role, that is judged."""
    if endpoint.startswith("provider."):
        return ROLE_BY_KEY["lead_a"]
    if endpoint.startswith("auth."):
        return ROLE_BY_KEY["anonymous"]
    return ROLE_BY_KEY["site_admin"]


def _signed_in(make_browser, role):
    browser = make_browser()
    if role.anonymous:
        return browser, csrf_token(browser.get("/login").get_data(as_text=True))
    browser.login(role.email)
    return browser, csrf_token(browser.get("/", follow_redirects=True).get_data(as_text=True))


def _valid_arguments(app, rule, role, world) -> tuple[dict, dict]:
    """Arguments of a URL of ``rule`` that the role may open, and the form that goes with it."""
    cases = cases_for(app, rule, role, world)
    case = next((c for c in cases if c.about in ("own", "-")), cases[0])
    _, arguments = app.url_map.bind("localhost").match(case.url.split("?")[0], method=case.method)
    return {name: str(value) for name, value in arguments.items()}, case.form


def _path(rule, arguments: dict) -> str:
    return _ANY_ARGUMENT.sub(lambda m: quote(arguments[m.group(1)], safe=""), rule.rule)


@pytest.fixture
def stub_pdf_engine(monkeypatch):
    stub_pdf_layout(monkeypatch)


def test_every_integer_route_argument_refuses_impossible_ids_as_not_found(demo, data, make_browser, stub_pdf_engine):
    world = prepare_world(data)
    browsers = {}
    failures, tried = [], 0
    for rule in routes(demo):
        names = _INT_ARGUMENT.findall(rule.rule)
        if not names:
            continue
        role = _acting_role(rule.endpoint)
        if role.key not in browsers:
            browsers[role.key] = _signed_in(make_browser, role)
        browser, token = browsers[role.key]
        arguments, form = _valid_arguments(demo, rule, role, world)
        for name in names:
            for hostile in HOSTILE_IDS:
                url = _path(rule, {**arguments, name: hostile})
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                    response = browser.client.open(url, method=method, data={**form, "csrf_token": token})
                    tried += 1
                    # Werkzeug answers 405 when a path fits a rule for another method but not this one.
                    if response.status_code not in (404, 405):
                        failures.append(f"{method} {url[:120]} ({rule.endpoint}): {response.status_code}")
    assert tried > 100, "the walk should reach every integer argument"
    assert not failures, "\n".join(failures)


def test_impossible_ids_in_forms_and_query_strings_never_cause_a_server_error(
    demo, data, make_browser, stub_pdf_engine
):
    world = prepare_world(data)
    browsers = {}
    failures = []
    for rule in routes(demo):
        if rule.endpoint == "auth.logout":
            continue
        role = _acting_role(rule.endpoint)
        if role.key not in browsers:
            browsers[role.key] = _signed_in(make_browser, role)
        browser, token = browsers[role.key]
        arguments, form = _valid_arguments(demo, rule, role, world)
        url = _path(rule, arguments)
        fields = set(FORM_ID_FIELDS)
        if "GET" in rule.methods:
            page = browser.client.get(url)
            if page.mimetype == "text/html":
                fields |= {n for n in _FIELD_NAME.findall(page.get_data(as_text=True)) if n.endswith("_id")}
        for hostile in HOSTILE_IDS:
            if "GET" in rule.methods:
                response = browser.client.get(f"{url}?page={quote(hostile)}&show={quote(hostile)}")
                if response.status_code >= 500:
                    failures.append(f"GET {url}?page={hostile[:30]} ({rule.endpoint}): {response.status_code}")
            if "POST" in rule.methods:
                posted = {**form, **dict.fromkeys(fields - set(form), hostile), "csrf_token": token}
                response = browser.client.post(url, data=posted)
                if response.status_code >= 500:
                    failures.append(f"POST {url} {hostile[:30]!r} ({rule.endpoint}): {response.status_code}")
    assert not failures, "\n".join(failures)


def test_the_review_reports_id_fields_refuse_a_non_ascii_digit(demo, data, make_browser):
    """The review's own repro: "²" as a posted id was a 500 on each of these forms."""
    world = prepare_world(data)
    sid = world.submissions["Eastbrook Community Partnership"].id
    provider, provider_token = _signed_in(make_browser, ROLE_BY_KEY["lead_b"])
    response = provider.client.post(
        f"/provider/submissions/{sid}/clarifications",
        data={"clarification_id": "²", "reply": "hello", "csrf_token": provider_token},
    )
    assert response.status_code == 200 and "Choose the question you are replying to" in response.get_data(as_text=True)
    admin, token = _signed_in(make_browser, ROLE_BY_KEY["site_admin"])
    for path, field in [
        (f"/review/submissions/{sid}/recommendations/close", "action_id"),
        (f"/review/submissions/{sid}/conditions/close", "condition_id"),
        (f"/review/rounds/{world.round_id}/conflicts/mitigate", "declaration_id"),
        (f"/review/submissions/{sid}/representations/review", "representation_id"),
    ]:
        for hostile in ("²", str(2**64), "9" * 5000):
            response = admin.client.post(path, data={field: hostile, "csrf_token": token})
            assert response.status_code < 500, (path, hostile, response.status_code)
