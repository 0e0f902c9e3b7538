"""A provider's journey in a real browser: answer, autosave, fix an error, upload, submit; and a
colleague's clash resolved on the page.  Accessibility is checked with axe-core on the way."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.browser_helpers import screenshot, serious_accessibility_problems, sign_in
from tests.provider_helpers import DOMAINS, EASTBROOK, QUESTIONNAIRE, minimal_pdf

pytestmark = pytest.mark.browser

SAVED_AT = re.compile(r"Saved at \d\d:\d\d")

# Answers every still-empty field on a domain page the way a hurried person would: the last option
# of each choice, a number, a sentence; hidden follow-ups too, so whichever the answers open is filled.
FILL_THE_REST = """() => {
  const form = document.querySelector("form.domain-form");
  const radios = {};
  for (const el of form.elements) {
    if (!el.name || !el.name.startsWith("q-")) continue;
    if (el.type === "radio") { (radios[el.name] = radios[el.name] || []).push(el); }
    else if (el.type === "checkbox") {
      if (!form.querySelector('input[name="' + CSS.escape(el.name) + '"]:checked')) el.checked = true;
    }
    else if (el.tagName === "TEXTAREA") { if (!el.value) el.value = "Agreed by every partner board in March."; }
    else if (el.type === "text") { if (!el.value) el.value = "12"; }
  }
  for (const name in radios) {
    if (!radios[name].some(r => r.checked)) radios[name][radios[name].length - 1].checked = true;
  }
}"""


def _field(page, question_id):
    return page.locator(f'[id="q-{question_id}"]')


def _submission_id(live_server, applicant: str) -> int:
    from assessor.extensions import db
    from assessor.models import Submission

    with live_server.database():
        return db.session.scalar(db.select(Submission.id).join(Submission.applicant).filter_by(name=applicant))


def test_a_provider_fills_in_uploads_and_submits(live_server, new_page, tmp_path):
    page = new_page()
    sign_in(page, "lead@eastbrook.example")
    page.get_by_role("link", name=re.compile("capability assessment 2026")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(EASTBROOK)
    assert serious_accessibility_problems(page) == []
    screenshot(page, "provider-overview.png")

    strategy = DOMAINS["strategy"]
    page.get_by_role("link", name=strategy.title, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(strategy.title)
    assert serious_accessibility_problems(page) == []

    # Choosing a maturity level by its descriptor saves it straight away.
    vision = next(q for q in strategy.questions if q.id == "strategy.vision")
    page.get_by_label(vision.levels[3]).check()
    expect(page.locator(".autosave-status")).to_have_text(SAVED_AT)

    # A follow-up question appears as soon as the answer that opens it is chosen.
    basis = next(q for q in strategy.questions if q.id == "strategy.population_basis")
    follow_up = next(q for q in strategy.questions if q.show_if and q.show_if.question == basis.id)
    expect(page.locator(f'[id="question-{follow_up.id}"]')).to_be_hidden()
    page.get_by_label(basis.option(follow_up.show_if.equals).label).check()
    expect(page.locator(f'[id="question-{follow_up.id}"]')).to_be_visible()
    screenshot(page, "provider-domain.png")

    # Something that is not a number: the page comes back with a summary linking to the field.
    _field(page, "strategy.population").fill("about half a million")
    page.get_by_role("button", name="Save and come back later").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("link", name=re.compile("Enter a number"))).to_have_attribute(
        "href", "#q-strategy.population"
    )
    expect(_field(page, "strategy.population")).to_have_value("about half a million")
    expect(page.get_by_label(vision.levels[3])).to_be_checked()
    assert serious_accessibility_problems(page) == []
    screenshot(page, "provider-domain-error.png")

    # A file over the limit is turned away as soon as it is chosen, before anything is sent.
    limit = live_server.app.config["MAX_UPLOAD_BYTES"]
    oversized = tmp_path / "scanned-minutes.pdf"
    oversized.write_bytes(minimal_pdf() + b"0" * limit)
    _field(page, "strategy.business_case").set_input_files(str(oversized))
    expect(page.locator('[id="question-strategy.business_case"] .autosave-note')).to_contain_text(
        "‘scanned-minutes.pdf’ is too large"
    )
    assert page.eval_on_selector('[id="q-strategy.business_case"]', "input => input.files.length") == 0

    _field(page, "strategy.population").fill("540000")
    evidence = tmp_path / "business-case.pdf"
    evidence.write_bytes(minimal_pdf("business case"))
    _field(page, "strategy.business_case").set_input_files(str(evidence))
    page.get_by_role("button", name="Save and come back later").click()
    expect(page.get_by_role("status").filter(has_text="have been saved")).to_be_visible()
    expect(page.get_by_role("link", name="business-case.pdf")).to_be_visible()

    # The rest of the assessment, domain by domain through the same pages.
    accounts = tmp_path / "accounts.pdf"
    accounts.write_bytes(minimal_pdf("annual accounts"))
    required_files = [
        q.id for d in QUESTIONNAIRE.joint_domains() for q in d.questions if q.type == "evidence" and q.required
    ]
    sid = _submission_id(live_server, EASTBROOK)
    for domain in QUESTIONNAIRE.joint_domains():
        if not page.url.endswith(f"/sections/{domain.id}"):
            page.goto(f"/provider/submissions/{sid}/sections/{domain.id}")
        page.evaluate(FILL_THE_REST)
        for question_id in required_files:
            if _field(page, question_id).count():
                _field(page, question_id).set_input_files(str(accounts))
        page.get_by_role("button", name="Save and continue").click()
        if domain is not QUESTIONNAIRE.joint_domains()[-1]:
            expect(page.locator(".error-summary")).to_have_count(0)

    # Eastbrook's one member organisation makes its own declarations ("No" to every exclusion ground).
    page.goto(f"/provider/submissions/{sid}")
    page.get_by_role("link", name=re.compile("Eastbrook Community Health")).first.click()
    page.evaluate(FILL_THE_REST)
    page.get_by_role("button", name="Save declarations").click()
    expect(page.locator(".error-summary")).to_have_count(0)

    page.goto(f"/provider/submissions/{sid}/check")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before submitting")
    expect(page.get_by_text("Every required question has an answer")).to_be_visible()
    page.get_by_role("button", name="Submit the assessment").click()
    expect(page.get_by_text("sent to the commissioners")).to_be_visible()
    expect(page.locator(".summary-list .tag")).to_have_text("Submitted")


def test_colleagues_who_change_the_same_answer_see_both_and_choose(live_server, new_page):
    from assessor.extensions import db
    from assessor.models import Answer, Submission

    sid = _submission_id(live_server, "Northshire Care Alliance")
    with live_server.database():
        db.session.get(Submission, sid).status = "draft"  # as if the commissioners had reopened it
        db.session.commit()
    question = next(q for q in DOMAINS["it"].questions if q.type == "scale" and not q.show_if)
    url = f"/provider/submissions/{sid}/sections/it"
    priya, tom = new_page(), new_page()
    sign_in(priya, "lead@northshire-trust.example")
    sign_in(tom, "cio@northshire-trust.example")
    priya.goto(url)
    tom.goto(url)

    priya.get_by_label(question.levels[0]).check()
    expect(priya.locator(".autosave-status")).to_have_text(SAVED_AT)

    tom.get_by_label(question.levels[4]).check()
    note = tom.locator(f'[id="question-{question.id}"] .autosave-note')
    expect(note).to_contain_text("Priya Shah changed this answer")
    expect(note).to_contain_text(f"Level 1 of {len(question.levels)}: {question.levels[0]}")
    expect(note).to_contain_text(f"Your answer: Level 5 of {len(question.levels)}")
    note.get_by_role("button", name="Use Priya Shah’s answer").click()
    expect(tom.get_by_label(question.levels[0])).to_be_checked()

    def stored():
        with live_server.database():
            return db.session.scalar(db.select(Answer.value_json).filter_by(submission_id=sid, question_id=question.id))

    assert stored() == "0"
    # Changing it again now is a deliberate choice made knowing Priya's answer, so it saves.
    tom.get_by_label(question.levels[2]).check()
    expect(tom.locator(".autosave-status")).to_have_text(SAVED_AT)
    assert stored() == "2"


def _new_draft(live_server) -> None:
    """An applicant of its own with an empty draft, so this test does not depend on the others."""
    import secrets

    from assessor.extensions import db
    from assessor.models import Applicant, ApplicantMember, Organisation, Round, Submission, User
    from assessor.passwords import hash_password
    from tests.browser.browser_helpers import DEMO_PASSWORD

    with live_server.database():
        if db.session.scalar(db.select(User).filter_by(email="lead@westfield.example")) is not None:
            return
        organisation = Organisation(name="Westfield Community Care", kind="community_trust")
        db.session.add(organisation)
        db.session.flush()
        applicant = Applicant(name="Westfield Care Alliance", lead_organisation_id=organisation.id)
        db.session.add(applicant)
        db.session.flush()
        db.session.add(ApplicantMember(applicant_id=applicant.id, organisation_id=organisation.id))
        db.session.add(
            Submission(round_id=db.session.scalar(db.select(Round.id)), applicant_id=applicant.id, status="draft")
        )
        db.session.add(
            User(
                email="lead@westfield.example",
                name="Rae Westfield",
                role="lead",
                organisation_id=organisation.id,
                password_hash=hash_password(DEMO_PASSWORD),
                session_token=secrets.token_hex(16),
            )
        )
        db.session.commit()


def test_without_javascript_a_request_over_the_limit_gets_the_friendly_page(live_server, chromium, tmp_path):
    _new_draft(live_server)
    # Without JavaScript nothing checks the size before sending, so the server's request limit is
    # what the person meets: the browser must show the page that explains it, not a broken connection.
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    context.set_default_timeout(20_000)
    limit = live_server.app.config["MAX_CONTENT_LENGTH"]
    live_server.app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024  # small, so the upload is quick
    try:
        page = context.new_page()
        sign_in(page, "lead@westfield.example")
        submission_id = _submission_id(live_server, "Westfield Care Alliance")
        page.goto(f"/provider/submissions/{submission_id}/sections/strategy")
        oversized = tmp_path / "board-papers.pdf"
        oversized.write_bytes(minimal_pdf() + b"0" * (3 * 1024 * 1024))
        _field(page, "strategy.business_case").set_input_files(str(oversized))
        page.get_by_role("button", name="Save and come back later").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("The upload is too large")
        expect(page.get_by_role("link", name="Open the domain again")).to_be_visible()
        screenshot(page, "provider-upload-too-large.png")
    finally:
        live_server.app.config["MAX_CONTENT_LENGTH"] = limit
        context.close()
