"""Checkpoint rounds: answers and evidence carried forward, and the change since the previous checkpoint."""

from __future__ import annotations

from datetime import date

from assessor.extensions import db
from assessor.models import Answer, DecisionCondition, Evidence, Round, Submission
from tests.provider_helpers import minimal_pdf
from tests.review_helpers import (
    COMMISSIONERS,
    NARRATIVE,
    build_world,
    moderate_as,
    page_text,
    signed_in,
    verify_gate_answers,
)


def _decide_with_conditions(data, make_browser, world) -> None:
    moderate_as(data, world.submission_id, COMMISSIONERS["moderator"], NARRATIVE, 0.75)
    verify_gate_answers(data, world.submission_id)
    # The workforce plan attached must be judged before the panel may decide.
    moderate_as(data, world.submission_id, COMMISSIONERS["moderator"], "people.evidence", "sufficient")
    panel = signed_in(make_browser, COMMISSIONERS["panel"])
    decision = f"/review/submissions/{world.submission_id}/decision"
    assert (
        panel.post(
            decision,
            {
                "gate-A": "pass",
                "gate-B": "conditional",
                "outcome": "proceed_with_conditions",
                "decided_on": date.today().isoformat(),
                "panel_members": "Ada Chair",
                "differs_reason": "Workforce plan outstanding.",
                "conditions-0-text": "Workforce plan agreed",
                "conditions-0-owner": "HR director",
                "conditions-0-due_on": "2027-06-30",
                "conditions-1-text": "Risk share signed",
                "conditions-1-owner": "Finance director",
                "conditions-1-due_on": "2027-06-30",
            },
            page=decision,
        ).status_code
        == 302
    )
    with data() as session:
        met = session.scalar(db.select(DecisionCondition.id).filter_by(text="Risk share signed"))
    page = f"/review/submissions/{world.submission_id}"
    panel.post(f"{page}/conditions/close", {"condition_id": str(met), "closure_note": "Signed on 2 March."}, page=page)


def test_a_checkpoint_round_carries_answers_and_evidence_forward_and_shows_what_changed(app, data, make_browser):
    from assessor.services.submissions import storage

    world = build_world(data)
    content = minimal_pdf("workforce plan")
    with data() as session:
        session.add(
            Evidence(
                submission_id=world.submission_id,
                question_id="people.evidence",
                original_name="workforce.pdf",
                stored_name=storage().save(content),
                content_type="application/pdf",
                size=len(content),
                sha256="a" * 64,
            )
        )
        session.commit()
        first = session.get(Round, world.round_id)
        questionnaire_id, framework_id = first.questionnaire_id, first.framework_id
        earlier_answers = {
            a.question_id: a.value_json
            for a in session.scalars(db.select(Answer).filter_by(submission_id=world.submission_id))
        }
    _decide_with_conditions(data, make_browser, world)

    admin = signed_in(make_browser, COMMISSIONERS["round_admin"])
    form = {
        "name": "Preferred bidder checks",
        "questionnaire_id": str(questionnaire_id),
        "framework_id": str(framework_id),
        "previous_round_id": str(world.round_id),
        "checkpoint_label": "",
    }
    response = admin.post("/review/rounds/new", form)
    assert response.status_code == 200 and "Name the checkpoint" in page_text(response)
    form["checkpoint_label"] = "Preferred bidder"
    response = admin.post("/review/rounds/new", form)
    assert response.status_code == 302

    with data() as session:
        checkpoint = session.scalar(db.select(Round).filter_by(name="Preferred bidder checks"))
        assert (checkpoint.previous_round_id, checkpoint.checkpoint_label) == (world.round_id, "Preferred bidder")
        drafts = {s.applicant.name: s for s in session.scalars(db.select(Submission).filter_by(round_id=checkpoint.id))}
        assert set(drafts) == {"Harbour Alliance", "Inland Community Care"}
        assert {s.status for s in drafts.values()} == {"draft"}
        carried = session.scalars(db.select(Answer).filter_by(submission_id=drafts["Harbour Alliance"].id)).all()
        assert {a.question_id: a.value_json for a in carried} == earlier_answers
        assert {(a.version, a.carried_from_round_id) for a in carried} == {(1, world.round_id)}
        assert session.scalar(db.select(Answer.id).filter_by(submission_id=drafts["Inland Community Care"].id)) is None
        copied = session.scalars(db.select(Evidence).filter_by(submission_id=drafts["Harbour Alliance"].id)).all()
        original = session.scalar(db.select(Evidence).filter_by(submission_id=world.submission_id))
        assert [(e.original_name, e.sha256) for e in copied] == [("workforce.pdf", "a" * 64)]
        # A separate stored copy: removing one round's file must not take the other's.
        assert copied[0].stored_name != original.stored_name
        assert storage().read(copied[0].stored_name) == content
        checkpoint_id, alliance_draft_id = checkpoint.id, drafts["Harbour Alliance"].id

    # Starting again creates nothing new.
    manage = f"/review/rounds/{checkpoint_id}/manage"
    admin.post(f"/review/rounds/{checkpoint_id}/checkpoint/start", {}, page=manage)
    with data() as session:
        assert session.scalar(db.select(db.func.count(Submission.id)).filter_by(round_id=checkpoint_id)) == 2

    # The comparison: then is the decided submission's result, now the carried-forward draft's, where the
    # narrative's consensus score has not been given yet.
    with app.app_context():
        from assessor.services.scores import score

        _, then = score(db.session.get(Submission, world.submission_id))
        _, now = score(db.session.get(Submission, alliance_draft_id))
        db.session.rollback()
    page = page_text(admin.get(f"/review/submissions/{alliance_draft_id}"))
    assert "Change since Review rules round" in page
    for domain in then.domains:
        assert (
            f'<td>{domain.title}</td><td class="num">{domain.score:.1f}</td>'
            f'<td class="num">{now.domain(domain.id).score:.1f}</td>' in page
        )
    assert "Workforce plan agreed</td><td>HR director</td><td>30 June 2027</td><td>Not yet met" in page
    assert "Met: Signed on 2 March." in page
    assert "At Review rules round" in page_text(admin.get(f"/review/rounds/{checkpoint_id}"))

    with app.app_context():
        from assessor.services.reporting import panel_report
        from reports.panel import render_panel_html

        report = panel_report(db.session.get(Submission, alliance_draft_id))
        html = render_panel_html(report)
        db.session.rollback()
    assert "Change since Review rules round" in html and "Signed on 2 March." in html
    assert report.checkpoint.label == "Preferred bidder"
    assert {(c.text, c.met) for c in report.checkpoint.conditions} == {
        ("Workforce plan agreed", False),
        ("Risk share signed", True),
    }
    assert [(g.then, g.now) for g in report.checkpoint.gates] == [
        (g.outcome_label, now.gate(g.id).outcome_label) for g in then.gates
    ]
