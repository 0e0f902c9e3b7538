"""Clarification questions from the commissioners, and the provider's replies to them."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from ..extensions import db
from ..ids import parse_id
from ..refusals import error_summary
from ..services import clarifications as clarification_service
from ..services import standstill
from ..services.definitions import questionnaire_for
from ..services.errors import Refused
from . import bp
from .common import submission_for


@bp.route("/submissions/<int:submission_id>/clarifications", methods=["GET", "POST"])
def clarifications(submission_id: int) -> Response | str:
    submission = submission_for(submission_id)
    problems: list[tuple[str, str]] = []
    drafts: dict[int, str] = {}
    if request.method == "POST":
        if not FlaskForm().validate_on_submit():
            abort(400)
        parsed_id = parse_id(request.form.get("clarification_id", ""))
        text = request.form.get("reply", "")
        if parsed_id is None:
            problems.append(("clarifications", "Choose the question you are replying to"))
        else:
            clarification_id = parsed_id
            try:
                clarification_service.reply(submission, clarification_id, text, current_user)
            except Refused as exc:
                db.session.rollback()
                # The reply box is kept as typed, so the person can correct it rather than start again.
                drafts[clarification_id] = text
                problems.extend(error_summary(exc, default=f"reply-{clarification_id}"))
            else:
                db.session.commit()
                flash("Your reply has been sent to the commissioners.")
                return redirect(url_for(".clarifications", submission_id=submission.id))
    return render_template(
        "provider/clarifications.html",
        submission=submission,
        questionnaire=questionnaire_for(submission.round),
        clarifications=clarification_service.for_submission(submission),
        today=standstill.today(),
        problems=problems,
        drafts=drafts,
        form=FlaskForm(formdata=None),
    )
