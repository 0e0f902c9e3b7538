"""Route × role matrix for the commissioner pages: each role reaches exactly the pages its job needs."""

from __future__ import annotations

from datetime import date

from flask import url_for

from assessor.models import BankHoliday, Evidence
from tests.provider_helpers import minimal_pdf
from tests.review_helpers import COMMISSIONERS, NARRATIVE, PROVIDER_LEAD, build_world, signed_in
from tests.web_client import csrf_token

EVERY_COMMISSIONER = frozenset({"evaluator", "moderator", "panel", "round_admin", "site_admin"})


def only(*roles: str) -> frozenset[str]:
    return frozenset(roles) | {"site_admin"}


# Written from the role descriptions, not from the code: evaluators score, moderators agree
# the consensus and reopen, round admins run rounds, panel members read and decide.
EXPECTED = {
    "review.home": EVERY_COMMISSIONER,
    "review.dashboard": EVERY_COMMISSIONER,
    "review.compare": EVERY_COMMISSIONER,
    "review.export_submissions_csv": EVERY_COMMISSIONER,
    "review.export_answers_csv": EVERY_COMMISSIONER,
    "review.export_xlsx": EVERY_COMMISSIONER,
    "review.new_round": only("round_admin"),
    "review.manage_round": only("round_admin"),
    "review.invite_provider": only("round_admin"),
    "review.add_round_applicant": only("round_admin"),
    "review.set_contract_parameters": only("round_admin"),
    "review.submission": EVERY_COMMISSIONER,
    "review.question": EVERY_COMMISSIONER,
    "review.evaluate_question": only("evaluator"),
    "review.moderate_question": only("moderator"),
    "review.ask_clarification": only("evaluator", "moderator"),
    "review.reopen_submission": only("moderator", "round_admin"),
    "review.decision": EVERY_COMMISSIONER,
    "review.record_decision": only("panel"),
    "review.panel_report": EVERY_COMMISSIONER,
    "review.programme_report": EVERY_COMMISSIONER,
    "review.panel_pack": EVERY_COMMISSIONER,
    "review.submission_history": only("moderator", "panel", "round_admin"),
    "review.download_evidence": EVERY_COMMISSIONER,
    # Those who judge applicants declare conflicts; round admins review them and run the standstill.
    "review.conflict_declarations": only("evaluator", "moderator", "panel"),
    "review.round_conflicts": only("round_admin"),
    "review.mitigate_conflict": only("round_admin"),
    "review.start_checkpoint": only("round_admin"),
    "review.bank_holidays": only("round_admin"),
    "review.remove_bank_holiday": only("round_admin"),
    "review.add_action": only("moderator", "panel", "round_admin"),
    "review.close_action": only("moderator", "panel", "round_admin"),
    "review.close_condition": only("panel", "round_admin"),
    "review.publish_decision": only("round_admin"),
    "review.review_representation": only("round_admin"),
}


def _add_evidence(data, submission_id: int) -> int:
    from assessor.services.submissions import storage

    with data() as session:
        content = minimal_pdf("workforce plan")
        row = Evidence(
            submission_id=submission_id,
            question_id="people.evidence",
            original_name="plan.pdf",
            stored_name=storage().save(content),
            content_type="application/pdf",
            size=len(content),
            sha256="0" * 64,
        )
        session.add(row)
        session.commit()
        return row.id


def _list_bank_holiday(data, holiday_id: int | None = None) -> int:
    """A removable bank holiday, put back under the same id after a role allowed to remove it has done so."""
    with data() as session:
        if holiday_id is None or session.get(BankHoliday, holiday_id) is None:
            holiday = BankHoliday(id=holiday_id, day=date(2099, 12, 25), name="Christmas Day")
            session.add(holiday)
            session.commit()
            holiday_id = holiday.id
        return holiday_id


def _requests(app, world, evidence_id, holiday_id):
    values = {
        "submission_id": world.submission_id,
        "round_id": world.round_id,
        "question_id": NARRATIVE,
        "evidence_id": evidence_id,
        "holiday_id": holiday_id,
    }
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith("review."):
                continue
            url = url_for(rule.endpoint, **{k: v for k, v in values.items() if k in rule.arguments})
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule.endpoint, method, url


def test_every_review_route_admits_exactly_the_roles_that_need_it(app, data, make_browser, monkeypatch):
    from assessor.review import downloads

    # Rendering a PDF proves nothing about access and takes seconds; the report has its own tests.
    for renderer in ("panel_report_pdf", "programme_report_pdf", "panel_pack_pdf"):
        monkeypatch.setattr(downloads, renderer, lambda subject, user: b"%PDF-1.7\n%%EOF\n")
    world = build_world(data)
    evidence_id = _add_evidence(data, world.submission_id)
    holiday_id = _list_bank_holiday(data)
    requests = list(_requests(app, world, evidence_id, holiday_id))
    assert {endpoint for endpoint, _, _ in requests} == set(EXPECTED), "every review route needs an expectation"

    failures = []
    for role, email in COMMISSIONERS.items():
        role = role.rstrip("2")
        _list_bank_holiday(data, holiday_id)
        browser = signed_in(make_browser, email)
        token = csrf_token(browser.get("/review/").get_data(as_text=True))
        for endpoint, method, url in requests:
            if method == "GET":
                response = browser.client.get(url)
            else:
                response = browser.client.post(url, data={"csrf_token": token})
            allowed = role in EXPECTED[endpoint]
            if allowed and (response.status_code in (403, 404) or response.status_code >= 500):
                failures.append(f"{role} {method} {url}: expected access, got {response.status_code}")
            if not allowed and response.status_code != 403:
                failures.append(f"{role} {method} {url}: expected 403, got {response.status_code}")
    assert not failures, "\n".join(failures)

    provider = signed_in(make_browser, PROVIDER_LEAD)
    anonymous = make_browser()
    for _, method, url in requests:
        if method == "GET":
            assert provider.get(url).status_code == 403, url
            response = anonymous.get(url)
            assert response.status_code == 302 and "/login" in response.headers["Location"], url
