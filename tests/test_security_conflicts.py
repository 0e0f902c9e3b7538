"""A reviewer with an unmitigated conflict of interest can change nothing about that applicant's assessment.

Security review F2: the check covered scoring, moderating and deciding only, so a conflicted
reviewer could still reopen the submission, ask clarifications, add or close actions and close
conditions.  Like the access matrix, the walk below is built from ``app.url_map``: every POST route
of the review blueprint about one submission is tried as a conflicted user, so a new route without
the check fails here.  Round-level routes that are not about one applicant are listed, with why,
in ``EXEMPT``.
"""

from __future__ import annotations

from datetime import date

import pytest
from flask import url_for

from assessor.extensions import db
from assessor.models import AuditEvent, ConflictDeclaration, ReviewAction, Submission, User
from assessor.services import actions, clarifications, conflicts
from assessor.services.errors import NotAllowed
from assessor.services.submissions import reopen
from tests.review_helpers import COMMISSIONERS, NARRATIVE, build_world, signed_in
from tests.security_helpers import POLICY
from tests.web_client import csrf_token

# POST routes of the review blueprint that are not about one applicant's submission, so a conflict
# with an applicant does not bear on them.  Each needs a reason; a route about one submission never
# belongs here.
EXEMPT = {
    # Setting up and running the round as a whole, by round administrators, who do not declare.
    "review.new_round": "creates a round",
    "review.manage_round": "changes the round's settings and deadlines",
    "review.invite_provider": "invites an organisation's people to the round",
    "review.add_round_applicant": "adds an applicant to the round before anything is submitted",
    "review.set_contract_parameters": "sets the contract parameters every applicant of the round sees alike",
    "review.start_checkpoint": "starts the next checkpoint round for every applicant",
    # The calendar the standstill periods are counted on, shared by every round.
    "review.bank_holidays": "adds a bank holiday",
    "review.remove_bank_holiday": "removes a bank holiday",
    # Declaring is how a conflict is recorded at all, and mitigating is the round administrator's
    # answer to someone else's declaration: blocking either would make a conflict impossible to handle.
    "review.conflict_declarations": "a reviewer's own declarations of conflicts",
    "review.mitigate_conflict": "records how another person's conflict is mitigated",
}

# One form with every field any of the routes reads, filled so that the action would succeed for
# someone without a conflict.
FORM = {
    "reason": "The provider asked to correct an answer.",
    "clarification": "Which board approved the plan?",
    "urgency": "critical",
    "text": "Publish the risk-share agreement.",
    "owner": "Director of Finance",
    "closure_note": "Seen the signed agreement.",
    "score": "3",
    "rationale": "Clear and costed.",
    "consensus": "3",
    "consensus_rationale": "Agreed at moderation.",
    "outcome": "proceed",
    "gate-A": "pass",
    "gate-B": "pass",
    "decided_on": date.today().isoformat(),
    "panel_members": "Ada Chair",
    "action_id": "1",
    "condition_id": "1",
    "representation_id": "1",
    "review_note": "Reviewed with the panel.",
}


def _review_post_rules(app) -> list:
    return sorted(
        (rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("review.") and "POST" in rule.methods),
        key=lambda rule: rule.endpoint,
    )


def test_every_review_post_route_is_about_one_submission_or_exempt_with_a_reason(app):
    rules = _review_post_rules(app)
    endpoints = {rule.endpoint for rule in rules}
    unaccounted = sorted(r.endpoint for r in rules if "submission_id" not in r.arguments and r.endpoint not in EXEMPT)
    assert not unaccounted, f"round-level POST routes neither checked nor exempt: {unaccounted}"
    wrongly_exempt = sorted(r.endpoint for r in rules if "submission_id" in r.arguments and r.endpoint in EXEMPT)
    assert not wrongly_exempt, f"routes about one submission cannot be exempt: {wrongly_exempt}"
    assert set(EXEMPT) <= endpoints, f"stale exemptions: {sorted(set(EXEMPT) - endpoints)}"


