"""Representations a lead makes on a published decision, during the standstill period."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from ..extensions import db, limiter
from ..models import Representation
from ..ratelimits import check_limits, per_user_key, representation_rate
from ..refusals import error_summary
from ..services import access, standstill
from ..services.errors import NotAllowed, Refused
from . import bp
from .common import submission_for
from .submission import overview_page


@bp.route("/submissions/<int:submission_id>/representations", methods=["POST"])
@limiter.limit(representation_rate, key_func=per_user_key, methods=["POST"])
def make_representation(submission_id: int) -> Response | tuple[str, int]:
    # Counted in Redis, so even posts sent all at once cannot pile up rows past the cap below.
    check_limits()
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
        _refuse_past_the_cap(publication.id)
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


def _refuse_past_the_cap(publication_id: int) -> None:
    """Each representation must be reviewed by the commissioners within the standstill period, so an
    applicant cannot bury them under an unlimited number (review note I5)."""
    cap = current_app.config["REPRESENTATIONS_PER_DECISION"]
    made = db.session.scalar(
        db.select(db.func.count()).select_from(Representation).filter_by(publication_id=publication_id)
    )
    if made >= cap:
        raise NotAllowed(
            f"You have already made {made} representations on this decision, the most allowed. "
            "Contact the commissioners if you need to add to them."
        )
