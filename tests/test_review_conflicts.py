"""Conflicts of interest: declared before any submission is seen, blocking until mitigated, and reported."""

from __future__ import annotations

from assessor.extensions import db
from assessor.models import ConflictDeclaration, EvaluatorScore, ModeratedScore, Submission, User
from assessor.services.errors import NotAllowed
from tests.review_helpers import (
    COMMISSIONERS,
    NARRATIVE,
    audit_actions,
    build_world,
    page_text,
    signed_in,
)


def _applicants(data, round_id: int) -> dict[str, int]:
    with data() as session:
        submissions = session.scalars(db.select(Submission).filter_by(round_id=round_id)).all()
        return {s.applicant.name: s.applicant_id for s in submissions}


def test_a_reviewer_declares_for_every_applicant_before_seeing_any_submission(app, data, make_browser):
    evaluator_email = COMMISSIONERS["evaluator"]
    world = build_world(data, undeclared=(evaluator_email,))
    applicants = _applicants(data, world.round_id)
    alliance, outsider = applicants["Harbour Alliance"], applicants["Inland Community Care"]
    evaluator = signed_in(make_browser, evaluator_email)
    declarations = f"/review/rounds/{world.round_id}/declarations"

    for page in (
        f"/review/rounds/{world.round_id}",
        f"/review/submissions/{world.submission_id}",
        f"/review/submissions/{world.submission_id}/questions/{NARRATIVE}",
        f"/review/rounds/{world.round_id}/export/answers.csv",
    ):
        response = evaluator.get(page)
        assert response.status_code == 302 and response.headers["Location"].endswith(declarations), page
    # The round administrator runs the process and is not held up.
    admin = signed_in(make_browser, COMMISSIONERS["round_admin"])
    assert admin.get(f"/review/submissions/{world.submission_id}").status_code == 200

    # A conflict without a description, and an applicant left out, are both refused; nothing is saved.
    response = evaluator.post(declarations, {f"conflict-{alliance}": "conflict", f"description-{alliance}": " "})
    page = page_text(response)
    assert response.status_code == 200
    assert "Describe your conflict of interest with Harbour Alliance" in page
    assert "Say whether you have a conflict of interest with Inland Community Care" in page
    assert evaluator.get(f"/review/rounds/{world.round_id}").status_code == 302

    response = evaluator.post(
        declarations,
        {
            f"conflict-{alliance}": "conflict",
            f"description-{alliance}": "My spouse sits on the trust's board.",
            f"conflict-{outsider}": "none",
        },
    )
    assert response.status_code == 302
    assert evaluator.get(f"/review/rounds/{world.round_id}").status_code == 200
    with data() as session:
        rows = {
            r.applicant_id: (r.has_conflict, r.description)
            for r in session.scalars(db.select(ConflictDeclaration).filter_by(user_id=world.users[evaluator_email]))
        }
    assert rows == {alliance: (True, "My spouse sits on the trust's board."), outsider: (False, "")}
    assert "conflict.declared" in audit_actions(data, world.submission_id)


