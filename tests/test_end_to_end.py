"""The whole journey: a provider answers and submits, a commissioner sees the score and the PDF."""
from __future__ import annotations

import io
import re

from pypdf import PdfReader

from assessor.extensions import db
from assessor.models import Answer, AuditEvent, Submission
from questionnaires.loader import DEFAULT_QUESTIONNAIRE_PATH, load_questionnaire
from tests.conftest import section_form_data

QUESTIONNAIRE = load_questionnaire(DEFAULT_QUESTIONNAIRE_PATH)


def _draft_submission() -> Submission:
    return db.session.scalar(
        db.select(Submission).join(Submission.applicant).where(Submission.status == "draft")
    )


def test_provider_answers_saves_resumes_submits_and_commissioner_reads_the_pdf(demo, browser, make_browser):
    submission = _draft_submission()
    browser.login("lead@eastbrook.example")

    home = browser.get("/provider/").get_data(as_text=True)
    assert "Eastbrook Community Partnership" in home
    overview = browser.get(f"/provider/submissions/{submission.id}").get_data(as_text=True)
    assert "Not started" in overview and "Strategy" in overview

    # Answer one question, save, and find it again on a later visit.
    strategy = QUESTIONNAIRE.domains[0]
    first_scale = next(q for q in strategy.questions if q.type == "scale")
    section_url = f"/provider/submissions/{submission.id}/sections/{strategy.id}"
    response = browser.post(section_url, {"q-" + first_scale.id: "2", "action": "save"})
    assert response.status_code == 302
    page = browser.get(section_url).get_data(as_text=True)
    assert re.search(rf'id="q-{re.escape(first_scale.id)}"[^>]*value="2"[^>]*checked|'
                     rf'checked[^>]*value="2"[^>]*id="q-{re.escape(first_scale.id)}"|'
                     rf'name="q-{re.escape(first_scale.id)}" type="radio" value="2"', page)
    assert _stored(submission, first_scale.id) == 2

    # Submitting is refused while required questions are unanswered, and the check page says which.
    check = browser.get(f"/provider/submissions/{submission.id}/check").get_data(as_text=True)
    assert "required questions are unanswered" in check
    refused = browser.post(f"/provider/submissions/{submission.id}/submit", {},
                           page=f"/provider/submissions/{submission.id}/check", follow_redirects=True)
    assert "still unanswered" in refused.get_data(as_text=True)
    assert db.session.get(Submission, submission.id).status == "draft"

    for domain in QUESTIONNAIRE.domains:
        url = f"/provider/submissions/{submission.id}/sections/{domain.id}"
        response = browser.post(url, {**section_form_data(domain), "action": "save"}, content_type="multipart/form-data")
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]

    check = browser.get(f"/provider/submissions/{submission.id}/check").get_data(as_text=True)
    assert "Every required question has an answer" in check
    response = browser.post(f"/provider/submissions/{submission.id}/submit", {},
                            page=f"/provider/submissions/{submission.id}/check")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Submission, submission.id).status == "submitted"

    # Read-only after submission: a save is refused and nothing changes.
    blocked = browser.client.post(section_url, data={"q-" + first_scale.id: "0", "csrf_token": _token(browser, section_url)})
    assert blocked.status_code == 409
    assert _stored(submission, first_scale.id) == len(first_scale.levels) - 1

    commissioner = make_browser()
    commissioner.login("moderator@northshire-icb.example")
    dashboard = commissioner.get(f"/review/rounds/{submission.round_id}").get_data(as_text=True)
    assert "Eastbrook Community Partnership" in dashboard
    stored = db.session.get(Submission, submission.id)
    assert stored.overall is not None and stored.recommendation is not None
    detail = commissioner.get(f"/review/submissions/{submission.id}").get_data(as_text=True)
    assert f"{stored.overall:.1f}" in detail
    result = stored.result
    for gate in result["gates"]:
        assert gate["id"] in detail

    pdf = commissioner.get(f"/review/submissions/{submission.id}/report.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    labels = {"proceed": "Proceed", "proceed_with_conditions": "Proceed with conditions",
              "open_procurement": "Default to open procurement"}
    assert f"Recommendation: {labels[stored.recommendation]}" in text
    assert "Eastbrook Community Partnership" in text
    assert f"{stored.overall:.1f}" in text
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id)).filter_by(
        submission_id=submission.id, action="submission.submitted")) == 1


def _token(browser, url):
    from tests.conftest import csrf_token

    return csrf_token(browser.get(url).get_data(as_text=True))


def _stored(submission, question_id):
    db.session.expire_all()
    row = db.session.scalar(db.select(Answer).filter_by(submission_id=submission.id, question_id=question_id))
    return row.value if row else None


def test_demo_round_tells_the_expected_story(demo):
    outcomes = {
        s.applicant.name: s.recommendation
        for s in db.session.scalars(db.select(Submission))
    }
    assert outcomes["Northshire Care Alliance"] == "proceed_with_conditions"
    assert outcomes["Southvale GP Federation"] == "open_procurement"
    assert outcomes["Riverside Integrated Care"] == "proceed"
    statuses = {s.status for s in db.session.scalars(db.select(Submission))}
    assert statuses == {"draft", "submitted", "under_review", "decided"}


def test_seeding_twice_changes_nothing(demo):
    before = db.session.scalar(db.select(db.func.count(Answer.id)))
    result = demo.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0 and "already present" in result.output
    assert db.session.scalar(db.select(db.func.count(Answer.id))) == before
