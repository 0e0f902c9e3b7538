"""Hostile and malformed input to the domain forms, autosave and evidence uploads.

Each bad value must be refused with a message next to its field, nothing from that page may be
stored, and everything else the person typed must come back on the page.  Markup in answers is
stored as typed and always shown escaped.
"""

from __future__ import annotations

import html
import io
from pathlib import Path

import pytest
from werkzeug.http import parse_options_header

from assessor.extensions import db
from assessor.models import Answer, AuditEvent, Evidence, Submission
from questionnaires import DEFAULT_QUESTIONNAIRE_PATH, QUESTION_TYPES, load_questionnaire
from tests.provider_helpers import domain_form_data, minimal_pdf
from tests.web_client import csrf_token

QUESTIONNAIRE = load_questionnaire(DEFAULT_QUESTIONNAIRE_PATH)
# The first domain with a question of every type a provider answers.
DOMAIN = next(
    d
    for d in QUESTIONNAIRE.joint_domains()
    if {q.type for q in d.questions if q.answered_by == "provider" and not q.show_if} >= set(QUESTION_TYPES)
)
QUESTIONS = {q.type: q for q in reversed(DOMAIN.questions) if not q.show_if and q.answered_by == "provider"}
TEXT = QUESTIONS["text"]
NUMBER = QUESTIONS["number"]
OTHER_TEXT_VALUE = "Our partner boards agreed the case for change in March."
OTHER_NUMBER_VALUE = "543210"
EVIDENCE = QUESTIONS["evidence"]
DRAFT = "Eastbrook Community Partnership"
PROVIDER = "lead@eastbrook.example"


def _ids(data) -> dict:
    with data() as session:
        draft = session.scalar(db.select(Submission).join(Submission.applicant).filter_by(name=DRAFT))
        other = session.scalar(db.select(Evidence.id).where(Evidence.submission_id != draft.id))
        return {"draft": draft.id, "foreign_evidence": other}


def _stored(data, submission_id) -> tuple:
    with data() as session:
        answers = session.scalars(db.select(Answer).filter_by(submission_id=submission_id)).all()
        files = session.scalars(db.select(Evidence).filter_by(submission_id=submission_id, removed_at=None)).all()
        audit = session.scalar(
            db.select(db.func.count()).select_from(AuditEvent).filter_by(submission_id=submission_id)
        )
        return {a.question_id: a.value for a in answers}, [f.original_name for f in files], audit


def _valid_answers() -> dict:
    evidence = {"q-" + q.id for q in DOMAIN.questions if q.type == "evidence"}
    answers = {k: v for k, v in domain_form_data(DOMAIN).items() if k not in evidence}
    answers["q-" + TEXT.id] = OTHER_TEXT_VALUE
    answers["q-" + NUMBER.id] = OTHER_NUMBER_VALUE
    return answers


# (question type, hostile value, words the message must contain)
HOSTILE_VALUES = [
    ("text", "x" * 10_001, "characters or fewer"),
    ("text", "Agreed\x00 by the board", "control characters"),
    ("text", "Agreed\x1b[31m by the board", "control characters"),
    ("number", "about forty", "Enter a number"),
    ("number", "1e13", "smaller than a trillion"),
    ("number", "-1e300", "smaller than a trillion"),
    ("number", "nan", "Enter a number"),
    ("number", "inf", "Enter a number"),
    ("number", "9" * 41, "shorter number"),
    ("scale", "99", "Not a valid choice"),
    ("scale", "-1", "Not a valid choice"),
    ("scale", "1.5", "Not a valid choice"),
    ("yesno", "maybe", "Not a valid choice"),
    ("choice", "not-an-option", "Not a valid choice"),
    ("multichoice", ["not-an-option"], "not a valid choice"),
]


