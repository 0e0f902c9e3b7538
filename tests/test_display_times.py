"""Times on pages are UK times (the browser's "Saved at" clock), stored in UTC underneath."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from assessor.extensions import db
from assessor.models import Answer, Submission, User

QUESTION = "strategy.vision"


def _answered_at(data, moment: datetime) -> int:
    with data() as session:
        submission = session.scalar(
            db.select(Submission).join(Submission.applicant).filter_by(name="Eastbrook Community Partnership")
        )
        lead = session.scalar(db.select(User).filter_by(email="lead@eastbrook.example"))
        answer = session.scalar(db.select(Answer).filter_by(submission_id=submission.id, question_id=QUESTION))
        if answer is None:
            answer = Answer(submission_id=submission.id, question_id=QUESTION, version=1)
            session.add(answer)
        answer.value_json, answer.updated_by_id, answer.updated_at = json.dumps(2), lead.id, moment
        session.commit()
        return submission.id


@pytest.mark.parametrize(
    "stored, shown",
    [
        (datetime(2026, 7, 1, 12, 5), "01 Jul 2026 13:05"),  # British Summer Time: an hour ahead of UTC
        (datetime(2026, 12, 1, 12, 5), "01 Dec 2026 12:05"),  # winter: the same as UTC
    ],
)
def test_a_domain_page_shows_when_an_answer_changed_in_uk_time(demo, data, browser, stored, shown):
    submission_id = _answered_at(data, stored)
    browser.login("lead@eastbrook.example")
    page = browser.get(f"/provider/submissions/{submission_id}/sections/strategy").get_data(as_text=True)
    assert f"last changed {shown}" in page