def _declare_conflict(data, world, user_id: int) -> None:
    """An unmitigated conflict with the alliance.  Site administrators do not declare; one is given a
    row here as well so that a single person can try every route, whichever role it belongs to."""
    with data() as session:
        submission = session.get_one(Submission, world.submission_id)
        row = session.scalar(
            db.select(ConflictDeclaration).filter_by(
                round_id=world.round_id, user_id=user_id, applicant_id=submission.applicant_id
            )
        )
        if row is None:
            row = ConflictDeclaration(round_id=world.round_id, user_id=user_id, applicant_id=submission.applicant_id)
            session.add(row)
        row.has_conflict, row.description = True, "My spouse is the lead organisation's chief executive."
        session.commit()


def _trail(data, submission_id: int) -> tuple[int, str]:
    with data() as session:
        events = session.scalar(db.select(db.func.count(AuditEvent.id)).filter_by(submission_id=submission_id))
        return events, session.get_one(Submission, submission_id).status


@pytest.mark.parametrize("key", ["evaluator", "moderator", "panel", "site_admin"])
def test_a_conflicted_reviewer_is_refused_every_post_route_about_the_submission(app, data, make_browser, key):
    world = build_world(data)
    email = COMMISSIONERS[key]
    _declare_conflict(data, world, world.users[email])
    reviewer = signed_in(make_browser, email)
    page = f"/review/submissions/{world.submission_id}"
    token = csrf_token(reviewer.get(page).get_data(as_text=True))
    before = _trail(data, world.submission_id)
    tried = []
    for rule in _review_post_rules(app):
        if "submission_id" not in rule.arguments:
            continue
        roles = POLICY[rule.endpoint].roles
        if roles is not None and key not in roles:
            continue  # refused by role anyway: the access matrix covers that
        with app.test_request_context():
            url = url_for(rule.endpoint, submission_id=world.submission_id, question_id=NARRATIVE)
        response = reviewer.post(url, {**FORM, "csrf_token": token})
        assert response.status_code == 403, f"{rule.endpoint}: {response.status_code}"
        assert "conflict of interest with Harbour Alliance" in response.get_data(as_text=True), rule.endpoint
        assert _trail(data, world.submission_id) == before, rule.endpoint
        tried.append(rule.endpoint)
    assert tried, "no route was tried"


def test_the_services_behind_review_actions_refuse_a_conflicted_reviewer(app, data, make_browser):
    """Whoever calls them (a page, a command, a job), the services check the declaration themselves."""
    world = build_world(data)
    with app.app_context():
        moderator = db.session.scalar(db.select(User).filter_by(email=COMMISSIONERS["moderator"]))
        submission = db.session.get_one(Submission, world.submission_id)
        actions.add(submission, "critical", "Publish the risk-share agreement.", "Finance", None, moderator)
        db.session.commit()
    _declare_conflict(data, world, world.users[COMMISSIONERS["moderator"]])
    with app.app_context():
        moderator = db.session.scalar(db.select(User).filter_by(email=COMMISSIONERS["moderator"]))
        submission = db.session.get_one(Submission, world.submission_id)
        action = db.session.scalar(db.select(ReviewAction))
        assert conflicts.blocking(submission, moderator) is not None
        attempts = {
            "reopen": lambda: reopen(submission, moderator, "The provider asked."),
            "clarification": lambda: clarifications.ask(submission, None, "Which board?", moderator),
            "add action": lambda: actions.add(submission, "critical", "Do it.", "Finance", None, moderator),
            "close action": lambda: actions.close(action, "Done.", moderator),
        }
        for name, attempt in attempts.items():
            try:
                attempt()
            except NotAllowed as refusal:
                assert "conflict of interest with Harbour Alliance" in str(refusal), name
            else:
                pytest.fail(f"{name} was not refused")
            db.session.rollback()
    assert _trail(data, world.submission_id)[1] == "submitted"
