"""A provider lead's colleagues: who has an account, inviting more, withdrawing an invitation."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from ..extensions import db, limiter
from ..forms import InvitationForm, filled
from ..models import Invitation, User
from ..ratelimits import check_limits, invitation_rate, per_user_key
from ..refusals import carry_out
from ..services.errors import InvitationRefused
from ..services.invitations import (
    can_invite,
    create_invitation,
    invitation_link,
    pending_invitations,
    withdraw_invitation,
)
from . import bp


def _lead_only() -> None:
    if not can_invite(current_user):
        abort(403, description="Only a provider lead can manage colleagues.")


def _colleagues_page(form: InvitationForm) -> str:
    people = db.session.scalars(
        db.select(User).filter_by(organisation_id=current_user.organisation_id).order_by(User.name)
    ).all()
    return render_template(
        "provider/colleagues.html",
        form=form,
        people=people,
        pending=pending_invitations(current_user.organisation_id),
        withdraw_form=FlaskForm(),
    )


@bp.route("/colleagues")
def colleagues() -> str:
    _lead_only()
    return _colleagues_page(InvitationForm(formdata=None))


@bp.route("/colleagues/invite", methods=["POST"])
@limiter.limit(invitation_rate, key_func=per_user_key, methods=["POST"])
def invite() -> Response | str:
    _lead_only()
    # Each invitation is also a question about an address: bound how many a person can ask.
    check_limits()
    form = InvitationForm()
    if form.validate_on_submit():
        try:
            invitation, token = create_invitation(current_user, filled(form.email.data), filled(form.role.data))
        except InvitationRefused as exc:
            db.session.rollback()
            form.email.errors = [*form.email.errors, exc.message]
        else:
            db.session.commit()
            link = invitation_link(token)
            response = current_app.make_response(
                render_template("provider/invitation_created.html", invitation=invitation, link=link)
            )
            # The page holds a working link: keep it out of every cache and history snapshot.
            response.headers["Cache-Control"] = "no-store"
            return response
    return _colleagues_page(form)


@bp.route("/colleagues/invitations/<int:invitation_id>/withdraw", methods=["POST"])
def withdraw(invitation_id: int) -> Response:
    _lead_only()
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.organisation_id != current_user.organisation_id:
        abort(404)
    if not FlaskForm().validate_on_submit():
        abort(400)
    carry_out(
        lambda: withdraw_invitation(current_user, invitation),
        f"The invitation to {invitation.email} has been withdrawn; its link no longer works.",
    )
    return redirect(url_for(".colleagues"))
