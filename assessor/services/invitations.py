"""Invitation links: how a provider lead brings a colleague into their organisation.

The link carries a random token; only its SHA-256 is stored, so a copy of the database cannot be
turned into working links.  Gateway sends no email: the lead copies the link, which is shown once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app, url_for
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..localtime import local_time
from ..models import PROVIDER_ROLES, Invitation, Organisation, User, utcnow
from ..passwords import PasswordRefused, hash_new_password
from .audit import record
from .errors import InvitationRefused
from .rows import changed_rows


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _lifetime() -> timedelta:
    return timedelta(days=current_app.config["INVITATION_LIFETIME_DAYS"])


def can_invite(user: User) -> bool:
    return user.role == "lead" and user.organisation_id is not None


def create_invitation(
    inviter: User, email: str, role: str, organisation: Organisation | None = None
) -> tuple[Invitation, str]:
    """A new invitation and its token (the only time the token exists in clear).

    A provider lead invites into their own organisation; a round or site administrator invites the
    first people of an applicant's organisation, which nobody inside it could do yet.
    """
    if inviter.role in ("round_admin", "site_admin"):
        if organisation is None:
            raise InvitationRefused("Choose the organisation the person will work for.")
        target = organisation
    elif can_invite(inviter) and inviter.organisation is not None:
        if organisation is not None and organisation.id != inviter.organisation_id:
            raise InvitationRefused("You can only invite colleagues into your own organisation.")
        target = inviter.organisation
    else:
        raise InvitationRefused("Only a provider lead can invite colleagues.")
    if role not in PROVIDER_ROLES:
        raise InvitationRefused("Choose whether the colleague will be a contributor or a lead.")
    email = email.strip().lower()
    account = db.session.scalar(db.select(User).filter_by(email=email))
    if account is not None and account.organisation_id == target.id:
        # The inviter already sees this organisation's people on its colleagues page: no news to them.
        raise InvitationRefused(f"{email} already has a Gateway account in {target.name}.")
    # An account anywhere else (a competing applicant, a commissioner) is not mentioned: the same link
    # is made as for a new address, so this form cannot tell anyone who has an account.  The link
    # cannot create a second account for the address: accepting it is refused (accept_invitation).
    now = utcnow()
    # A fresh link replaces any earlier unused one for the same person, so only one link works.
    for earlier in pending_invitations(target.id):
        if earlier.email == email:
            earlier.expires_at = now
            record("invitation.withdrawn", user=inviter, email=email, reason="replaced by a new invitation")
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        organisation_id=target.id,
        email=email,
        role=role,
        token_hash=_digest(token),
        invited_by_id=inviter.id,
        created_at=now,
        expires_at=now + _lifetime(),
    )
    db.session.add(invitation)
    db.session.flush()
    record(
        "invitation.created",
        user=inviter,
        email=email,
        role=role,
        organisation=target.name,
        expires_at=invitation.expires_at.isoformat(timespec="minutes"),
    )
    return invitation, token


def invitation_link(token: str) -> str:
    """The link to send: on GATEWAY_PUBLIC_URL when set, so a forged Host header cannot redirect it."""
    path = url_for("auth.accept_invitation", token=token)
    public_url = current_app.config.get("PUBLIC_URL")
    return public_url + path if public_url else url_for("auth.accept_invitation", token=token, _external=True)


def pending_invitations(organisation_id: int) -> list[Invitation]:
    return list(
        db.session.scalars(
            db.select(Invitation)
            .where(
                Invitation.organisation_id == organisation_id,
                Invitation.used_at.is_(None),
                Invitation.expires_at > utcnow(),
            )
            .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        )
    )


def withdraw_invitation(lead: User, invitation: Invitation) -> None:
    if not can_invite(lead) or invitation.organisation_id != lead.organisation_id:
        raise InvitationRefused("You can only withdraw invitations to your own organisation.")
    if invitation.used_at is not None:
        raise InvitationRefused(f"{invitation.email} has already accepted the invitation.")
    invitation.expires_at = min(invitation.expires_at, utcnow())
    record("invitation.withdrawn", user=lead, email=invitation.email, reason="withdrawn by a lead")


def invitation_for_token(token: str) -> Invitation:
    """The invitation this token opens, or a refusal that says why it no longer works."""
    invitation = db.session.scalar(
        db.select(Invitation).filter_by(token_hash=_digest(token or "")).execution_options(populate_existing=True)
    )
    if invitation is None:
        raise InvitationRefused(
            "This invitation link is not valid. Check that you copied the whole link, "
            "or ask the person who invited you for a new one.",
            status=404,
        )
    inviter = invitation.invited_by.name
    if invitation.used_at is not None:
        raise InvitationRefused(
            "This invitation link has already been used. If you created your account, "
            f"sign in instead; otherwise ask {inviter} for a new link.",
            status=410,
        )
    if invitation.expires_at <= utcnow():
        raise InvitationRefused(
            f"This invitation link stopped working on {_when(invitation.expires_at)}. "
            f"Ask {inviter} to send you a new one.",
            status=410,
        )
    return invitation


def accept_invitation(token: str, name: str, password: str) -> User:
    """Create the colleague's account and use up the invitation, both or neither.

    The form has normally checked the password rules already; they are applied again here, where the
    password is stored, so no caller can skip them.  The caller rolls back on refusal.
    """
    invitation = invitation_for_token(token)
    # Checked only here, when someone tries to use the link, not when the link is opened: the page
    # behind a link looks the same whether or not the address has an account, so whoever made the
    # invitation cannot learn it by opening the link in another browser.
    if db.session.scalar(db.select(User.id).filter_by(email=invitation.email)) is not None:
        raise InvitationRefused(f"There is already an account for {invitation.email}. Sign in instead.", status=409)
    try:
        password_hash = hash_new_password(
            password,
            min_length=current_app.config["PASSWORD_MIN_LENGTH"],
            context=(invitation.email, name, invitation.organisation.name),
        )
    except PasswordRefused as exc:
        raise InvitationRefused(f"{exc} Go back and choose another password.", status=400) from None
    now = utcnow()
    # Claim the invitation with a conditional update so two tabs submitting at once cannot both use it.
    claimed = changed_rows(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None), Invitation.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed != 1:
        raise InvitationRefused("This invitation link has already been used. Sign in instead.", status=410)
    user = User(
        email=invitation.email,
        name=name.strip(),
        role=invitation.role,
        organisation_id=invitation.organisation_id,
        password_hash=password_hash,
        session_token=secrets.token_hex(16),
    )
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError:
        raise InvitationRefused(
            f"There is already an account for {invitation.email}. Sign in instead.", status=409
        ) from None
    record(
        "invitation.accepted",
        user=user,
        email=invitation.email,
        role=invitation.role,
        organisation=invitation.organisation.name,
        invited_by=invitation.invited_by.name,
    )
    return user


def _when(moment: datetime) -> str:
    return local_time(moment).strftime("%d %B %Y at %H:%M")
