"""A decision's conditions, its publication and reviewers' conflict declarations are protected by the database.

The application closes a condition once and stores the date a published decision became final once;
anything else (editing what was decided or published, or deleting it) is refused by the database, so
no code path, script or console session can rewrite the record a challenge reads.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from assessor.extensions import db
from assessor.models import DecisionCondition, DecisionPublication
from tests.review_helpers import decided_world, publish


def _published_with_a_condition(data, make_browser) -> int:
    world = decided_world(
        data,
        make_browser,
        **{
            "gate-B": "conditional",
            "outcome": "proceed_with_conditions",
            "differs_reason": "The panel wants the workforce agreement signed first.",
            "conditions-0-text": "Sign the workforce sharing agreement",
            "conditions-0-owner": "Harbour Alliance Trust",
            "conditions-0-due_on": (date.today() + timedelta(days=90)).isoformat(),
        },
    )
    publish(make_browser, world.submission_id)
    return world.submission_id


def _refused(data, statement: str) -> None:
    with data() as session:
        with pytest.raises(sa.exc.DBAPIError, match="locked"):
            session.execute(sa.text(statement))
        session.rollback()


def test_what_was_decided_and_published_cannot_be_edited_or_deleted(data, make_browser):
    submission_id = _published_with_a_condition(data, make_browser)

    for statement in (
        "UPDATE decision_condition SET text = 'Nothing at all'",
        "UPDATE decision_condition SET due_on = '2099-01-01'",
        "DELETE FROM decision_condition",
        "UPDATE decision_publication SET published_on = '2020-01-01'",
        "UPDATE decision_publication SET standstill_ends_on = '2020-01-02'",
        "UPDATE decision_publication SET decision_id = decision_id + 1",
        "DELETE FROM decision_publication",
        "UPDATE conflict_declaration SET applicant_id = applicant_id + 1",
        "UPDATE conflict_declaration SET user_id = user_id + 1",
        "DELETE FROM conflict_declaration",
    ):
        _refused(data, statement)

    with data() as session:
        condition = session.scalar(db.select(DecisionCondition))
        publication = session.scalar(db.select(DecisionPublication).filter_by(submission_id=submission_id))
        assert condition.text == "Sign the workforce sharing agreement" and condition.status == "open"
        assert publication.final_on is None


def test_the_steps_the_application_takes_still_work_once_and_only_once(data, make_browser):
    submission_id = _published_with_a_condition(data, make_browser)

    # Closing a condition: allowed while it is open, refused afterwards.
    with data() as session:
        session.execute(
            sa.text("UPDATE decision_condition SET status = 'met', closure_note = 'Signed', closed_at = :now"),
            {"now": "2026-12-05 10:00:00"},
        )
        session.commit()
    _refused(data, "UPDATE decision_condition SET status = 'open', closure_note = NULL")
    _refused(data, "UPDATE decision_condition SET closure_note = 'Rewritten'")

    # Storing the date the decision became final: allowed once.
    with data() as session:
        session.execute(sa.text("UPDATE decision_publication SET final_on = '2027-01-15'"))
        session.commit()
    _refused(data, "UPDATE decision_publication SET final_on = '2027-02-01'")

    with data() as session:
        condition = session.scalar(db.select(DecisionCondition))
        publication = session.scalar(db.select(DecisionPublication).filter_by(submission_id=submission_id))
        assert (condition.status, condition.closure_note) == ("met", "Signed")
        assert publication.final_on == date(2027, 1, 15)