def test_every_kind_of_bad_field_value_is_refused_with_a_message_and_nothing_is_stored(demo, data, browser):
    ids = _ids(data)
    url = f"/provider/submissions/{ids['draft']}/sections/{DOMAIN.id}"
    browser.login(PROVIDER)
    before = _stored(data, ids["draft"])
    token = csrf_token(browser.get(url).get_data(as_text=True))
    failures = []
    for kind, value, message in HOSTILE_VALUES:
        question = QUESTIONS[kind]
        posted = {**_valid_answers(), "q-" + question.id: value, "csrf_token": token, "action": "save"}
        response = browser.client.post(url, data=posted)
        page = response.get_data(as_text=True)
        label = f"{kind} {str(value)[:30]!r}"
        if response.status_code != 200:
            failures.append(f"{label}: status {response.status_code}")
            continue
        summary = page[page.find('class="error-summary"') : page.find("</ul>", page.find('class="error-summary"'))]
        if f'href="#q-{question.id}"' not in summary:
            failures.append(f"{label}: no error summary entry for the field")
        if message.lower() not in html.unescape(page).lower():
            failures.append(f"{label}: message {message!r} not shown")
        kept = f'value="{OTHER_NUMBER_VALUE}"' if kind == "text" else html.escape(OTHER_TEXT_VALUE, quote=False)
        if kept not in page:
            failures.append(f"{label}: the other answers typed on the page were lost")
    assert not failures, "\n".join(failures)
    assert _stored(data, ids["draft"]) == before, "a refused page stored something"


def test_autosave_refuses_bad_values_with_a_message_and_stores_nothing(demo, data, browser):
    ids = _ids(data)
    browser.login(PROVIDER)
    token = csrf_token(browser.get(f"/provider/submissions/{ids['draft']}").get_data(as_text=True))
    before = _stored(data, ids["draft"])
    for kind, value, _ in HOSTILE_VALUES:
        question = QUESTIONS[kind]
        response = browser.client.post(
            f"/provider/submissions/{ids['draft']}/answers/{question.id}",
            data={"q-" + question.id: value, "csrf_token": token},
        )
        assert response.status_code == 422, (kind, value, response.status_code)
        assert response.json["error"]
    for question_id in ("no.such.question", "../../etc/passwd", EVIDENCE.id):
        response = browser.client.post(
            f"/provider/submissions/{ids['draft']}/answers/{question_id}",
            data={"q-" + question_id: "1", "csrf_token": token},
        )
        assert response.status_code == 404
    assert _stored(data, ids["draft"]) == before


MARKUP = '<script>alert("x")</script><img src=x onerror=alert(1)>"><svg onload=alert(2)>'


