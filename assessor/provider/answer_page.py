"""One POST flow for questionnaire pages: keep a colleague's answer when asked, save with conflict checks, re-show."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import CombinedMultiDict, FileStorage, MultiDict

from questionnaires import Question

from ..extensions import db
from ..forms import (
    DomainForm,
    ShownDomainForm,
    base_name,
    canonical_value,
    domain_form_class,
    field_name,
    field_values,
    initial_form_data,
    parse_base,
    to_field_value,
    version_marker,
)
from ..services.answers import Conflict, Saved, Unchanged, conflict_with

AnswerOutcome = Saved | Unchanged | Conflict


@dataclass
class PageOutcome:
    """What saving a posted page did, for re-showing the page when it cannot simply move on."""

    outcomes: dict[str, AnswerOutcome] = field(default_factory=dict)
    # Files refused by their question; when there are any, nothing at all was written.
    upload_errors: dict[str, list[str]] = field(default_factory=dict)
    files_changed: bool = False

    @property
    def changed(self) -> bool:
        """Whether anything the scores depend on was written: an answer or an attached file."""
        return self.files_changed or any(isinstance(o, Saved) for o in self.outcomes.values())

    @property
    def conflicts(self) -> dict[str, Conflict]:
        return {qid: o for qid, o in self.outcomes.items() if isinstance(o, Conflict)}


class AnswerPage:
    """A page of questions answered together, from showing the stored answers to saving a posted page.

    Pages differ only in where their answers live and what else they save with them, so a page
    subclasses this with ``load_rows``, ``visible`` and ``save_answer`` (and ``write`` when it saves
    more than answers).  Rows are whatever the page stores answers in (joint ``StoredAnswer``\\ s,
    a member's ``MemberAnswer``\\ s): this reads their ``value`` and ``version``, and who changed
    one and when when it reports a conflict.
    """

    def __init__(self, questions: Sequence[Question]):
        self.questions = list(questions)
        self.rows: dict[str, Any] = self.load_rows()
        self.form_data: MultiDict[str, str] = MultiDict()
        self.files: MultiDict[str, FileStorage] = MultiDict()
        self.conflicts: dict[str, Conflict] = {}
        self.unresolved: set[str] = set()
        self.valid = False
        self.outcome = PageOutcome()
        self._form: DomainForm | None = None

    def load_rows(self) -> dict[str, Any]:
        """The stored rows of this page's answers, by question id."""
        raise NotImplementedError

    def visible(self, answers: dict[str, Any]) -> set[str]:
        """The ids of the questions ``answers`` show (a follow-up appears only after its trigger)."""
        raise NotImplementedError

    def save_answer(
        self, question_id: str, value: Any, base_version: int, base_fingerprint: str | None
    ) -> AnswerOutcome:
        """Store one answer unless a colleague changed it since ``base_version``."""
        raise NotImplementedError

    def write(self) -> PageOutcome:
        """Everything a complete POST saves, before it is committed; a page saving more than answers extends it."""
        outcome = PageOutcome()
        self.save_answers(outcome, self.visible(self.answers_as_posted()))
        return outcome

    @property
    def stored(self) -> dict[str, Any]:
        return {qid: row.value for qid, row in self.rows.items()}

    @property
    def form(self) -> DomainForm | ShownDomainForm:
        """The posted form once a page was posted; until then the stored answers, without binding a form."""
        if self._form is not None:
            return self._form
        versions = {qid: row.version for qid, row in self.rows.items()}
        return ShownDomainForm(initial_form_data(self.questions, self.stored, versions))

    def handle_post(self, form_data: MultiDict[str, str], files: MultiDict[str, FileStorage]) -> bool:
        """Save the posted page if it is valid and every conflict shown on it was settled, then commit.

        True when everything was saved and the person can move on; otherwise the page is to be shown
        again, its form agreeing with what is now stored.
        """
        self._receive(form_data, files)
        if self.unresolved or not self.valid:
            return False
        self.outcome = self.write()
        db.session.commit()
        self.conflicts = self.outcome.conflicts
        if self.outcome.upload_errors:
            # Nothing was written, so the page comes back exactly as the person filled it in.
            return False
        if not self.conflicts:
            return True
        self.rows = self.load_rows()
        self._show_saved_state()
        return False

    def _receive(self, form_data: MultiDict[str, str], files: MultiDict[str, FileStorage]) -> None:
        self.form_data, self.files = form_data, files
        resolutions = self._conflict_resolutions()
        self._form = domain_form_class(self.questions)(formdata=self._formdata_keeping_theirs(resolutions))
        self.valid = self._form.validate_on_submit()
        self.unresolved = {question_id for question_id, choice in resolutions.items() if choice is None}
        posted = self.posted_values()
        for question_id in self.unresolved:
            self.conflicts[question_id] = conflict_with(
                self.rows.get(question_id), question_id, posted.get(question_id)
            )

    def _conflict_resolutions(self) -> dict[str, str | None]:
        """For each conflict shown on the page just sent: 'theirs', 'mine', or None when no choice was made."""
        on_page = {q.id for q in self.questions if q.type != "evidence"}
        shown = [qid for qid in self.form_data.getlist("conflict") if qid in on_page]
        return {
            qid: choice if (choice := self.form_data.get("resolve-" + qid)) in ("theirs", "mine") else None
            for qid in shown
        }

    def _formdata_keeping_theirs(self, resolutions: dict[str, str | None]) -> CombinedMultiDict[str, Any]:
        """The posted form, with the colleague's answer in place wherever the person chose to keep it."""
        posted = MultiDict(self.form_data)
        by_id = {q.id: q for q in self.questions}
        stored = self.stored
        for question_id, choice in resolutions.items():
            if choice == "theirs":
                posted.setlist(field_name(question_id), field_values(by_id[question_id], stored.get(question_id)))
        return CombinedMultiDict([self.files, posted])

    def posted_values(self) -> dict[str, Any]:
        """The valid posted answers, as the engine stores them (a field with an error is left out)."""
        if self._form is None:
            return {}
        values = {}
        for question in self.questions:
            if question.type == "evidence":
                continue
            form_field = self._form[field_name(question.id)]
            if not form_field.errors:
                values[question.id] = canonical_value(question, form_field.data)
        return values

    def answers_as_posted(self) -> dict[str, Any]:
        """The stored answers with what was posted over them: what decides which questions show."""
        return {**self.stored, **self.posted_values()}

    def save_answers(self, outcome: PageOutcome, visible: set[str]) -> None:
        """Save each posted answer of a question that shows, against the version the page was opened with.

        An answer is kept only while the answers it follows still show it (an explanation of an
        adverse answer since withdrawn, say), so a hidden question's field is not saved.
        """
        posted = self.posted_values()
        for question in self.questions:
            if question.type == "evidence" or question.id not in visible:
                continue
            version, digest = parse_base(self.form[base_name(question.id)].data)
            outcome.outcomes[question.id] = self.save_answer(question.id, posted.get(question.id), version, digest)

    def _show_saved_state(self) -> None:
        """After a save that met a conflict, make the re-shown page agree with what is now stored.

        Saved answers get their new version, untouched ones show the colleague's current answer, and a
        conflicting answer keeps the person's own text with the colleague's version as its base, so
        saving again is a deliberate choice.
        """
        form = self.form
        by_id = {q.id: q for q in self.questions}
        for question_id, result in self.outcome.outcomes.items():
            marker = form[base_name(question_id)]
            if isinstance(result, Saved):
                marker.data = version_marker(result.version, self.rows[question_id].value)
            elif isinstance(result, Unchanged):
                row = self.rows.get(question_id)
                marker.data = version_marker(row.version if row else 0, row.value if row else None)
                form[field_name(question_id)].data = to_field_value(by_id[question_id], row.value if row else None)
            else:
                marker.data = version_marker(result.their_version, result.theirs)

    def context(self) -> dict[str, Any]:
        """What the questionnaire page templates read from the page."""
        return {
            "form": self.form,
            "field_name": field_name,
            "base_name": base_name,
            "visible": self.visible(self.answers_as_posted()),
            "conflicts": self.conflicts,
            "unresolved": self.unresolved,
            "upload_errors": self.outcome.upload_errors,
            "answers": self.rows,
        }
