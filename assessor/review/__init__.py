"""Commissioner review: rounds, the round dashboard and comparison, one submission with its trace,
evaluator scoring, consensus moderation, clarifications, panel decisions, exports and reports.

Who may use each page is declared next to it with ``@allow(...)`` and checked in one place, the
blueprint's ``before_request``; an endpoint without a declaration is refused.  Which submissions a
user may see is decided by ``services.access``.

The views live in one module per area; they are imported at the bottom of this module, once the
blueprint and ``allow`` they use exist.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, abort, request
from flask_login import current_user, login_required

from ..services import evaluation

bp = Blueprint("review", __name__, url_prefix="/review")

COMMISSIONERS = ("evaluator", "moderator", "panel", "round_admin")
ACCESS: dict[str, frozenset[str]] = {}

View = TypeVar("View", bound=Callable[..., Any])


def allow(*roles: str) -> Callable[[View], View]:
    """Declare the roles that may use a view; site administrators may use every view."""

    def register(view: View) -> View:
        ACCESS[f"{bp.name}.{view.__name__}"] = frozenset(roles) | {"site_admin"}
        return view

    return register


def can(endpoint: str) -> bool:
    return current_user.role in ACCESS.get(f"{bp.name}.{endpoint}", frozenset())


@bp.before_request
@login_required
def _authorise() -> None:
    # The one authorisation check of this blueprint: providers never reach it, and each commissioner
    # role reaches only the endpoints declared for it.
    if not current_user.is_commissioner or current_user.role not in ACCESS.get(request.endpoint or "", frozenset()):
        abort(403)


@bp.context_processor
def _permissions() -> dict[str, Any]:
    return {"can": can, "scale": evaluation.SCALE, "describe_score": evaluation.describe}


# Importing the view modules registers their routes on ``bp``; nothing here uses their names.
from . import (  # noqa: E402, F401
    actions,
    bank_holidays,
    conflicts,
    dashboard,
    decisions,
    downloads,
    rounds,
    scoring,
    submissions,
)
