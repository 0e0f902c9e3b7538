"""The whole journey: a provider answers and submits, a commissioner sees the score and the PDF."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from assessor.models import Answer, AuditEvent, Submission
from questionnaires import DEFAULT_QUESTIONNAIRE_PATH, load_questionnaire
from tests.member_declarations_helpers import declare_clean, member_ids
from tests.provider_helpers import domain_form_data
from tests.web_client import csrf_token

QUESTIONNAIRE = load_questionnaire(DEFAULT_QUESTIONNAIRE_PATH)
LABELS = {
    "proceed": "Proceed",
    "proceed_with_conditions": "Proceed with conditions",
    "open_procurement": "Default to open procurement",
}


def submission_named(data, name: str) -> dict:
    with data() as session:
        s = session.scalar(session.query(Submission).join(Submission.applicant).filter_by(name=name).statement)
        return {
            "id": s.id,
            "round_id": s.round_id,
            "status": s.status,
            "overall": s.overall,
            "recommendation": s.recommendation,
            "result": s.result,
        }


def stored_answer(data, submission_id, question_id):
    with data() as session:
        row = session.query(Answer).filter_by(submission_id=submission_id, question_id=question_id).one_or_none()
        return row.value if row else None


def test_provider_answers_saves_resumes_submits_and_commissioner_reads_the_pdf(demo, data, browser, make_browser):
    submission = submission_named(data, "Eastbrook Community Partnership")
    sid = submission["id"]
    assert submission["status"] == "draft"
    browser.login("lead@eastbrook.example")

    home = browser.get("/provider/").get_data(as_text=True)
    assert "Eastbrook Community Partnership" in home
    overview = browser.get(f"/provider/submissions/{sid}").get_data(as_text=True)
    assert "Not started" in overview and "Strategy" in overview

    # Answer one question, save, and find it again on a later visit.
    strategy = QUESTIONNAIRE.domains[0]
    first_scale = next(q for q in strategy.questions if q.type == "scale")
    domain_url = f"/provider/submissions/{sid}/sections/{strategy.id}"
    response = browser.post(domain_url, {"q-" + first_scale.id: "2", "action": "save"})
    assert response.status_code == 302
    page = browser.get(domain_url).get_data(as_text=True)
    checked = re.search(r"<input[^>]*checked[^>]*>", page[page.index(f'name="q-{first_scale.id}"') - 200 :])
    assert checked and 'value="2"' in checked.group(0)
    assert stored_answer(data, sid, first_scale.id) == 2

    # Submitting is refused while required questions are unanswered, and the check page says which.
    check = browser.get(f"/provider/submissions/{sid}/check").get_data(as_text=True)
    assert "required questions are unanswered" in check
    refused = browser.post(
        f"/provider/submissions/{sid}/submit", {}, page=f"/provider/submissions/{sid}/check", follow_redirects=True
    )
    assert "still unanswered" in refused.get_data(as_text=True)
    assert submission_named(data, "Eastbrook Community Partnership")["status"] == "draft"

    for domain in QUESTIONNAIRE.joint_domains():
        url = f"/provider/submissions/{sid}/sections/{domain.id}"
        response = browser.post(url, {**domain_form_data(domain), "action": "save"})
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    for organisation_id in member_ids(data, sid).values():
        assert declare_clean(browser, sid, organisation_id).status_code == 302

    check = browser.get(f"/provider/submissions/{sid}/check").get_data(as_text=True)
    assert "Every required question has an answer" in check
    response = browser.post(f"/provider/submissions/{sid}/submit", {}, page=f"/provider/submissions/{sid}/check")
    assert response.status_code == 302
    assert submission_named(data, "Eastbrook Community Partnership")["status"] == "submitted"

    # Read-only after submission: a save is refused and nothing changes.
    token = csrf_token(browser.get(domain_url).get_data(as_text=True))
    blocked = browser.client.post(domain_url, data={"q-" + first_scale.id: "0", "csrf_token": token})
    assert blocked.status_code == 409
    assert stored_answer(data, sid, first_scale.id) == len(first_scale.levels) - 1

    commissioner = make_browser()
    commissioner.login("moderator@northshire-icb.example")
    dashboard = commissioner.get(f"/review/rounds/{submission['round_id']}").get_data(as_text=True)
    assert "Eastbrook Community Partnership" in dashboard
    stored = submission_named(data, "Eastbrook Community Partnership")
    assert stored["overall"] is not None and stored["recommendation"] in LABELS
    detail = commissioner.get(f"/review/submissions/{sid}").get_data(as_text=True)
    assert f"{stored['overall']:.1f}" in detail
    for gate in stored["result"]["gates"]:
        assert gate["id"] in detail

    pdf = commissioner.get(f"/review/submissions/{sid}/report.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert f"Recommendation: {LABELS[stored['recommendation']]}" in text
    assert "Eastbrook Community Partnership" in text
    assert f"{stored['overall']:.1f}" in text
    with data() as session:
        assert session.query(AuditEvent).filter_by(submission_id=sid, action="submission.submitted").count() == 1


def test_demo_round_tells_the_expected_story(demo, data):
    with data() as session:
        submissions = session.query(Submission).all()
        outcomes = {s.applicant.name: s.recommendation for s in submissions}
        statuses = {s.status for s in submissions}
    assert outcomes["Northshire Care Alliance"] == "proceed_with_conditions"
    assert outcomes["Southvale GP Federation"] == "open_procurement"
    # Its capitated population (set on the round) is under 100,000: it proceeds with a risk-protection condition.
    assert outcomes["Riverside Integrated Care"] == "proceed_with_conditions"
    assert statuses == {"draft", "submitted", "under_review", "decided"}


def test_seeding_twice_changes_nothing(demo, data):
    with data() as session:
        before = session.query(Answer).count()
    result = demo.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0 and "already present" in result.output
    with data() as session:
        assert session.query(Answer).count() == before
