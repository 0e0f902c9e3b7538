"""A decided or published submission stays as decided, and the provider learns only published decisions.

Security review F12 (a decided, published submission could be reopened to draft) and F13 (the
feedback report showed a decision before it was published).  The one way to change a decision the
panel has recorded is a representation about it; what the provider reads of an outcome comes from a
publication, never from the latest recorded decision.
"""

from __future__ import annotations

import pytest

from assessor.extensions import db
from assessor.models import PanelDecision, Representation, Round, Submission, User
from assessor.services import standstill
from assessor.services.errors import NotAllowed
from assessor.services.reporting import feedback_available, feedback_report
from assessor.services.submissions import reopen
from tests.review_helpers import (
    COMMISSIONERS,
    PROVIDER_LEAD,
    build_world,
    decide,
    decided_world,
    page_text,
    publish,
    signed_in,
)


def _decide(make_browser, submission_id: int, outcome: str = "proceed", correction: str = "") -> int:
    fields = {"outcome": outcome}
    if outcome != "proceed":
        fields["differs_reason"] = "The panel weighed the late evidence."
    if correction:
        fields["correction_reason"] = correction
    return decide(make_browser, submission_id, **fields).status_code


def _review_representation(app, make_browser, submission_id: int, outcome: str) -> None:
    with app.app_context():
        publication = standstill.publication_for(db.session.get_one(Submission, submission_id))
        assert publication is not None
        lead = db.session.scalar(db.select(User).filter_by(email=PROVIDER_LEAD))
        representation = standstill.submit_representation(publication, lead, "Our board approval was missed.")
        db.session.commit()
        representation_id = representation.id
    admin = signed_in(make_browser, COMMISSIONERS["round_admin"])
    page = f"/review/submissions/{submission_id}/decision"
    response = admin.post(
        f"/review/submissions/{submission_id}/representations/review",
        {"representation_id": str(representation_id), "outcome": outcome, "review_note": "Reviewed with the panel."},
        page=page,
    )
    assert response.status_code == 302


def _status(data, submission_id: int) -> str:
    with data() as session:
        return session.get_one(Submission, submission_id).status


def _try_reopen(make_browser, role: str, submission_id: int) -> str:
    """The page the reviewer returns to after asking to reopen, with what they were told."""
    reviewer = signed_in(make_browser, COMMISSIONERS[role])
    page = f"/review/submissions/{submission_id}"
    response = reviewer.post(
        f"/review/submissions/{submission_id}/reopen", {"reason": "The provider asked to change it"}, page=page
    )
    assert response.status_code == 302
    return reviewer.get(page).get_data(as_text=True)


@pytest.mark.parametrize("role", ["moderator", "round_admin"])
def test_a_decided_submission_cannot_be_reopened_before_or_after_publication(app, data, make_browser, role):
    world = decided_world(data, make_browser)
    for stage in ("recorded", "published"):
        if stage == "published":
            publish(make_browser, world.submission_id)
        page = _try_reopen(make_browser, role, world.submission_id)
        assert _status(data, world.submission_id) == "decided", stage
        assert "so it cannot be reopened" in page, stage


def test_a_submission_sent_back_after_a_representation_goes_to_moderation_not_to_draft(app, data, make_browser):
    world = decided_world(data, make_browser)
    publish(make_browser, world.submission_id)
    _review_representation(app, make_browser, world.submission_id, "sent_back")
    assert _status(data, world.submission_id) == "under_review"
    _try_reopen(make_browser, "round_admin", world.submission_id)
    assert _status(data, world.submission_id) == "under_review"


def test_the_reopen_service_refuses_every_decided_submission_whoever_calls_it(app, data, make_browser):
    world = decided_world(data, make_browser)
    with app.app_context():
        submission = db.session.get_one(Submission, world.submission_id)
        admin = db.session.scalar(db.select(User).filter_by(email=COMMISSIONERS["site_admin"]))
        with pytest.raises(NotAllowed, match="cannot be reopened"):
            reopen(submission, admin, "A command line reopening")
        assert submission.status == "decided"


def test_a_submission_under_review_can_still_be_reopened(app, data, make_browser):
    world = build_world(data)
    _try_reopen(make_browser, "moderator", world.submission_id)
    assert _status(data, world.submission_id) == "draft"


def test_a_published_decision_is_corrected_only_after_a_representation_succeeds(app, data, make_browser):
    world = decided_world(data, make_browser)
    # Before publication the panel may still correct its decision.
    assert _decide(make_browser, world.submission_id, "open_procurement", correction="Typo in the outcome.") == 302
    publish(make_browser, world.submission_id)
    # The page no longer offers a correction, and the service refuses one posted anyway.
    panel = signed_in(make_browser, COMMISSIONERS["panel"])
    page = page_text(panel.get(f"/review/submissions/{world.submission_id}/decision"))
    assert "so it cannot be corrected" in page and "Record the correction" not in page
    response = _decide(make_browser, world.submission_id, "proceed", correction="We changed our minds.")
    assert response == 200
    with data() as session:
        assert session.scalar(db.select(db.func.max(PanelDecision.version))) == 2
    _review_representation(app, make_browser, world.submission_id, "upheld")
    page = page_text(panel.get(f"/review/submissions/{world.submission_id}/decision"))
    assert "Record the correction" in page and "so it cannot be corrected" not in page
    assert _decide(make_browser, world.submission_id, "proceed", correction="The representation was upheld.") == 302
    with data() as session:
        assert session.scalar(db.select(db.func.max(PanelDecision.version))) == 3
        assert session.scalar(db.select(Representation.outcome)) == "upheld"


def _feedback(app, submission_id: int):
    with app.app_context():
        submission = db.session.get_one(Submission, submission_id)
        return feedback_available(submission), feedback_report(submission).decision


def test_feedback_waits_for_publication_and_shows_only_the_published_decision(app, data, make_browser):
    world = decided_world(data, make_browser)
    lead = signed_in(make_browser, PROVIDER_LEAD)
    feedback = f"/provider/submissions/{world.submission_id}/feedback.pdf"

    # Recorded but not published: the provider learns nothing of it, and is told what the feedback waits for.
    response = lead.get(feedback)
    assert response.status_code == 302 and response.headers["Location"].endswith("#feedback")
    page = page_text(lead.get(response.headers["Location"]))
    assert "Your feedback report is not available yet: the panel's decision has not been published." in page
    assert "Proceed" not in page
    assert _feedback(app, world.submission_id) == (False, None)

    publish(make_browser, world.submission_id)
    available, decision = _feedback(app, world.submission_id)
    assert available and decision is not None and decision.outcome == "proceed"

    # A correction after an upheld representation stays the commissioners' until it is published.
    _review_representation(app, make_browser, world.submission_id, "upheld")
    assert _decide(make_browser, world.submission_id, "open_procurement", correction="Upheld on review.") == 302
    _, decision = _feedback(app, world.submission_id)
    assert decision is not None and decision.outcome == "proceed"
    publish(make_browser, world.submission_id)
    _, decision = _feedback(app, world.submission_id)
    assert decision is not None and decision.outcome == "open_procurement"


def test_closing_the_round_issues_no_feedback_without_a_published_decision(app, data, make_browser):
    world = decided_world(data, make_browser)
    with data() as session:
        session.get_one(Round, world.round_id).status = "closed"
        session.commit()
    available, decision = _feedback(app, world.submission_id)
    assert not available and decision is None
    lead = signed_in(make_browser, PROVIDER_LEAD)
    response = lead.get(f"/provider/submissions/{world.submission_id}/feedback.pdf", follow_redirects=True)
    assert "the panel's decision has not been published" in page_text(response)
