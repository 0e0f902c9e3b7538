"""Contract parameters: the round administrator's answers to the questions a questionnaire marks
``answered_by: round`` (capitated population, services in scope, contract term, financial envelope).

They are given once for the whole round, shown read-only to every applicant, merged into each
submission's answers before scoring (``answers.engine_answers``) and never weighted.  Saving one
works like saving a provider's answer: the same validation on the page, the same optimistic locking,
an audit event with the old and new values.
"""

from __future__ import annotations

from typing import Any

from questionnaires import Question, Questionnaire
from scoring import validate_answers

from ..extensions import db
from ..models import Round, RoundAnswer, Submission, User
from ..states import SubmissionStatus
from .answers import Conflict, Saved, StoredAnswer, Unchanged, round_answer_rows, save_versioned
from .audit import record
from .definitions import questionnaire_for
from .errors import NotAllowed
from .scores import round_summaries_out_of_date


def round_questions(questionnaire: Questionnaire) -> list[Question]:
    """The questions the round administrator answers, in questionnaire order."""
    return [q for q in questionnaire.questions() if q.answered_by == "round"]


def rows(round_: Round) -> dict[str, StoredAnswer]:
    return round_answer_rows(round_.id, questionnaire_for(round_))


def locked_reason(round_: Round) -> str | None:
    """Why the round's contract parameters can no longer change, or None while they can.

    Every submission of the round is scored with them, so once the panel has decided on any of them
    changing a parameter would change the scores a recorded decision rests on."""
    decided = db.session.scalar(
        db.select(db.func.count(Submission.id)).where(
            Submission.round_id == round_.id, Submission.status == SubmissionStatus.DECIDED
        )
    )
    if decided:
        return (
            f"The panel has decided on {decided} submission{'' if decided == 1 else 's'} in this round, "
            "so its contract parameters can no longer change."
        )
    return None


def missing(round_: Round) -> list[Question]:
    """Required contract parameters the round administrator has not set yet."""
    questionnaire = questionnaire_for(round_)
    given = round_answer_rows(round_.id, questionnaire)
    return [q for q in round_questions(questionnaire) if q.required and q.id not in given]


def save_round_answer(
    round_: Round,
    question_id: str,
    value: Any,
    *,
    base_version: int,
    base_fingerprint: str | None,
    user: User,
) -> Saved | Unchanged | Conflict:
    """Write one contract parameter unless a colleague changed it since ``base_version``.

    Every stored summary of the round is marked out of date, since every submission is scored with it."""
    question = questionnaire_for(round_).question(question_id)
    if question is None or question.answered_by != "round":
        raise NotAllowed("Only the round's contract parameters are set here.", field=question_id)
    reason = locked_reason(round_)
    if reason is not None:
        raise NotAllowed(reason, field=question_id, status=409)
    outcome, old = save_versioned(
        RoundAnswer,
        {"round_id": round_.id, "question_id": question_id},
        value,
        base_version=base_version,
        base_fingerprint=base_fingerprint,
        user=user,
    )
    if isinstance(outcome, Saved):
        record(
            "round.answer_changed",
            user=user,
            round=round_.id,
            question=question_id,
            old=old,
            new=value,
            version=outcome.version,
        )
        round_summaries_out_of_date(round_.id)
    return outcome


def carry_forward(previous: Round, round_: Round, user: User) -> list[str]:
    """Copy the earlier round's contract parameters to a checkpoint round, where its questionnaire still
    asks the round for them and the value is still a valid answer; returns the question ids copied.
    A parameter already set is kept."""
    questionnaire = questionnaire_for(round_)
    wanted = {q.id for q in round_questions(questionnaire)}
    present = round_answer_rows(round_.id, questionnaire)
    earlier = db.session.scalars(db.select(RoundAnswer).filter_by(round_id=previous.id).order_by(RoundAnswer.id))
    copied = []
    for row in earlier:
        if row.question_id not in wanted or row.question_id in present or row.value is None:
            continue
        if validate_answers(questionnaire, {row.question_id: row.value}):
            continue  # the question changed since, and the old value no longer answers it
        db.session.add(
            RoundAnswer(
                round_id=round_.id,
                question_id=row.question_id,
                value_json=row.value_json,
                version=1,
                updated_by_id=row.updated_by_id,
            )
        )
        copied.append(row.question_id)
    if copied:
        db.session.flush()
        record(
            "round.answers_carried_forward", user=user, round=round_.id, previous_round=previous.id, questions=copied
        )
    return copied
