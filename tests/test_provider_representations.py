"""A published decision, its standstill period, and the representations an applicant makes within it."""

from __future__ import annotations

import html as html_lib
import re
from datetime import date, timedelta

import pytest

from assessor.extensions import db
from assessor.models import DecisionCondition, DecisionPublication, PanelDecision, Representation, Submission, User
from assessor.services import standstill
from tests.provider_helpers import audit, page_form, submission_id

RIVERSIDE = "Riverside Integrated Care"
LEAD = "lead@riverside-icp.example"
TODAY = date(2026, 11, 25)
STANDSTILL_ENDS = date(2026, 12, 7)
CONDITIONS = [
    (
        "Agree a shared care record data-sharing agreement with every partner",
        "Chief information officer",
        date(2027, 3, 31),
    ),
    ("Appoint an alliance director with delegated budget authority", "Chair of the alliance board", date(2027, 1, 15)),
]
MINUTES = "The panel debated the workforce plan at length before agreeing."


def _text(page: str) -> str:
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.fixture
def calendar(monkeypatch):
    """Set the date the standstill rules see."""

    def move_to(day: date) -> None:
        monkeypatch.setattr(standstill, "today", lambda: day)

    move_to(TODAY)
    return move_to


def _publish(data, sid: int) -> int:
    """A decision with conditions, published as the commissioner side would leave it."""
    with data() as session:
        panel = session.scalar(db.select(User).filter_by(email="panel@northshire-icb.example"))
        version = (session.scalar(db.select(db.func.max(PanelDecision.version)).filter_by(submission_id=sid)) or 0) + 1
        decision = PanelDecision(
            submission_id=sid,
            version=version,
            outcome="proceed_with_conditions",
            gate_outcomes_json="{}",
            recommendation_at_decision="proceed_with_conditions",
            decided_on=TODAY - timedelta(days=3),
            panel_members="Wilhelmina Quayle (chair)\nBartholomew Fenwick",
            minutes=MINUTES,
            recorded_by_id=panel.id,
        )
        decision.conditions = [DecisionCondition(text=text, owner=owner, due_on=due) for text, owner, due in CONDITIONS]
        session.add(decision)
        session.flush()
        publication = DecisionPublication(
            submission_id=sid,
            decision_id=decision.id,
            published_on=TODAY - timedelta(days=1),
            standstill_ends_on=STANDSTILL_ENDS,
            published_by_id=panel.id,
        )
        session.add(publication)
        session.commit()
        return publication.id


def _representations(data, publication_id: int) -> list[str]:
    with data() as session:
        return [r.text for r in session.scalars(db.select(Representation).filter_by(publication_id=publication_id))]


def test_the_applicant_reads_the_published_decision_and_makes_a_representation_in_time(demo, data, browser, calendar):
    sid = submission_id(data, RIVERSIDE)
    overview_url = f"/provider/submissions/{sid}"
    browser.login(LEAD)
    assert "The panel's decision" not in browser.get(overview_url).get_data(as_text=True)
    publication_id = _publish(data, sid)

    page = browser.get(overview_url).get_data(as_text=True)
    text = _text(page)
    assert "Decision Proceed with conditions" in text
    assert "Standstill period ends 07 December 2026" in text
    for condition, owner, due in CONDITIONS:
        assert f"{condition} {owner} {due:%d %B %Y} Open" in text
    # The panel's own working stays with the commissioners.
    assert MINUTES not in text and "Wilhelmina Quayle" not in text and "Bartholomew Fenwick" not in text

    # An empty representation is refused with an error summary linking to the box.
    action = f"/provider/submissions/{sid}/representations"
    empty = browser.post(action, {"representation": "  "}, page=overview_url)
    assert empty.status_code == 400
    empty_page = empty.get_data(as_text=True)
    assert 'class="error-summary"' in empty_page and 'href="#representation"' in empty_page
    assert _representations(data, publication_id) == []

    # On the last day of the standstill period it is still accepted.
    calendar(STANDSTILL_ENDS)
    reasons = "The panel did not consider our updated workforce plan sent on 2 November."
    sent = browser.post(action, {"representation": reasons}, page=overview_url)
    assert sent.status_code == 302
    assert _representations(data, publication_id) == [reasons]
    assert [e["text"] for e in audit(data, "representation.submitted", sid)] == [reasons]
    waiting = _text(browser.get(overview_url).get_data(as_text=True))
    assert reasons in waiting and "Awaiting review" in waiting

    # The day after, the form is gone and a late post is refused, saying why.
    calendar(STANDSTILL_ENDS + timedelta(days=1))
    closed = browser.get(overview_url).get_data(as_text=True)
    assert f'action="{action}"' not in closed
    assert "representations can no longer be made" in _text(closed)
    late = browser.client.post(
        action,
        data={"representation": "Late thoughts", "csrf_token": page_form(closed, "/logout")["csrf_token"]},
        follow_redirects=True,
    )
    assert "The standstill period ended on 7 December 2026" in _text(late.get_data(as_text=True))
    assert _representations(data, publication_id) == [reasons]

    # Once the round admin has reviewed it, the applicant sees the outcome.
    with data() as session:
        representation = session.scalar(db.select(Representation).filter_by(publication_id=publication_id))
        representation.outcome = "not_upheld"
        representation.review_note = "The updated plan arrived after the submission was decided."
        representation.further_period_ends_on = date(2026, 12, 14)
        session.commit()
    reviewed = _text(browser.get(overview_url).get_data(as_text=True))
    assert "Not upheld" in reviewed and "The updated plan arrived after the submission was decided." in reviewed
    assert "14 December 2026" in reviewed and "Awaiting review" not in reviewed


def test_only_a_lead_of_the_lead_organisation_makes_representations(demo, data, make_browser, calendar):
    sid = submission_id(data, "Northshire Care Alliance")
    with data() as session:
        session.get(Submission, sid).status = "decided"
        session.commit()
    publication_id = _publish(data, sid)
    overview_url = f"/provider/submissions/{sid}"
    action = f"/provider/submissions/{sid}/representations"

    partner = make_browser()
    partner.login("gp@northshire-pcc.example")
    page = partner.get(overview_url).get_data(as_text=True)
    assert "Proceed with conditions" in _text(page) and f'action="{action}"' not in page
    assert partner.post(action, {"representation": "We disagree."}, page=overview_url).status_code == 403

    contributor = make_browser()
    contributor.login("cio@northshire-trust.example")
    assert contributor.post(action, {"representation": "We disagree."}, page=overview_url).status_code == 403
    assert _representations(data, publication_id) == []

    lead = make_browser()
    lead.login("lead@northshire-trust.example")
    assert f'action="{action}"' in lead.get(overview_url).get_data(as_text=True)
    assert lead.post(action, {"representation": "We disagree."}, page=overview_url).status_code == 302
    assert _representations(data, publication_id) == ["We disagree."]
