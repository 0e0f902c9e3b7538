"""The conflict-aware save shared by the questionnaire pages (sections and member declarations)."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import request
from werkzeug.datastructures import CombinedMultiDict, MultiDict

from questionnaires.model import Question

from ..forms import base_name, canonical_value, field_name, field_values, to_field_value, version_marker
from ..services.answers import Conflict, Saved, Unchanged


@dataclass
class SectionOutcome:
    """What a full-page save did, for re-showing the page when it cannot simply move on."""

    outcomes: dict[str, Saved | Unchanged | Conflict] = field(default_factory=dict)
    upload_errors: dict[str, list[str]] = field(default_factory=dict)
    files_changed: bool = False

    @property
    def changed(self) -> bool:
        """Whether anything the scores depend on was written: an answer or an attached file."""
        return self.files_changed or any(isinstance(o, Saved) for o in self.outcomes.values())

    @property
    def conflicts(self) -> dict[str, Conflict]:
        return {qid: o for qid, o in self.outcomes.items() if isinstance(o, Conflict)}


def conflict_resolutions(questions: list[Question]) -> dict[str, str | None]:
    """For each conflict shown on the page just sent: 'theirs', 'mine', or None when no choice was made."""
    in_section = {q.id for q in questions if q.type != "evidence"}
    shown = [qid for qid in request.form.getlist("conflict") if qid in in_section]
    return {
        qid: request.form.get("resolve-" + qid) if request.form.get("resolve-" + qid) in ("theirs", "mine") else None
        for qid in shown
    }


def formdata_keeping_theirs(questions: list[Question], stored: dict, resolutions: dict[str, str | None]):
    """The posted form, with the colleague's answer in place wherever the person chose to keep it."""
    posted = MultiDict(request.form)
    by_id = {q.id: q for q in questions}
    for question_id, choice in resolutions.items():
        if choice == "theirs":
            posted.setlist(field_name(question_id), field_values(by_id[question_id], stored.get(question_id)))
    return CombinedMultiDict([request.files, posted])


def posted_values(questions: list[Question], form) -> dict:
    values = {}
    for question in questions:
        if question.type == "evidence":
            continue
        form_field = form[field_name(question.id)]
        if not form_field.errors:
            values[question.id] = canonical_value(question, form_field.data)
    return values


def show_saved_state(questions: list[Question], form, outcome: SectionOutcome, rows: dict) -> None:
    """After a save that met a conflict, make the re-shown page agree with what is now stored.

    Saved answers get their new version, untouched ones show the colleague's current answer, and a
    conflicting answer keeps the person's own text with the colleague's version as its base, so
    saving again is a deliberate choice.
    """
    by_id = {q.id: q for q in questions}
    for question_id, result in outcome.outcomes.items():
        marker = form[base_name(question_id)]
        if isinstance(result, Saved):
            marker.data = version_marker(result.version, rows[question_id].value)
        elif isinstance(result, Unchanged):
            row = rows.get(question_id)
            marker.data = version_marker(row.version if row else 0, row.value if row else None)
            form[field_name(question_id)].data = to_field_value(by_id[question_id], row.value if row else None)
        else:
            marker.data = version_marker(result.their_version, result.theirs)