def test_a_declared_conflict_blocks_scoring_moderating_and_deciding_until_mitigated(app, data, make_browser):
    world = build_world(data)
    alliance = _applicants(data, world.round_id)["Harbour Alliance"]
    with data() as session:
        for key in ("evaluator", "moderator", "panel"):
            row = session.scalar(
                db.select(ConflictDeclaration).filter_by(user_id=world.users[COMMISSIONERS[key]], applicant_id=alliance)
            )
            row.has_conflict, row.description = True, f"The {key} used to work for Harbour Alliance Trust."
        session.commit()
    question = f"/review/submissions/{world.submission_id}/questions/{NARRATIVE}"
    evaluator = signed_in(make_browser, COMMISSIONERS["evaluator"])
    moderator = signed_in(make_browser, COMMISSIONERS["moderator"])
    panel = signed_in(make_browser, COMMISSIONERS["panel"])

    page = page_text(evaluator.get(question))
    assert "You declared a conflict of interest with Harbour Alliance" in page
    assert 'name="rationale"' not in page
    response = evaluator.post(f"{question}/evaluate", {"score": "3", "rationale": "Clear and costed."}, page=question)
    assert response.status_code == 403 and "conflict of interest" in page_text(response)
    response = moderator.post(
        f"{question}/moderate", {"consensus": "3", "consensus_rationale": "Agreed."}, page=question
    )
    assert response.status_code == 403
    decision = f"/review/submissions/{world.submission_id}/decision"
    assert "that has not been mitigated" in page_text(panel.get(decision))
    response = panel.post(
        decision, {"outcome": "proceed", "decided_on": "2026-01-05", "panel_members": "A"}, page=decision
    )
    assert response.status_code == 403
    with data() as session:
        assert session.scalar(db.select(EvaluatorScore.id).filter_by(submission_id=world.submission_id)) is None

    # The round administrator sees every declaration and mitigates the evaluator's conflict only.
    admin = signed_in(make_browser, COMMISSIONERS["round_admin"])
    conflicts_page = f"/review/rounds/{world.round_id}/conflicts"
    page = page_text(admin.get(conflicts_page))
    assert "The evaluator used to work for Harbour Alliance Trust." in page
    with data() as session:
        declaration_id = session.scalar(
            db.select(ConflictDeclaration.id).filter_by(
                user_id=world.users[COMMISSIONERS["evaluator"]], applicant_id=alliance
            )
        )
    refused = admin.post(
        f"/review/rounds/{world.round_id}/conflicts/mitigate",
        {"declaration_id": str(declaration_id), "mitigation": "  "},
        page=conflicts_page,
    )
    assert "Describe how the conflict is mitigated" in page_text(admin.get(refused.headers["Location"]))
    admin.post(
        f"/review/rounds/{world.round_id}/conflicts/mitigate",
        {
            "declaration_id": str(declaration_id),
            "mitigation": "Left the trust six years ago; a second evaluator checks every score.",
        },
        page=conflicts_page,
    )
    assert "a second evaluator checks every score" in page_text(admin.get(conflicts_page))

    response = evaluator.post(f"{question}/evaluate", {"score": "3", "rationale": "Clear and costed."}, page=question)
    assert response.status_code == 302
    assert (
        moderator.post(
            f"{question}/moderate", {"consensus": "3", "consensus_rationale": "Agreed."}, page=question
        ).status_code
        == 403
    )
    assert "conflict.mitigated" in audit_actions(data, world.submission_id)


def test_the_panel_report_lists_the_committee_with_declarations_and_mitigations(app, data, make_browser):
    from assessor.services.reporting import panel_report
    from reports.panel import render_panel_html

    world = build_world(data)
    alliance = _applicants(data, world.round_id)["Harbour Alliance"]
    evaluator_id = world.users[COMMISSIONERS["evaluator"]]
    with data() as session:
        row = session.scalar(db.select(ConflictDeclaration).filter_by(user_id=evaluator_id, applicant_id=alliance))
        row.has_conflict, row.description = True, "Former employee of the lead trust."
        row.mitigation, row.mitigated_by_id = (
            "Left in 2019; scores double-checked.",
            world.users[COMMISSIONERS["round_admin"]],
        )
        session.add(
            EvaluatorScore(
                submission_id=world.submission_id,
                question_id=NARRATIVE,
                evaluator_id=evaluator_id,
                score=0.75,
                rationale="Sound.",
            )
        )
        session.add(
            EvaluatorScore(
                submission_id=world.submission_id,
                question_id=NARRATIVE,
                evaluator_id=world.users[COMMISSIONERS["evaluator2"]],
                score=0.5,
                rationale="Adequate.",
            )
        )
        session.commit()

    with app.app_context():
        report = panel_report(db.session.get(Submission, world.submission_id))
        html = render_panel_html(report)
        db.session.rollback()
    people = {m.name: m for m in report.committee}
    # Only those who took part are on the committee; the moderator and panel have not acted yet.
    assert set(people) == {"Evaluator Person", "Evaluator2 Person"}
    assert people["Evaluator Person"].conflict == "Former employee of the lead trust."
    assert people["Evaluator Person"].mitigation == "Left in 2019; scores double-checked."
    assert people["Evaluator2 Person"].declared and people["Evaluator2 Person"].conflict is None
    assert "The committee and its declarations" in html and "Left in 2019; scores double-checked." in html


