"""Representations a lead makes on a published decision, during the standstill period."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from ..extensions import db
from ..refusals import error_summary
from ..services import access, standstill
from ..services.errors import Refused
from . import bp
from .common import submission_for
from .submission import overview_page


@bp.route("/submissions/<int:submission_id>/representations", methods=["POST"])
def make_representation(submission_id: int) -> Response | tuple[str, int]:
    submission = submission_for(submission_id)
    if not access.can_submit(current_user, submission):
        abort(403, description="Only a lead user of the lead organisation can make representations.")
    publication = standstill.publication_for(submission)
    if publication is None:
        abort(404)
    if not FlaskForm().validate_on_submit():
        abort(400)
    text = request.form.get("representation", "")
    try:
        standstill.submit_representation(publication, current_user, text)
    except Refused as exc:
        db.session.rollback()
        if not standstill.window_open(publication):
            # The window closed while the person was writing: the form has gone, so say it by the decision.
            flash(exc.message, "error")
            return redirect(url_for(".overview", submission_id=submission.id, _anchor="decision"))
        return overview_page(submission, error_summary(exc, default="representation"), text, status=400)
    db.session.commit()
    flash("Your representation has been sent to the commissioners. You will see their review here.")
    return redirect(url_for(".overview", submission_id=submission.id, _anchor="decision"))
