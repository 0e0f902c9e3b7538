"""Actions for the applicant and the conditions of a decision: recording them and closing them."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.wrappers import Response

from ..extensions import db
from ..models import ReviewAction, Submission
from ..refusals import carry_out, error_summary
from ..services import actions
from ..services.errors import Refused
from . import allow, bp
from .common import chosen, form_problems, posted_id, submission_for_review
from .forms import ActionForm
from .submissions import submission_page


def _back_to_actions(submission: Submission) -> Response:
    return redirect(url_for(".submission", submission_id=submission.id, _anchor="actions"))


# The URL paths keep "recommendations", the first name of actions, so that existing links still work.
@bp.route("/submissions/<int:submission_id>/recommendations", methods=["POST"])
@allow("moderator", "panel", "round_admin")
def add_action(submission_id: int) -> ResponseReturnValue:
    submission = submission_for_review(submission_id)
    form = ActionForm()
    if not form.validate_on_submit():
        problems = form_problems(form, {"urgency": "urgency-critical"})
    else:
        try:
            actions.add(
                submission,
                form.urgency.data or "",
                form.text.data or "",
                form.owner.data or "",
                form.due_on.data,
                current_user,
            )
        except Refused as refusal:
            problems = error_summary(refusal)
        else:
            db.session.commit()
            flash("Action recorded.")
            return _back_to_actions(submission)
    # Whether the form or the service refused, nothing of this request is kept.
    db.session.rollback()
    return submission_page(submission, action_form=form, problems=problems)


@bp.route("/submissions/<int:submission_id>/recommendations/close", methods=["POST"])
@allow("moderator", "panel", "round_admin")
def close_action(submission_id: int) -> ResponseReturnValue:
    submission = submission_for_review(submission_id)
    row = db.session.scalar(db.select(ReviewAction).filter_by(submission_id=submission.id, id=posted_id("action_id")))
    carry_out(
        lambda: actions.close(
            chosen(row, "Choose an action to close", field="closure_note"),
            request.form.get("closure_note", ""),
            current_user,
        ),
        "Action closed.",
    )
    return _back_to_actions(submission)


@bp.route("/submissions/<int:submission_id>/conditions/close", methods=["POST"])
@allow("panel", "round_admin")
def close_condition(submission_id: int) -> ResponseReturnValue:
    submission = submission_for_review(submission_id)
    condition = actions.condition_of(submission, posted_id("condition_id"))
    carry_out(
        lambda: actions.close_condition(
            chosen(condition, "Choose a condition to mark as met", field="closure_note"),
            request.form.get("closure_note", ""),
            current_user,
        ),
        "Condition marked as met.",
    )
    return _back_to_actions(submission)
