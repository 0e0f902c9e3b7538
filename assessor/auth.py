"""Sign-in and sign-out.  Login is rate-limited per IP address and per account."""

from __future__ import annotations

import secrets
from functools import lru_cache
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import bindparam
from sqlalchemy.orm import joinedload
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from .extensions import db, limiter, login_manager
from .forms import AcceptInvitationForm, filled
from .models import User
from .passwords import hash_password, verify_password
from .ratelimits import check_limits
from .services.audit import record
from .services.errors import InvitationRefused
from .services.invitations import accept_invitation as use_invitation
from .services.invitations import invitation_for_token

bp = Blueprint("auth", __name__)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Verifying against a real hash when the account does not exist keeps timing from revealing it.
    return hash_password(secrets.token_hex(16))


class LoginForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired("Enter your email address"), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password"), Length(max=200)])


# Built once: every request loads its user, and SQLAlchemy reuses a statement's cache key only when the
# statement object itself is reused.  The organisation comes in the same query because every page's
# header names it.
_USER_BY_ID = db.select(User).where(User.id == bindparam("user_id")).options(joinedload(User.organisation))


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    try:
        raw_id, token = user_id.split(":", 1)
        user = db.session.scalar(_USER_BY_ID, {"user_id": int(raw_id)})
    except (ValueError, TypeError):
        return None
    if user is None or not secrets.compare_digest(user.session_token, token):
        return None
    return user


def _login_rate() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _account_key() -> str:
    return "login-account:" + (request.form.get("email") or "").strip().lower()[:254]


def _ip_key() -> str:
    return "login-ip:" + (request.remote_addr or "unknown")


def safe_next_url(target: str | None) -> str | None:
    """Only same-site relative paths: an open redirect after login is a phishing aid."""
    if not target or len(target) > 2000:
        return None
    # Browsers drop tabs and newlines inside URLs, so "/\t/evil.example" would become "//evil.example".
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def home_for(user: User) -> str:
    return url_for("provider.home") if user.is_provider else url_for("review.home")


# Bodies a browser's form sends.  Flask-WTF would also read a JSON body, but the rate limits key
# on request.form: a JSON attempt would be counted against nobody's account (review finding F15).
FORM_BODIES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


@bp.before_request
def _rate_limits():
    # Refused before anything is counted or checked, so each limit sees exactly what the view reads.
    if request.method == "POST" and request.mimetype not in FORM_BODIES:
        abort(400, description="Send the form from the sign-in page.")
    check_limits()


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_rate, key_func=_ip_key, methods=["POST"])
@limiter.limit(_login_rate, key_func=_account_key, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalar(db.select(User).filter_by(email=email))
        password_ok = verify_password(user.password_hash if user else _dummy_hash(), form.password.data)
        if user and password_ok and user.is_active:
            # A fresh session on login: nothing set before authentication survives (fixation).
            session.clear()
            login_user(user)
            record("auth.login", user=user)
            db.session.commit()
            return redirect(safe_next_url(request.args.get("next")) or home_for(user))
        error = "The email address or password is not correct"
    return render_template("auth/login.html", form=form, error=error)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    user = current_user._get_current_object()
    # Rotating the token invalidates this cookie and any copy of it.
    user.session_token = secrets.token_hex(16)
    record("auth.logout", user=user)
    db.session.commit()
    logout_user()
    session.clear()
    flash("You have signed out.")
    return redirect(url_for("auth.login"))


def _private(response):
    # The address holds a working token: keep it out of caches. The app-wide Referrer-Policy
    # (same-origin) already keeps it from other sites; "no-referrer" would also strip the Referer
    # from the form's own POST, which Flask-WTF requires over HTTPS, and the form would fail.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@limiter.limit(_login_rate, key_func=_ip_key, methods=["POST"])
def accept_invitation(token: str):
    """A colleague's invitation link: they choose their name and password and are signed in."""
    if current_user.is_authenticated:
        page = render_template(
            "auth/invitation_refused.html",
            signed_in_as=current_user.email,
            message="You are already signed in. Sign out first if this invitation is for "
            "someone else, then open the link again.",
        )
        return _private(current_app.make_response((page, 409)))
    try:
        invitation = invitation_for_token(token)
    except InvitationRefused as exc:
        page = render_template("auth/invitation_refused.html", message=str(exc))
        return _private(current_app.make_response((page, exc.status)))
    form = AcceptInvitationForm()
    form.password_context = (invitation.email, invitation.organisation.name)
    if form.validate_on_submit():
        try:
            user = use_invitation(token, filled(form.name.data), filled(form.password.data))
        except InvitationRefused as exc:
            db.session.rollback()
            page = render_template("auth/invitation_refused.html", message=str(exc))
            return _private(current_app.make_response((page, exc.status)))
        db.session.commit()
        session.clear()
        login_user(user)
        flash(f"Welcome, {user.name}. Your account has been created and you are signed in.")
        return _private(redirect(home_for(user)))
    page = render_template(
        "auth/accept_invitation.html",
        form=form,
        invitation=invitation,
        min_length=current_app.config["PASSWORD_MIN_LENGTH"],
    )
    return _private(current_app.make_response(page))
