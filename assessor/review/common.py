"""What the review views share: the round or submission a page is about, and form errors for the error summary."""

from __future__ import annotations

from typing import TypeVar

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField

from ..extensions import db
from ..ids import parse_id
from ..models import Round, Submission
from ..services import access, conflicts
from ..services.errors import NotAllowed, Refused

Row = TypeVar("Row")


def require_declarations(round_: Round) -> None:
    """Reviewers see nothing of a round's submissions until they have declared on every applicant."""
    if conflicts.must_declare(round_, current_user):
        flash("Before you see any submission in this round, declare any conflicts of interest.")
        abort(redirect(url_for(".conflict_declarations", round_id=round_.id)))


def round_for_review(round_id: int) -> Round:
    """A round whose submissions the page shows; 404 if it does not exist."""
    round_ = db.session.get(Round, round_id) or abort(404)
    require_declarations(round_)
    return round_


def round_or_404(round_id: int) -> Round:
    """A round for a page about the round itself, which shows none of its submissions."""
    return db.session.get(Round, round_id) or abort(404)


def submission_for_review(submission_id: int) -> Submission:
    """A submission the user may see (``services.access``), once they have declared on its round.

    Every POST about one submission changes its review, so a person with an unmitigated conflict of
    interest with its applicant is refused here, before the form is read; a new route gets the
    check by using this function.  The services check again for callers that are not pages.
    """
    submission = access.submission_for(current_user, submission_id)
    require_declarations(submission.round)
    if request.method == "POST":
        refuse_if_conflicted(submission)
    return submission


def refuse_if_conflicted(submission: Submission) -> None:
    """Someone with an unmitigated conflict may look at the submission but not act on it."""
    try:
        conflicts.check_not_conflicted(submission, current_user)
    except Refused as exc:
        abort(403, description=str(exc))


def posted_id(name: str) -> int:
    """The id a form posted in ``name``; 0, which matches no row, if it is missing or no id the database could hold."""
    return parse_id(request.form.get(name, "")) or 0


def chosen(row: Row | None, message: str, field: str | None = None) -> Row:
    """The row the action is about; refused with ``message`` if there is none (a posted id that names none
    of the page's rows, or a decision not yet recorded)."""
    if row is None:
        raise NotAllowed(message, field=field)
    return row


def form_problems(form: FlaskForm, anchors: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(anchor, message) for the error summary; radios are linked through their first option."""
    problems = []
    for name, errors in form.errors.items():
        # A decision's conditions are reported entry by entry (``DecisionForm.condition_problems``).
        if name == "conditions" or not errors:
            continue
        message = errors[0]
        if isinstance(form[name], DateField) and form[name].raw_data and form[name].raw_data[0]:
            message = f"{form[name].label.text}: enter a real date, for example 2027-02-14"
        problems.append(((anchors or {}).get(name, name), message))
    return problems
