"""Control characters in text people type: refused where names come in, harmless in exports anyway,
and a failed report job never shows its exception to the person who asked for it.
"""

from __future__ import annotations

import html as html_lib
import logging
from io import BytesIO

import openpyxl
import pandas as pd
import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import FieldList, HiddenField, StringField

from assessor.extensions import db
from assessor.models import Applicant, Organisation, Round, User
from assessor.review import forms as review_forms
from reports.exports import to_xlsx

VERTICAL_TAB = "Vertical\x0bTab Care"
ROUND_ADMIN = "admin@northshire-icb.example"


def _round_id(data) -> int:
    with data() as session:
        return session.scalar(db.select(Round.id).order_by(Round.id))


def test_every_text_box_of_the_review_forms_refuses_control_characters(app):
    """Each form class, each text box (new ones included): "\\x0b" is an error on that box."""
    classes = [
        value
        for value in vars(review_forms).values()
        if isinstance(value, type) and issubclass(value, FlaskForm) and value.__module__ == review_forms.__name__
    ]
    assert len(classes) >= 8
    checked = 0
    with app.test_request_context(method="POST"):
        for form_class in classes:
            names = [
                name
                for name, field in form_class(formdata=None, meta={"csrf": False})._fields.items()
                if isinstance(field, StringField) and not isinstance(field, (HiddenField, FieldList))
            ]
            for name in names:
                form = form_class(formdata=MultiDict({name: "a\x0bb"}), meta={"csrf": False})
                form[name].validate(form)
                assert any("invisible control characters" in e for e in form[name].errors), (form_class, name)
                checked += 1
    assert checked >= 15


def test_an_applicant_name_with_a_control_character_is_refused_and_nothing_is_stored(demo, data, browser):
    round_id = _round_id(data)
    browser.login(ROUND_ADMIN)
    for field in ("applicant_name", "lead_name", "partners"):
        posted = {"applicant_name": "Harbour Care", "lead_name": "Harbour Trust", "lead_kind": "acute_trust"}
        posted[field] = VERTICAL_TAB + (" | Acute trust" if field == "partners" else "")
        manage = f"/review/rounds/{round_id}/manage"
        response = browser.post(f"/review/rounds/{round_id}/applicants", posted, page=manage)
        assert response.status_code == 200, field
        assert "must not contain invisible control characters" in html_lib.unescape(response.get_data(as_text=True))
    with data() as session:
        assert session.scalar(db.select(Applicant).filter_by(name="Harbour Care")) is None
        assert session.scalar(db.select(Organisation).filter(Organisation.name.contains("\x0b"))) is None


def test_the_round_service_refuses_control_characters_whatever_the_way_in(demo, data):
    from assessor.services.errors import RoundProblem
    from assessor.services.rounds import add_applicant

    round_id = _round_id(data)
    with data() as session:
        round_ = session.get(Round, round_id)
        admin = session.scalar(db.select(User).filter_by(email=ROUND_ADMIN))
        for names in [
            (VERTICAL_TAB, "Harbour Trust", []),
            ("Harbour Care", "Harbour\x00Trust", []),
            ("Harbour Care", "Harbour Trust", ["Bell\x07 GP Federation | GP federation"]),
        ]:
            with pytest.raises(RoundProblem) as refused:
                add_applicant(round_, names[0], names[1], "acute_trust", names[2], admin)
            assert "must not contain invisible control characters" in refused.value.message
        session.rollback()


def test_the_workbook_writer_drops_characters_a_workbook_cannot_hold():
    frame = pd.DataFrame({"name\x01": [VERTICAL_TAB, "=SUM(A1)\x1f", "plain"], "score": [1.5, 2.0, 3.0]})
    workbook = openpyxl.load_workbook(BytesIO(to_xlsx({"Sheet\x02one": frame})))
    sheet = workbook[workbook.sheetnames[0]]
    assert workbook.sheetnames == ["Sheetone"]
    assert [cell.value for cell in sheet[1]] == ["name", "score"]
    assert [row[0].value for row in sheet.iter_rows(min_row=2)] == ["VerticalTab Care", "'=SUM(A1)", "plain"]
    assert [row[1].value for row in sheet.iter_rows(min_row=2)] == [1.5, 2.0, 3.0]


def test_a_name_stored_before_the_check_no_longer_breaks_the_round_export(demo, data, browser):
    round_id = _round_id(data)
    with data() as session:
        applicant = session.scalar(db.select(Applicant).order_by(Applicant.id))
        applicant.name = VERTICAL_TAB
        session.commit()
    browser.login(ROUND_ADMIN)
    response = browser.get(f"/review/rounds/{round_id}/export/round.xlsx", follow_redirects=True)
    assert response.status_code == 200
    assert response.data.startswith(b"PK")
    workbook = openpyxl.load_workbook(BytesIO(response.data))
    values = {cell.value for sheet in workbook for row in sheet.iter_rows() for cell in row}
    assert "VerticalTab Care" in values


def test_a_failed_job_shows_a_plain_message_and_logs_the_exception(demo, data, browser, monkeypatch, caplog):
    from assessor.services import jobs as job_kinds

    def broken(params, user, progress):
        raise RuntimeError("secret detail: /srv/gateway/instance/uploads/abc IllegalCharacterError")

    kind = job_kinds.JOB_KINDS["round_export"]
    monkeypatch.setitem(job_kinds.JOB_KINDS, "round_export", type(kind)(kind.label, kind.authorise, broken, kind.takes))
    browser.login(ROUND_ADMIN)
    with caplog.at_level(logging.ERROR):
        response = browser.post(
            "/jobs/new/round_export", {"round_id": str(_round_id(data))}, page=f"/review/rounds/{_round_id(data)}"
        )
        assert response.status_code == 302
        page = html_lib.unescape(browser.get(response.headers["Location"]).get_data(as_text=True))
    assert "The report could not be prepared" in page
    assert "Something went wrong while preparing it" in page and "Reference " in page
    assert "secret detail" not in page and "RuntimeError" not in page and "IllegalCharacterError" not in page
    assert "secret detail" in caplog.text
