"""Round administration: a round pins definition versions; applicants get a draft; deadlines can move."""

from __future__ import annotations

from datetime import date, timedelta

from assessor.extensions import db
from assessor.models import Applicant, AuditEvent, Definition, Organisation, Round, Submission
from tests.review_helpers import COMMISSIONERS, build_world, page_text, signed_in


def test_a_round_admin_creates_a_round_adds_an_alliance_and_moves_the_deadline(app, data, make_browser):
    world = build_world(data)
    with data() as session:
        questionnaire = session.scalar(db.select(Definition).filter_by(kind="questionnaire"))
        framework = session.scalar(db.select(Definition).filter_by(kind="framework"))
        pinned = (questionnaire.id, questionnaire.content_hash, framework.id, framework.content_hash)
    admin = signed_in(make_browser, COMMISSIONERS["round_admin"])
    deadline = date.today() + timedelta(days=60)
    response = admin.post(
        "/review/rounds/new",
        {
            "name": "Eastern cohort 2027",
            "description": "Frailty services",
            "questionnaire_id": str(pinned[0]),
            "framework_id": str(pinned[2]),
            "deadline": deadline.isoformat(),
        },
    )
    assert response.status_code == 302
    with data() as session:
        round_ = session.scalar(db.select(Round).filter_by(name="Eastern cohort 2027"))
        assert (
            round_.questionnaire_id,
            round_.questionnaire.content_hash,
            round_.framework_id,
            round_.framework.content_hash,
        ) == pinned
        assert round_.deadline == deadline and round_.status == "open"
        round_id = round_.id

    manage = f"/review/rounds/{round_id}/manage"
    response = admin.post(
        f"/review/rounds/{round_id}/applicants",
        {
            "applicant_name": "Eastern Alliance",
            "lead_name": "Eastern Acute Trust",
            "lead_kind": "acute_trust",
            "partners": "Harbour GP Federation\nEastern Carers Network | Voluntary sector",
        },
        page=manage,
    )
    assert response.status_code == 302
    with data() as session:
        applicant = session.scalar(db.select(Applicant).filter_by(name="Eastern Alliance"))
        members = {m.organisation.name: m.organisation.kind for m in applicant.members}
        # The GP federation already existed (from the other round) and stays one organisation.
        assert members == {
            "Eastern Acute Trust": "acute_trust",
            "Harbour GP Federation": "gp_federation",
            "Eastern Carers Network": "voluntary",
        }
        assert session.query(Organisation).filter_by(name="Harbour GP Federation").count() == 1
        submission = session.scalar(db.select(Submission).filter_by(applicant_id=applicant.id))
        assert (submission.round_id, submission.status) == (round_id, "draft")

    # A partner of unknown kind must be described; the typed text is kept.
    response = admin.post(
        f"/review/rounds/{round_id}/applicants",
        {
            "applicant_name": "Second",
            "lead_name": "Second Lead",
            "lead_kind": "community_trust",
            "partners": "Mystery Partner",
        },
        page=manage,
    )
    page = page_text(response)
    assert "say what kind of organisation Mystery Partner is" in page and "Mystery Partner" in page
    # The same lead organisation cannot lead two applicants in one round.
    response = admin.post(
        f"/review/rounds/{round_id}/applicants",
        {"applicant_name": "Again", "lead_name": "Eastern Acute Trust", "lead_kind": "acute_trust"},
        page=manage,
    )
    assert "already leads an applicant in this round" in page_text(response)

    later = deadline + timedelta(days=14)
    assert admin.post(manage, {"deadline": later.isoformat(), "status": "closed"}).status_code == 302
    with data() as session:
        round_ = session.get(Round, round_id)
        assert (round_.deadline, round_.status) == (later, "closed")
        actions = set(session.scalars(db.select(AuditEvent.action)))
    assert {"round.created", "round.applicant_added", "round.updated"} <= actions
    dashboard = page_text(admin.get(f"/review/rounds/{round_id}"))
    assert "Eastern Alliance" in dashboard and "Lead: Eastern Acute Trust" in dashboard
    assert world.round_id != round_id


def test_a_round_needs_a_name_and_a_matching_framework(app, data, make_browser):
    from assessor.services.definitions import import_definition
    from tests.test_definitions import FIXTURES

    build_world(data)
    with data() as session:
        other, _ = import_definition(FIXTURES / "other-questionnaire.yaml")
        session.commit()
        review_framework = session.scalar(db.select(Definition.id).filter_by(kind="framework"))
        other_id = other.id
    admin = signed_in(make_browser, COMMISSIONERS["round_admin"])
    page = page_text(
        admin.post(
            "/review/rounds/new", {"name": "", "questionnaire_id": str(other_id), "framework_id": str(review_framework)}
        )
    )
    assert "Enter a name for the round" in page
    page = page_text(
        admin.post(
            "/review/rounds/new",
            {"name": "Mismatch", "questionnaire_id": str(other_id), "framework_id": str(review_framework)},
        )
    )
    assert "There is a problem" in page and "review-check" in page
    with data() as session:
        assert session.query(Round).count() == 1
