"""Provider self-assessment blueprint: the access rule for every provider page; the pages live in its modules."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from ..models import User
from ..services.submissions import name_for_provider
from ..uploads import size_label
from .common import max_upload

bp = Blueprint("provider", __name__, url_prefix="/provider")


@bp.before_request
@login_required
def _providers_only() -> None:
    # The single authorisation gate of this blueprint; object-level checks live in services.access.
    if not current_user.is_provider:
        abort(403)


@bp.errorhandler(413)
def _too_large(error: RequestEntityTooLarge) -> tuple[str, int]:
    # The body was refused before it was read, so nothing on the page could be saved: say so, and
    # lead straight back to the domain the person was on.
    args = request.view_args or {}
    back = None
    if "submission_id" in args and "domain_id" in args:
        back = url_for(".domain", submission_id=args["submission_id"], domain_id=args["domain_id"])
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    return render_template(
        "provider/too_large.html", back=back, per_file=size_label(max_upload()), per_request=size_label(limit)
    ), 413


@bp.app_template_filter("filesize")
def _filesize(size: int) -> str:
    return size_label(size)


@bp.app_template_filter("provider_name")
def _provider_name(user: User | None) -> str:
    """Every name a provider page shows of someone who acted: commissioners are "The evaluation team"."""
    return name_for_provider(user)


# The views register their routes on ``bp`` as they are imported, so they come after it.
from . import (  # noqa: E402, F401
    clarifications,
    colleagues,
    domains,
    member_declarations,
    representations,
    submission,
)
