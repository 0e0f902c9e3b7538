"""Check your answers, submit, read-only afterwards, the printable view and the history in words."""

from __future__ import annotations

import html as html_lib
import re
from io import BytesIO
from urllib.parse import urlsplit

from tests.member_declarations_helpers import declare_clean, member_ids
from tests.provider_helpers import (
    DOMAINS,
    EASTBROOK,
    QUESTIONNAIRE,
    audit,
    domain_form_data,
    element_with_id,
    level_label,
    minimal_pdf,
    page_form,
    post_page,
    question_box,
    required_before_any_answer,
    set_status,
    submission_id,
)


def _text(page: str) -> str:
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_unanswered_questions_link_to_their_fields_and_block_submission(demo, data, browser):
    sid = submission_id(data, EASTBROOK)
    browser.login("lead@eastbrook.example")
    check_url = f"/provider/submissions/{sid}/check"
    page = browser.get(check_url).get_data(as_text=True)
    summary = page[page.index('class="error-summary"') : page.index("</ul>")]
    links = re.findall(r'href="([^"]+)"', summary)
    # Declarations each member organisation makes for itself are not joint questions of this list.
    # Nor are the round's contract parameters or the applicant type; Eastbrook, a single organisation,
    # is asked about its subcontractors rather than partners.
    expected = [q.id for d in QUESTIONNAIRE.joint_domains() for q in required_before_any_answer(d)]
    assert [urlsplit(html_lib.unescape(link)).fragment for link in links] == ["q-" + qid for qid in expected]

    # Every link lands on a field that exists, and is showing, on its domain page.
    pages = {}
    for link in links:
        url, anchor = html_lib.unescape(link).split("#")
        pages.setdefault(url, browser.get(url).get_data(as_text=True))
        assert element_with_id(pages[url], anchor), f"{link} points at nothing"
        assert "hidden" not in question_box(pages[url], anchor[2:])

    refused = browser.post(f"/provider/submissions/{sid}/submit", {}, page=check_url, follow_redirects=True)
    assert f"{len(expected)} required questions are still unanswered" in refused.get_data(as_text=True)
    assert audit(data, "submission.submitted", sid) == []

    for domain in QUESTIONNAIRE.joint_domains():
        url = f"/provider/submissions/{sid}/sections/{domain.id}"
        assert browser.post(url, {**domain_form_data(domain), "action": "save"}).status_code == 302
    for organisation_id in member_ids(data, sid).values():
        assert declare_clean(browser, sid, organisation_id).status_code == 302
    assert "Every required question has an answer" in browser.get(check_url).get_data(as_text=True)
    assert browser.post(f"/provider/submissions/{sid}/submit", {}, page=check_url).status_code == 302
    assert audit(data, "submission.submitted", sid)[0]["new"] == "submitted"

    # Read-only afterwards, whichever way a change is attempted.
    changes_before = len(audit(data, "answer.changed", sid))
    domain_url = f"/provider/submissions/{sid}/sections/strategy"
    domain_page = browser.get(domain_url).get_data(as_text=True)
    assert (
        "<fieldset disabled" in domain_page
        and "Save and continue" not in domain_page
        and "autosave.js" not in domain_page
    )
    token = page_form(domain_page, "/logout")["csrf_token"]
    vision = DOMAINS["strategy"].questions[0]
    assert browser.client.post(domain_url, data={"q-" + vision.id: "0", "csrf_token": token}).status_code == 409
    autosave = browser.client.post(
        f"/provider/submissions/{sid}/answers/{vision.id}", data={"q-" + vision.id: "0", "csrf_token": token}
    )
    assert autosave.status_code == 409 and "can no longer be changed" in autosave.json["error"]
    upload = browser.client.post(
        domain_url, data={"csrf_token": token, "q-strategy.business_case": (BytesIO(minimal_pdf()), "late.pdf")}
    )
    assert upload.status_code == 409
    assert len(audit(data, "answer.changed", sid)) == changes_before
    assert all(e["file"] != "late.pdf" for e in audit(data, "evidence.attached", sid))


def test_printable_view_and_history_are_written_for_people(demo, data, browser, make_browser):
    sid = submission_id(data, EASTBROOK)
    browser.login("lead@eastbrook.example")
    strategy = DOMAINS["strategy"]
    vision = next(q for q in strategy.questions if q.id == "strategy.vision")
    follow_up = next(q for q in strategy.questions if q.show_if)
    url = f"/provider/submissions/{sid}/sections/strategy"
    post_page(browser.client, url, browser.get(url).get_data(as_text=True), {"q-" + vision.id: "0"})
    post_page(
        browser.client,
        url,
        browser.get(url).get_data(as_text=True),
        {"q-" + vision.id: "3", "q-strategy.business_case": [(BytesIO(minimal_pdf()), "vision-paper.pdf")]},
    )

    history = _text(browser.get(f"/provider/submissions/{sid}/history").get_data(as_text=True))
    first, second = level_label(vision, 0), level_label(vision, 3)
    assert f"Olu Martins Changed an answer Strategy {vision.text} Before Not answered After {first}" in history
    assert f"Before {first} After {second}" in history
    assert "Uploaded a file" in history and "vision-paper.pdf" in history
    assert vision.id not in history and "answer.changed" not in history

    # A commissioner reopening the submission: the provider reads who, when and why.
    reviewer = make_browser()
    reviewer.login("moderator@northshire-icb.example")
    set_status(data, sid, "submitted")
    reason = "Please attach the signed alliance agreement."
    reopened = reviewer.post(f"/review/submissions/{sid}/reopen", {"reason": reason}, page=f"/review/submissions/{sid}")
    assert reopened.status_code == 302
    history = _text(browser.get(f"/provider/submissions/{sid}/history").get_data(as_text=True))
    assert f"The evaluation team Reopened the assessment for changes Before Submitted After Draft {reason}" in history
    assert "Claire Dunn" not in history, "providers are never told which commissioner acted"

    printed = browser.get(f"/provider/submissions/{sid}/print").get_data(as_text=True)
    text = _text(printed)
    assert second in text and "vision-paper.pdf" in text and "Sign-off" in text
    assert follow_up.text not in text, "a question that is not showing is not printed"
    for question in strategy.questions:
        if question.show_if is None:
            assert " ".join(question.text.split()) in text
    css = browser.get("/static/app.css").get_data(as_text=True)
    print_rules = css[css.index("@media print") :]
    assert ".header" in css[css.rindex("@media print") :] and "display: none" in print_rules
