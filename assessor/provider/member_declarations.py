"""Member declarations: each member organisation's own answers to the exclusion-ground questions, made on a
page of their own by that organisation's people.  Not commissioners' conflict declarations (review/conflicts.py).
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from questionnaires import Questionnaire

from ..forms import field_name
from ..models import MemberAnswer, Organisation, Submission
from ..services import member_declarations
from ..services.definitions import questionnaire_for
from ..services.scores import score
from . import bp
from .answer_page import AnswerOutcome, AnswerPage, PageOutcome
from .common import NOT_EDITABLE, submission_for

MEMBER_DECLARATIONS_SAVED = "{organisation}'s declarations have been saved."


class MemberDeclarationsPage(AnswerPage):
    """One member organisation's declarations: its answers to every per-member question, stored for it alone."""

    def __init__(self, submission: Submission, questionnaire: Questionnaire, organisation: Organisation):
        self.submission = submission
        self.questionnaire = questionnaire
        self.organisation = organisation
        super().__init__(member_declarations.declaration_questions(questionnaire))

    rows: dict[str, MemberAnswer]

    def load_rows(self) -> dict[str, MemberAnswer]:
        return member_declarations.declaration_rows(self.submission, self.organisation.id)

    def visible(self, answers: dict[str, Any]) -> set[str]:
        return member_declarations.visible_declarations(self.questionnaire, answers)

    def save_answer(
        self, question_id: str, value: Any, base_version: int, base_fingerprint: str | None
    ) -> AnswerOutcome:
        return member_declarations.save_declaration(
            self.submission,
            self.organisation,
            question_id,
            value,
            base_version=base_version,
            base_fingerprint=base_fingerprint,
            user=current_user,
        )

    def write(self) -> PageOutcome:
        outcome = super().write()
        # The member_declarations criteria read these answers, so the stored scores follow them at once.
        score(self.submission)
        return outcome

    def next_url(self) -> str:
        """Back to this page while a question is left to answer; otherwise to the overview's member list."""
        submission, organisation = self.submission, self.organisation
        # An adverse answer opens its explanation box, which without JavaScript appears only now: come
        # back to the page until nothing is left to answer.
        rows = member_declarations.declaration_rows(submission, organisation.id)
        answers = {qid: row.value for qid, row in rows.items() if row.value is not None}
        left = member_declarations.missing_declarations(self.questionnaire, answers)
        if left:
            flash(
                f"{len(left)} {'question still needs' if len(left) == 1 else 'questions still need'} an answer "
                "before these declarations are complete."
            )
            return url_for(
                ".member_declarations",
                submission_id=submission.id,
                organisation_id=organisation.id,
                _anchor=field_name(left[0].id),
            )
        return url_for(".overview", submission_id=submission.id, _anchor="member-declarations")


@bp.route(
    "/submissions/<int:submission_id>/declarations/<int:organisation_id>",
    methods=["GET", "POST"],
    # The view function has a name of its own: ``member_declarations`` here is the service module.
    endpoint="member_declarations",
)
def member_declarations_page(submission_id: int, organisation_id: int) -> Response | str:
    submission = submission_for(submission_id)
    questionnaire = questionnaire_for(submission.round)
    organisation = member_declarations.member_organisation(submission, organisation_id)
    if not member_declarations.declaration_questions(questionnaire) or organisation is None:
        abort(404)
    may_declare = member_declarations.can_declare(current_user, organisation)
    page = MemberDeclarationsPage(submission, questionnaire, organisation)
    if request.method == "POST":
        if not may_declare:
            abort(403, description=f"Only people from {organisation.name} can make its declarations.")
        if not submission.editable:
            abort(409, description=NOT_EDITABLE)
        if page.handle_post(request.form, request.files):
            flash(MEMBER_DECLARATIONS_SAVED.format(organisation=organisation.name))
            return redirect(page.next_url())
    return render_template(
        "provider/member_declarations.html",
        **page.context(),
        submission=submission,
        organisation=organisation,
        member_domains=questionnaire.member_domains(),
        removals=set(),
        evidence={},
        editable=may_declare and submission.editable,
        may_declare=may_declare,
    )
