"""Clarification questions: a commissioner asks about an answer, the provider's people read and reply."""

from __future__ import annotations

from assessor.extensions import db
from assessor.models import Clarification
from tests.review_helpers import (
    COMMISSIONERS,
    NARRATIVE,
    OUTSIDER,
    PROVIDER_LEAD,
    PROVIDER_PARTNER,
    audit_actions,
    build_world,
    page_text,
    signed_in,
)

QUESTION = "When will the loss-sharing rule be modelled, and who is leading that work?"
REPLY = "The finance directors will model it by the end of March; the lead trust's CFO owns the work."


def test_a_clarification_round_trip_is_kept_with_the_submission(app, data, make_browser):
    world = build_world(data)
    evaluator = signed_in(make_browser, COMMISSIONERS["evaluator"])
    question_url = f"/review/submissions/{world.submission_id}/questions/{NARRATIVE}"
    response = evaluator.post(
        f"/review/submissions/{world.submission_id}/clarifications",
        {"about": NARRATIVE, "clarification": QUESTION},
        page=question_url,
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(question_url)
    assert QUESTION in page_text(evaluator.get(question_url))

    # Any user of a member organisation sees it, the alliance partner included, and can reply once.
    partner = signed_in(make_browser, PROVIDER_PARTNER)
    provider_url = f"/provider/submissions/{world.submission_id}/clarifications"
    assert "Clarification questions" in page_text(partner.get(f"/provider/submissions/{world.submission_id}"))
    page = page_text(partner.get(provider_url))
    assert QUESTION in page and "Describe how the partners will share financial risk." in page
    with data() as session:
        clarification_id = session.scalar(db.select(Clarification.id))
    response = partner.post(provider_url, {"clarification_id": str(clarification_id), "reply": REPLY})
    assert response.status_code == 302

    lead = signed_in(make_browser, PROVIDER_LEAD)
    page = page_text(lead.get(provider_url))
    assert REPLY in page and "Pat Partner" in page and "Send your reply" not in page
    response = lead.post(provider_url, {"clarification_id": str(clarification_id), "reply": "A second answer"})
    assert "already been answered" in page_text(response)

    for url in (question_url, f"/review/submissions/{world.submission_id}"):
        page = page_text(evaluator.get(url))
        assert QUESTION in page and REPLY in page
    with data() as session:
        row = session.get(Clarification, clarification_id)
        assert (row.question_id, row.question_text, row.reply_text) == (NARRATIVE, QUESTION, REPLY)
        assert row.replied_by_id == world.users[PROVIDER_PARTNER]
    actions = audit_actions(data, world.submission_id)
    assert actions.count("clarification.asked") == 1 and actions.count("clarification.replied") == 1


def test_other_providers_cannot_see_or_answer_and_empty_replies_are_refused(app, data, make_browser):
    world = build_world(data)
    moderator = signed_in(make_browser, COMMISSIONERS["moderator"])
    summary_url = f"/review/submissions/{world.submission_id}"
    moderator.post(
        f"{summary_url}/clarifications", {"clarification": "Is the alliance agreement signed?"}, page=summary_url
    )
    with data() as session:
        clarification = session.scalar(db.select(Clarification))
        assert clarification.question_id is None
        clarification_id = clarification.id

    provider_url = f"/provider/submissions/{world.submission_id}/clarifications"
    outsider = signed_in(make_browser, OUTSIDER)
    assert outsider.get(provider_url).status_code == 404
    token_page = f"/provider/submissions/{world.draft_id}/clarifications"
    assert (
        outsider.post(
            provider_url, {"clarification_id": str(clarification_id), "reply": "Mine"}, page=token_page
        ).status_code
        == 404
    )

    lead = signed_in(make_browser, PROVIDER_LEAD)
    page = page_text(lead.post(provider_url, {"clarification_id": str(clarification_id), "reply": "  "}))
    assert "There is a problem" in page and "Enter your reply" in page and 'href="#reply-' in page
    with data() as session:
        assert session.get(Clarification, clarification_id).reply_text is None


def test_only_evaluators_and_moderators_ask_and_only_while_under_review(app, data, make_browser):
    world = build_world(data)
    for role in ("panel", "round_admin"):
        browser = signed_in(make_browser, COMMISSIONERS[role])
        url = f"/review/submissions/{world.submission_id}"
        assert browser.post(f"{url}/clarifications", {"clarification": "Why?"}, page=url).status_code == 403
    evaluator = signed_in(make_browser, COMMISSIONERS["evaluator"])
    draft = f"/review/submissions/{world.draft_id}"
    response = evaluator.post(f"{draft}/clarifications", {"clarification": "Why?"}, page=draft, follow_redirects=True)
    assert "only while a submitted assessment is being reviewed" in page_text(response)
    with data() as session:
        assert session.query(Clarification).count() == 0
