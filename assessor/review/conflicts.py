"""Conflicts of interest: reviewers' conflict declarations for a round; the round admin's list and mitigations."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from ..extensions import db
from ..models import ConflictDeclaration
from ..refusals import carry_out_and_say
from ..services import conflicts
from ..services.errors import Refused
from . import allow, bp
from .common import chosen, posted_id, round_or_404


@bp.route("/rounds/<int:round_id>/declarations", methods=["GET", "POST"])
@allow("evaluator", "moderator", "panel")
def conflict_declarations(round_id: int) -> ResponseReturnValue:
    round_ = round_or_404(round_id)
    applicants = conflicts.applicants(round_)
    declared = conflicts.declarations_of(round_, current_user)
    problems: list[tuple[str, str]] = []
    # What the page shows for each applicant: the saved declaration, or what was just posted.
    choices = {
        a.id: ("conflict" if declared[a.id].has_conflict else "none") if a.id in declared else None for a in applicants
    }
    descriptions = {a.id: declared[a.id].description if a.id in declared else "" for a in applicants}
    if request.method == "POST":
        choices = {a.id: request.form.get(f"conflict-{a.id}") for a in applicants}
        descriptions = {a.id: request.form.get(f"description-{a.id}", "") for a in applicants}
        entries = [
            conflicts.DeclarationInput(a.id, choices[a.id] == "conflict", descriptions[a.id])
            for a in applicants
            if choices[a.id] in ("none", "conflict")
        ]
        # The service reports each applicant's problem; a refusal of the whole declaration is shown
        # against the first applicant, where the error summary can link to it.
        try:
            found = conflicts.declare(round_, current_user, entries)
        except Refused as exc:
            found = [(applicants[0].id if applicants else 0, str(exc))]
        problems = [
            (
                f"conflict-{applicant_id}"
                if choices.get(applicant_id) != "conflict"
                else f"description-{applicant_id}",
                message,
            )
            for applicant_id, message in found
        ]
        if not problems:
            db.session.commit()
            flash("Your declarations are saved.")
            return redirect(url_for(".dashboard", round_id=round_.id))
        db.session.rollback()
    return render_template(
        "review/conflict_declarations.html",
        round=round_,
        applicants=applicants,
        choices=choices,
        descriptions=descriptions,
        declared=declared,
        problems=problems,
        declares=current_user.role in conflicts.DECLARING_ROLES,
    )


@bp.route("/rounds/<int:round_id>/conflicts")
@allow("round_admin")
def round_conflicts(round_id: int) -> ResponseReturnValue:
    round_ = round_or_404(round_id)
    return render_template(
        "review/conflicts.html",
        round=round_,
        rows=conflicts.round_declarations(round_),
        applicant_count=len(conflicts.applicants(round_)),
    )


@bp.route("/rounds/<int:round_id>/conflicts/mitigate", methods=["POST"])
@allow("round_admin")
def mitigate_conflict(round_id: int) -> ResponseReturnValue:
    round_ = round_or_404(round_id)
    found: ConflictDeclaration | None = db.session.scalar(
        db.select(ConflictDeclaration).filter_by(round_id=round_.id, id=posted_id("declaration_id"))
    )

    def mitigate() -> ConflictDeclaration:
        declaration = chosen(found, "Choose a declared conflict to mitigate.")
        conflicts.mitigate(declaration, request.form.get("mitigation", ""), current_user)
        return declaration

    carry_out_and_say(
        mitigate,
        lambda declaration: (
            f"Mitigation recorded: {declaration.user.name} may now take part for {declaration.applicant.name}."
        ),
    )
    return redirect(url_for(".round_conflicts", round_id=round_.id))
