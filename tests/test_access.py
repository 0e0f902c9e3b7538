"""No provider may see another applicant's submission; providers never reach commissioner pages."""
from __future__ import annotations

import pytest

from assessor.extensions import db
from assessor.models import Evidence, Submission
from tests.conftest import csrf_token


def _submission(name: str) -> Submission:
    return db.session.scalar(db.select(Submission).join(Submission.applicant).filter_by(name=name))


def _provider_rules_with_ids(app):
    return [rule for rule in app.url_map.iter_rules()
            if rule.endpoint.startswith("provider.") and "submission_id" in rule.arguments]


def _url(app, rule, submission_id, evidence_id):
    values = {"submission_id": submission_id}
    if "evidence_id" in rule.arguments:
        values["evidence_id"] = evidence_id
    if "domain_id" in rule.arguments:
        values["domain_id"] = "strategy"
    if "question_id" in rule.arguments:
        values["question_id"] = "strategy.vision"
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values, _external=False)


def test_every_provider_route_with_an_id_hides_other_applicants(demo, browser):
    alliance = _submission("Northshire Care Alliance")
    evidence = db.session.scalar(db.select(Evidence).filter_by(submission_id=alliance.id))
    assert evidence is not None, "demo alliance should have evidence to probe"
    browser.login("lead@southvale-gpfed.example")
    token = csrf_token(browser.get("/provider/").get_data(as_text=True))
    rules = _provider_rules_with_ids(demo)
    assert len(rules) >= 8
    for rule in rules:
        url = _url(demo, rule, alliance.id, evidence.id)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method == "GET":
                response = browser.client.get(url)
            else:
                response = browser.client.post(url, data={"csrf_token": token})
            assert response.status_code == 404, f"{method} {url} gave {response.status_code}"


def test_alliance_partner_sees_the_alliance_submission_but_cannot_submit(demo, browser):
    alliance = _submission("Northshire Care Alliance")
    browser.login("gp@northshire-pcc.example")
    assert browser.get(f"/provider/submissions/{alliance.id}").status_code == 200
    check = browser.get(f"/provider/submissions/{alliance.id}/check").get_data(as_text=True)
    assert "Only a lead user of" in check


@pytest.mark.parametrize("path", ["/review/", "/review/rounds/1"])
def test_providers_cannot_reach_commissioner_pages(demo, browser, path):
    browser.login("lead@northshire-trust.example")
    assert browser.get(path).status_code == 403


def test_anonymous_users_are_sent_to_sign_in(demo, browser):
    response = browser.get("/provider/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
