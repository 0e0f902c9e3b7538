"""No provider may see another applicant's submission; providers never reach commissioner pages."""

from __future__ import annotations

import pytest

from assessor.extensions import db
from assessor.models import Evidence, Submission
from tests.web_client import csrf_token


def _submission_id(data, name: str) -> int:
    with data() as session:
        return session.scalar(db.select(Submission.id).join(Submission.applicant).filter_by(name=name))


def _provider_rules_with_ids(app):
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("provider.") and "submission_id" in rule.arguments
    ]


def _url(app, rule, submission_id, evidence_id):
    values = {"submission_id": submission_id}
    if "evidence_id" in rule.arguments:
        values["evidence_id"] = evidence_id
    if "domain_id" in rule.arguments:
        values["domain_id"] = "strategy"
    if "question_id" in rule.arguments:
        values["question_id"] = "strategy.vision"
    if "organisation_id" in rule.arguments:
        # Any organisation: the submission itself must already be hidden from an outsider.
        values["organisation_id"] = 1
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values, _external=False)


def test_every_provider_route_with_an_id_hides_other_applicants(demo, data, browser):
    alliance_id = _submission_id(data, "Northshire Care Alliance")
    with data() as session:
        evidence_id = session.scalar(db.select(Evidence.id).filter_by(submission_id=alliance_id))
    assert evidence_id is not None, "demo alliance should have evidence to probe"
    browser.login("lead@southvale-gpfed.example")
    token = csrf_token(browser.get("/provider/").get_data(as_text=True))
    rules = _provider_rules_with_ids(demo)
    assert len(rules) >= 8
    for rule in rules:
        url = _url(demo, rule, alliance_id, evidence_id)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method == "GET":
                response = browser.client.get(url)
            else:
                response = browser.client.post(url, data={"csrf_token": token})
            assert response.status_code == 404, f"{method} {url} gave {response.status_code}"


def test_alliance_partner_sees_the_alliance_submission_but_cannot_submit(demo, data, browser):
    alliance_id = _submission_id(data, "Northshire Care Alliance")
    browser.login("gp@northshire-pcc.example")
    assert browser.get(f"/provider/submissions/{alliance_id}").status_code == 200
    response = browser.post(
        f"/provider/submissions/{alliance_id}/submit", {}, page=f"/provider/submissions/{alliance_id}/check"
    )
    assert response.status_code == 403


@pytest.mark.parametrize("path", ["/review/", "/review/rounds/1"])
def test_providers_cannot_reach_commissioner_pages(demo, browser, path):
    browser.login("lead@northshire-trust.example")
    assert browser.get(path).status_code == 403


def test_anonymous_users_are_sent_to_sign_in(demo, browser):
    response = browser.get("/provider/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
