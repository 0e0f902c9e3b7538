"""The panel's decision: the decision page and recording a decision, then publishing it, the standstill
period and the review of representations."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from questionnaires import Framework
from scoring import OUTCOME_LABELS

from ..extensions import db
from ..forms import filled
from ..ids import parse_id
from ..models import DECISION_OUTCOMES, DecisionPublication, PanelDecision, Representation, Submission
from ..refusals import carry_out_and_say, refused_summary
from ..services import conflicts, decisions, review_status, standstill
from ..services.errors import Refused
from ..services.scores import score
from ..states import RepresentationOutcome, SubmissionStatus
from . import COMMISSIONERS, allow, bp
from .common import chosen, form_problems, posted_id, submission_for_review
from .forms import DecisionForm, decision_form_class

Problems = list[tuple[str, str]]


def _decision_form(
    submission: Submission, framework: Framework, latest: PanelDecision | None, *, formdata: bool = True
) -> DecisionForm:
    rows = max(5, len(latest.conditions) + 2) if latest else 5
    form_class = decision_form_class(framework.gates, rows)
    if formdata:
        return form_class()
    _, result = score(submission)
    if latest is not None:
        data = {
            "outcome": latest.outcome,
            "decided_on": latest.decided_on,
            "follow_up_on": latest.follow_up_on,
            "panel_members": latest.panel_members,
            "minutes": latest.minutes,
            "differs_reason": latest.differs_reason or "",
            "conditions": [{"text": c.text, "owner": c.owner, "due_on": c.due_on} for c in latest.conditions],
            **{f"gate-{gid}": outcome for gid, outcome in latest.gate_outcomes.items()},
        }
    else:
        # Start from the engine's view: the panel changes only what it disagrees with.
        data = {
            "outcome": result.recommendation,
            "decided_on": date.today(),
            "follow_up_on": decisions.proposed_follow_up(result.rag, date.today()),
            **{f"gate-{g.id}": g.outcome for g in result.gates},
        }
    data["based_on_version"] = str(latest.version if latest else 0)
    return form_class(formdata=None, data=data)


def _decision_page(
    submission: Submission, form: DecisionForm | None = None, problems: Problems | None = None, status: int = 200
) -> tuple[str, int]:
    inputs, result = score(submission)
    latest = decisions.current(submission)
    form = form or _decision_form(submission, inputs.framework, latest, formdata=False)
    standstill_context = _standstill(submission, latest)
    # Scoring may have refreshed the stored summary.
    db.session.commit()
    return render_template(
        "review/decision.html",
        submission=submission,
        result=result,
        framework=inputs.framework,
        latest=latest,
        versions=decisions.history(submission),
        form=form,
        problems=problems or [],
        outcome_labels=OUTCOME_LABELS,
        decision_labels=DECISION_OUTCOMES,
        can_record=decisions.can_record(submission),
        review=review_status.status(submission, result),
        waiting_for=decisions.waiting_for(submission, result),
        can_change=standstill.decision_can_change(submission),
        conflict=conflicts.blocking(submission, current_user),
        follow_up_needed=decisions.needs_follow_up(result.rag),
        **standstill_context,
    ), status


def _standstill(submission: Submission, latest: PanelDecision | None) -> dict[str, Any]:
    publication = standstill.publication_for(submission)
    return {
        "publication": publication,
        "publication_status": standstill.status(publication) if publication else "",
        "representations": standstill.representations_for(publication) if publication else [],
        "review_outcomes": standstill.REVIEW_OUTCOMES,
        "can_publish": latest is not None
        and submission.status == SubmissionStatus.DECIDED
        and (publication is None or publication.decision_id != latest.id),
        "final_on": standstill.final_on(publication) if publication else None,
    }


@bp.route("/submissions/<int:submission_id>/decision")
@allow(*COMMISSIONERS)
def decision(submission_id: int) -> ResponseReturnValue:
    return _decision_page(submission_for_review(submission_id))


def _decision_input(form: DecisionForm, framework: Framework) -> decisions.DecisionInput:
    # A version the form could not have carried matches none, and is refused as out of date.
    posted = form.based_on_version.data or "0"
    based_on = parse_id(posted)
    if based_on is None:
        based_on = -1
    return decisions.DecisionInput(
        outcome=form.outcome.data,
        gate_outcomes={g.id: form[f"gate-{g.id}"].data for g in framework.gates},
        decided_on=filled(form.decided_on.data),
        panel_members=form.panel_members.data or "",
        minutes=form.minutes.data or "",
        differs_reason=form.differs_reason.data or "",
        conditions=form.filled_conditions(),
        correction_reason=form.correction_reason.data or "",
        based_on_version=based_on,
        follow_up_on=form.follow_up_on.data,
    )


@bp.route("/submissions/<int:submission_id>/decision", methods=["POST"])
@allow("panel")
def record_decision(submission_id: int) -> ResponseReturnValue:
    submission = submission_for_review(submission_id)
    inputs, _ = score(submission)
    form = _decision_form(submission, inputs.framework, decisions.current(submission))
    valid = form.validate_on_submit()
    # Radios are linked through their first option; the form names a gate's field "gate-G1", the service
    # names the gate's outcome "gate_outcomes.G1".
    anchors = {"outcome": "outcome-0"}
    for gate in inputs.framework.gates:
        anchors[f"gate-{gate.id}"] = anchors[f"gate_outcomes.{gate.id}"] = f"gate-{gate.id}-0"
    problems = form_problems(form, anchors) + form.condition_problems()
    if not valid or problems:
        return _decision_page(submission, form, problems or [("outcome-0", "Check the decision and try again")])
    data = _decision_input(form, inputs.framework)
    try:
        recorded = decisions.record_decision(submission, data, current_user)
    except Refused as refusal:
        return _decision_page(submission, form, refused_summary(refusal, anchors))
    db.session.commit()
    flash(f"Decision recorded (version {recorded.version}): {recorded.outcome_label}. It is now locked.")
    return redirect(url_for(".decision", submission_id=submission.id))


@bp.route("/submissions/<int:submission_id>/publish", methods=["POST"])
@allow("round_admin")
def publish_decision(submission_id: int) -> ResponseReturnValue:
    submission = submission_for_review(submission_id)
    latest = decisions.current(submission)
    carry_out_and_say(
        lambda: standstill.publish(
            submission, chosen(latest, "There is no recorded decision to publish."), current_user
        ),
        lambda publication: (
            f"Decision published. The standstill period ends at the end of {publication.standstill_ends_on:%-d %B %Y}."
        ),
    )
    return redirect(url_for(".decision", submission_id=submission.id, _anchor="standstill"))


# What the round administrator must see to next, once a representation's review is recorded.
_AFTER_REVIEW: dict[str, str] = {
    RepresentationOutcome.SENT_BACK: " The submission is back under moderation: the panel must record a new decision.",
    RepresentationOutcome.UPHELD: " The panel must now record a corrected decision and you publish it again.",
}


@bp.route("/submissions/<int:submission_id>/representations/review", methods=["POST"])
@allow("round_admin")
def review_representation(submission_id: int) -> ResponseReturnValue:
    submission = submission_for_review(submission_id)
    representation = db.session.scalar(
        db.select(Representation)
        .join(Representation.publication)
        .where(Representation.id == posted_id("representation_id"), DecisionPublication.submission_id == submission.id)
    )
    carry_out_and_say(
        lambda: standstill.review_representation(
            chosen(representation, "Choose a representation to review."),
            request.form.get("outcome", ""),
            request.form.get("review_note", ""),
            current_user,
        ),
        lambda reviewed: "Review recorded." + _AFTER_REVIEW.get(reviewed.outcome or "", ""),
    )
    return redirect(url_for(".decision", submission_id=submission.id, _anchor="standstill"))
