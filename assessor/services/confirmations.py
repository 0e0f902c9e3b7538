"""Answers carried forward from an earlier checkpoint round, until the provider confirms or changes them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update

from questionnaires import Questionnaire
from scoring import visible_question_ids

from ..extensions import db
from ..models import Answer, Round, Submission, User
from .answers import StoredAnswer, answer_rows
from .audit import record
from .rows import changed_rows


@dataclass(frozen=True)
class Unconfirmed:
    domain_id: str
    question_id: str
    text: str
    from_round: str


def unconfirmed(
    submission: Submission, questionnaire: Questionnaire, rows: dict[str, StoredAnswer] | None = None
) -> list[Unconfirmed]:
    """Carried-forward answers still waiting for the provider, in questionnaire order.

    Only questions the current answers show count: a hidden question is not asked, so it cannot be
    confirmed on its page either.
    """
    rows = answer_rows(submission) if rows is None else rows
    carried_from = {
        qid: row.carried_from_round_id for qid, row in rows.items() if row.carried_from_round_id is not None
    }
    if not carried_from:
        return []
    visible = visible_question_ids(
        questionnaire, {qid: row.value for qid, row in rows.items() if row.value is not None}
    )
    names = _round_names(set(carried_from.values()))
    return [
        Unconfirmed(domain.id, q.id, q.text, names[carried_from[q.id]])
        for domain in questionnaire.joint_domains()
        for q in domain.questions
        if q.id in carried_from and q.id in visible
    ]


def carried_round_names(items: list[Unconfirmed]) -> list[str]:
    return sorted({item.from_round for item in items})


def confirm(submission: Submission, question_ids: set[str], user: User, *, how: str) -> list[str]:
    """Clear the carried-forward mark on these answers; ``how`` says whether they were confirmed or changed.

    Returns the question ids actually confirmed; an answer not (or no longer) carried forward is left alone.
    """
    if not question_ids or submission.round.previous_round_id is None:
        return []  # only a checkpoint round (one that follows another) has carried-forward answers
    # Only the carried-forward rows among those named: an autosave confirms one answer at most.
    rows = {
        row.question_id: row
        for row in db.session.scalars(
            db.select(Answer).where(
                Answer.submission_id == submission.id,
                Answer.question_id.in_(question_ids),
                Answer.carried_from_round_id.is_not(None),
            )
        )
    }
    confirmed = []
    for question_id in sorted(question_ids):
        row = rows.get(question_id)
        if row is None:
            continue
        from_round = row.carried_from_round_id
        changed = changed_rows(
            update(Answer)
            .where(Answer.id == row.id, Answer.carried_from_round_id.is_not(None))
            .values(carried_from_round_id=None)
            .execution_options(synchronize_session=False)
        )
        if changed != 1:
            continue  # a colleague confirmed it at the same moment
        record(
            "answer.confirmed",
            user=user,
            submission_id=submission.id,
            question=question_id,
            from_round_id=from_round,
            how=how,
            value=row.value,
        )
        confirmed.append(question_id)
    return confirmed


def _round_names(round_ids: set[int]) -> dict[int, str]:
    rounds = db.session.scalars(db.select(Round).where(Round.id.in_(round_ids)))
    return {r.id: r.name for r in rounds}