def test_markup_in_answers_and_file_names_is_stored_as_typed_and_shown_escaped(demo, data, browser, make_browser):
    ids = _ids(data)
    url = f"/provider/submissions/{ids['draft']}/sections/{DOMAIN.id}"
    browser.login(PROVIDER)
    evil_name = "<img src=x onerror=alert(3)>.pdf"
    response = browser.post(
        url,
        {
            **_valid_answers(),
            "q-" + TEXT.id: MARKUP,
            "action": "save",
            "q-" + EVIDENCE.id: [(io.BytesIO(minimal_pdf()), evil_name)],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    answers, files, _ = _stored(data, ids["draft"])
    assert answers[TEXT.id] == MARKUP

    commissioner = make_browser()
    commissioner.login("moderator@northshire-icb.example")
    pages = {
        "domain": browser.get(url),
        "print": browser.get(f"/provider/submissions/{ids['draft']}/print"),
        "history": browser.get(f"/provider/submissions/{ids['draft']}/history"),
        "review": commissioner.get(f"/review/submissions/{ids['draft']}"),
        "review question": commissioner.get(f"/review/submissions/{ids['draft']}/questions/{TEXT.id}"),
    }
    for name, response in pages.items():
        page = response.get_data(as_text=True)
        assert response.status_code == 200, name
        for raw in ("<script>alert", "<img src=x", "<svg onload", "onerror=alert(3)>"):
            assert raw not in page, f"{name} page renders {raw!r} unescaped"
    assert "&lt;script&gt;alert(" in pages["domain"].get_data(as_text=True)

    with data() as session:
        evidence = session.scalar(db.select(Evidence).filter_by(submission_id=ids["draft"], removed_at=None))
        evidence_id, stored_name = evidence.id, evidence.original_name
    download = browser.get(f"/provider/submissions/{ids['draft']}/evidence/{evidence_id}")
    disposition, params = parse_options_header(download.headers["Content-Disposition"])
    assert disposition == "attachment"
    assert (params.get("filename*") or params.get("filename")) and "\n" not in download.headers["Content-Disposition"]
    assert stored_name.endswith(".pdf")


def _upload(browser, url, name, content, extra=None):
    return browser.post(
        url,
        {**_valid_answers(), **(extra or {}), "action": "save", "q-" + EVIDENCE.id: [(io.BytesIO(content), name)]},
        content_type="multipart/form-data",
    )


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("empty.pdf", b"", "is empty"),
        ("programme.exe", b"MZ\x90\x00" + b"\x00" * 64, "not an allowed type"),
        ("plan.pdf.exe", minimal_pdf(), "not an allowed type"),
        ("no-extension", minimal_pdf(), "not an allowed type"),
        ("board-minutes.pdf", PNG, "does not match its name"),
        ("chart.png", minimal_pdf(), "does not match its name"),
        ("figures.csv", b"year,cost\x00\x01\x02", "does not match its name"),
        ("plan.docx", b"PK\x03\x04not really a zip", "does not match its name"),
        ("page.html.pdf", b"<html><script>alert(1)</script></html>", "does not match its name"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_on_the_page_is_stored(demo, data, browser, name, content, message):
    ids = _ids(data)
    url = f"/provider/submissions/{ids['draft']}/sections/{DOMAIN.id}"
    browser.login(PROVIDER)
    before = _stored(data, ids["draft"])
    response = _upload(browser, url, name, content)
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200 and message in page
    assert OTHER_TEXT_VALUE in page, "the answers typed on the page must come back"
    assert _stored(data, ids["draft"]) == before


def test_oversize_uploads_are_refused_per_file_and_per_request(demo, data, browser):
    ids = _ids(data)
    url = f"/provider/submissions/{ids['draft']}/sections/{DOMAIN.id}"
    browser.login(PROVIDER)
    before = _stored(data, ids["draft"])
    demo.config["MAX_UPLOAD_BYTES"] = 4096
    big_pdf = minimal_pdf() + b"%" + b"x" * 5000
    response = _upload(browser, url, "big.pdf", big_pdf)
    assert response.status_code == 200 and "too large" in html.unescape(response.get_data(as_text=True))

    demo.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    response = _upload(browser, url, "huge.pdf", minimal_pdf() + b"x" * (128 * 1024))
    assert response.status_code == 413
    assert (
        "larger than" in response.get_data(as_text=True).lower()
        or "too large" in response.get_data(as_text=True).lower()
    )
    assert _stored(data, ids["draft"]) == before


def test_path_traversal_file_names_cannot_escape_the_upload_folder(demo, data, browser, tmp_path):
    ids = _ids(data)
    url = f"/provider/submissions/{ids['draft']}/sections/{DOMAIN.id}"
    upload_root = Path(demo.config["UPLOAD_FOLDER"]).resolve()
    browser.login(PROVIDER)
    names = [
        "../../../../tmp/escaped.pdf",
        "..\\..\\..\\escaped-windows.pdf",
        "/etc/cron.d/escaped.pdf",
        "....//....//escaped-dots.pdf",
    ]
    for name in names:
        assert _upload(browser, url, name, minimal_pdf(name)).status_code == 302
    with data() as session:
        rows = session.scalars(db.select(Evidence).filter_by(submission_id=ids["draft"], removed_at=None)).all()
        stored = [(row.original_name, row.stored_name) for row in rows]
    assert len(stored) == len(names)
    for original, stored_name in stored:
        # The name is kept for people to recognise, without any folder part; the file itself is
        # stored under a random name inside the upload folder.
        assert "/" not in original and "\\" not in original and original.endswith(".pdf"), original
        assert stored_name.isalnum() and (upload_root / stored_name).resolve().parent == upload_root
    assert not Path("/tmp/escaped.pdf").exists() and not Path("/etc/cron.d/escaped.pdf").exists()


def test_a_domain_form_cannot_remove_another_applicants_evidence(demo, data, browser):
    ids = _ids(data)
    url = f"/provider/submissions/{ids['draft']}/sections/{DOMAIN.id}"
    browser.login(PROVIDER)
    response = browser.post(
        url, {**_valid_answers(), "action": "save", "remove-evidence": str(ids["foreign_evidence"])}
    )
    assert response.status_code == 302
    with data() as session:
        assert session.get(Evidence, ids["foreign_evidence"]).removed_at is None
