"""Helpers for the provider tests: fill in a domain's answers, read a page's form the way a browser would,
and look up demo rows."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from io import BytesIO

from werkzeug.datastructures import MultiDict

from assessor.extensions import db
from assessor.models import Answer, AuditEvent, Evidence, Submission
from questionnaires import DEFAULT_QUESTIONNAIRE_PATH, load_questionnaire
from scoring import visible_question_ids

QUESTIONNAIRE = load_questionnaire(DEFAULT_QUESTIONNAIRE_PATH)
DOMAINS = {d.id: d for d in QUESTIONNAIRE.domains}
EASTBROOK = "Eastbrook Community Partnership"
ALLIANCE = "Northshire Care Alliance"


def required_before_any_answer(domain, applicant_type: str = "single") -> list:
    """The required questions a provider is asked on a domain's page before answering anything there:
    its own questions (not the round's or the applicant record's) that its applicant type shows."""
    shown = visible_question_ids(QUESTIONNAIRE, {"strategy.applicant_type": applicant_type})
    return [q for q in domain.questions if q.answered_by == "provider" and q.required and q.id in shown]


def minimal_pdf(label: str = "evidence") -> bytes:
    """A tiny file the upload checks accept as a PDF; ``label`` is in its bytes, so each label's file differs."""
    return b"%PDF-1.4\n% " + label.encode() + b"\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def domain_form_data(domain, choose="best") -> dict:
    """Form fields a person would post to answer every question of a domain they answer.

    ``choose="best"`` picks the highest-scoring answer everywhere, ``"worst"`` the lowest.
    """
    best = choose == "best"
    data: dict = {}
    for q in domain.questions:
        if q.answered_by != "provider":
            continue  # set on the round or from the applicant record: no field on the page
        name = "q-" + q.id
        if q.type == "scale":
            data[name] = str(len(q.levels) - 1 if best else 0)
        elif q.type == "yesno":
            data[name] = "yes" if (q.yes_no_scores.yes >= q.yes_no_scores.no) == best else "no"
        elif q.type == "choice":
            options = sorted(q.options, key=lambda o: o.score)
            data[name] = (options[-1] if best else options[0]).value
        elif q.type == "multichoice":
            data[name] = [o.value for o in q.options] if best else [min(q.options, key=lambda o: o.score).value]
        elif q.type == "number":
            bands = q.bands or []
            if not bands:
                data[name] = "1"
                continue
            top = max(bands, key=lambda b: b.score) if best else min(bands, key=lambda b: b.score)
            data[name] = str(int(top.min) if top.min == int(top.min) else top.min)
        elif q.type == "text":
            data[name] = f"Our answer to {q.id}: we have a plan agreed by every partner board."
        elif q.type == "evidence":
            data[name] = [(BytesIO(minimal_pdf(q.id)), f"{q.id}.pdf")]
    return data


class _FormReader(HTMLParser):
    """Collects what submitting one POST form would send: checked boxes, filled fields, hidden inputs."""

    def __init__(self, action: str):
        super().__init__(convert_charrefs=True)
        self.action = action
        self.fields = MultiDict()
        self._in_form = False
        self._done = False
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and not self._done and attrs.get("method", "").lower() == "post":
            self._in_form = attrs.get("action", "") == self.action
            return
        if not self._in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("radio", "checkbox"):
                if "checked" in attrs:
                    self.fields.add(name, attrs.get("value", "on"))
            elif kind not in ("submit", "button", "file"):
                self.fields.add(name, attrs.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            # Browsers drop the one newline that may follow <textarea>.
            self.fields.add(self._textarea, "".join(self._text).removeprefix("\n"))
            self._textarea = None
        elif tag == "form" and self._in_form:
            self._in_form, self._done = False, True


def page_form(html: str, action: str = "") -> MultiDict:
    """The fields of the POST form whose action is ``action`` ("" for a form posting to its own page)."""
    reader = _FormReader(action)
    reader.feed(html)
    return reader.fields


def post_page(client, url: str, html: str, changes: dict | None = None, **kwargs):
    """Submit the form on ``html`` (as loaded earlier, however stale) with ``changes`` typed in."""
    fields = page_form(html)
    for name, value in (changes or {}).items():
        if value is None:
            fields.poplist(name)
        elif isinstance(value, list):
            fields.setlist(name, value)
        else:
            fields.setlist(name, [value])
    data = {name: (values if len(values) > 1 else values[0]) for name, values in fields.lists()}
    return client.post(url, data=data, content_type="multipart/form-data", **kwargs)


def submission_id(data, applicant: str) -> int:
    with data() as session:
        return session.scalar(db.select(Submission.id).join(Submission.applicant).filter_by(name=applicant))


def set_status(data, sid: int, status: str) -> None:
    with data() as session:
        session.get(Submission, sid).status = status
        session.commit()


def stored_answer(data, sid: int, question_id: str):
    with data() as session:
        row = session.scalar(db.select(Answer).filter_by(submission_id=sid, question_id=question_id))
        return row.value if row else None


def answer_version(data, sid: int, question_id: str) -> int:
    with data() as session:
        row = session.scalar(db.select(Answer).filter_by(submission_id=sid, question_id=question_id))
        return row.version if row else 0


def evidence_of(data, sid: int, question_id: str | None = None, include_removed: bool = False) -> list[dict]:
    with data() as session:
        query = db.select(Evidence).filter_by(submission_id=sid).order_by(Evidence.id)
        if question_id:
            query = query.filter_by(question_id=question_id)
        if not include_removed:
            query = query.filter_by(removed_at=None)
        return [
            {"id": e.id, "name": e.original_name, "stored": e.stored_name, "sha256": e.sha256, "size": e.size}
            for e in session.scalars(query)
        ]


def audit(data, action: str, sid: int | None = None) -> list[dict]:
    with data() as session:
        query = db.select(AuditEvent).filter_by(action=action).order_by(AuditEvent.id)
        if sid is not None:
            query = query.filter_by(submission_id=sid)
        return [{**e.detail, "_user": e.user.name if e.user else None} for e in session.scalars(query)]


def result_of(data, sid: int):
    """The engine's result for the submission as it stands, through the app's one scoring path."""
    from assessor.services.scores import score

    with data() as session:
        _, result = score(session.get(Submission, sid))
        session.rollback()
        return result


def level_label(question, index: int) -> str:
    """How a maturity level reads to a person: its position and its full descriptor."""
    return f"Level {index + 1} of {len(question.levels)}: {question.levels[index]}"


def element_with_id(html: str, element_id: str) -> str | None:
    match = re.search(r'<[^>]*\bid="' + re.escape(element_id) + r'"[^>]*>', html)
    return match.group(0) if match else None


def question_box(html: str, question_id: str) -> str:
    """The opening tag of the box that holds one question on a domain page."""
    tag = element_with_id(html, "question-" + question_id)
    assert tag, f"no box for {question_id}"
    return tag


def checked_values(html: str, name: str) -> list[str]:
    return page_form(html).getlist(name)