def test_the_scoring_services_themselves_refuse_an_unmitigated_conflict(app, data):
    """Whoever calls them (a page, a command, a job), scoring and moderating check the declaration."""
    from assessor.services import conflicts
    from assessor.services.evaluation import record_score
    from assessor.services.moderation import moderate

    world = build_world(data)
    alliance = _applicants(data, world.round_id)["Harbour Alliance"]
    with data() as session:
        for key in ("evaluator", "moderator"):
            row = session.scalar(
                db.select(ConflictDeclaration).filter_by(user_id=world.users[COMMISSIONERS[key]], applicant_id=alliance)
            )
            row.has_conflict, row.description = True, f"The {key} chairs the lead trust's audit committee."
        session.commit()

    def attempt(key: str) -> str | None:
        with app.app_context():
            submission = db.session.get(Submission, world.submission_id)
            user = db.session.get(User, world.users[COMMISSIONERS[key]])
            try:
                if key == "evaluator":
                    record_score(submission, NARRATIVE, 3, "Clear and costed.", user)
                else:
                    moderate(submission, NARRATIVE, 0.75, "Agreed at moderation.", user)
            except NotAllowed as exc:
                db.session.rollback()
                return str(exc)
            db.session.commit()
            return None

    for key in ("evaluator", "moderator"):
        refusal = attempt(key)
        assert refusal is not None and "declared a conflict of interest with Harbour Alliance" in refusal, key
    with data() as session:
        assert session.scalar(db.select(EvaluatorScore.id)) is None
        assert session.scalar(db.select(ModeratedScore.id)) is None
        assert session.get(Submission, world.submission_id).status == "submitted"
    actions = audit_actions(data, world.submission_id)
    assert "evaluation.scored" not in actions and "moderation.scored" not in actions

    # Once a round administrator records how each conflict is handled, the same calls go through.
    with app.app_context():
        admin = db.session.get(User, world.users[COMMISSIONERS["round_admin"]])
        for key in ("evaluator", "moderator"):
            declaration = db.session.scalar(
                db.select(ConflictDeclaration).filter_by(user_id=world.users[COMMISSIONERS[key]], applicant_id=alliance)
            )
            conflicts.mitigate(declaration, "Stepped down from the committee; a second reviewer checks.", admin)
        db.session.commit()
    assert attempt("evaluator") is None
    assert attempt("moderator") is None
    with data() as session:
        assert (
            session.scalar(
                db.select(EvaluatorScore.score).filter_by(evaluator_id=world.users[COMMISSIONERS["evaluator"]])
            )
            == 0.75
        )
        assert session.scalar(db.select(ModeratedScore.moderator_id)) == world.users[COMMISSIONERS["moderator"]]
    actions = audit_actions(data, world.submission_id)
    assert "evaluation.scored" in actions and "moderation.scored" in actions


def test_one_undeclared_applicant_is_enough_to_hold_a_reviewer_back(app, data, make_browser):
    """Declaring for every applicant but one, or someone else declaring, does not open the round."""
    evaluator_email, moderator_email = COMMISSIONERS["evaluator"], COMMISSIONERS["moderator"]
    world = build_world(data, undeclared=(evaluator_email,))
    applicants = _applicants(data, world.round_id)
    with data() as session:
        evaluator_id = world.users[evaluator_email]
        for _, applicant_id in sorted(applicants.items())[1:]:
            session.add(
                ConflictDeclaration(
                    round_id=world.round_id,
                    user_id=evaluator_id,
                    applicant_id=applicant_id,
                    has_conflict=False,
                    description="",
                )
            )
        session.commit()
    evaluator = signed_in(make_browser, evaluator_email)
    dashboard = f"/review/rounds/{world.round_id}"
    response = evaluator.get(dashboard)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{dashboard}/declarations")
    # The moderator declared for everyone in the round: their declarations do not count for the evaluator.
    assert signed_in(make_browser, moderator_email).get(dashboard).status_code == 200

    with data() as session:
        _, first_id = sorted(applicants.items())[0]
        session.add(
            ConflictDeclaration(
                round_id=world.round_id,
                user_id=world.users[evaluator_email],
                applicant_id=first_id,
                has_conflict=False,
                description="",
            )
        )
        session.commit()
    assert evaluator.get(dashboard).status_code == 200
