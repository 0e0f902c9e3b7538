"""``python -m scoring`` end to end, in a subprocess, with definitions and answers in temporary files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

QUESTIONNAIRE = """\
id: cli-test
version: "1"
title: CLI test questionnaire
domains:
  - id: gov
    title: Governance
    weight: 2
    questions:
      - id: gov.legal_entity
        type: yesno
        text: Do you have a legal entity?
        weight: 0
      - id: gov.structure
        type: scale
        text: How mature is your governance?
        weight: 2
        levels: [Nothing yet, Talking, Drafted, Agreed, Embedded]
      - id: gov.board
        type: choice
        text: Who chairs the joint board?
        weight: 1
        options:
          - {value: independent, label: An independent chair, score: 1.0}
          - {value: rotating, label: Partners in rotation, score: 0.5}
  - id: fin
    title: Finance
    weight: 1
    questions:
      - id: fin.population
        type: number
        text: Population covered
        weight: 1
        bands:
          - {min: 0, max: 100000, score: 0.5}
          - {min: 100000, score: 1.0}
      - id: fin.accounts
        type: evidence
        text: Latest audited annual accounts
        weight: 1
      - id: fin.case
        type: text
        text: Set out your case for change
        weight: 2
"""

FRAMEWORK = """\
id: cli-gates
version: "1"
questionnaire: cli-test
rag:
  - {min: 70, label: Green}
  - {min: 40, label: Amber}
  - {min: 0, label: Red}
gates:
  - id: G1
    title: Eligibility
    criteria:
      - {id: G1.legal, type: question_min, question: gov.legal_entity, min: 1, on_fail: fail}
      - {id: G1.population, type: number_min, question: fin.population, min: 100000, on_fail: conditional}
  - id: G2
    title: Capability
    criteria:
      - {id: G2.gov, type: domain_min, domain: gov, min: 50, on_fail: fail}
      - {id: G2.accounts, type: evidence_required, question: fin.accounts, on_fail: conditional}
"""

ANSWERS = {
    "gov.legal_entity": True,
    "gov.structure": 3,
    "gov.board": "rotating",
    "fin.population": 54000,
    "fin.accounts": ["accounts.pdf"],
    "fin.case": "Because",
}


# One consensus of each form: a score for the written case, a judgement of the accounts, and the
# legal-entity answer evaluators verified against the evidence.
CONSENSUS = {"fin.case": 0.5, "fin.accounts": "sufficient", "gov.legal_entity": {"answer": True}}


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {
        "questionnaire": tmp_path / "q.yaml",
        "framework": tmp_path / "f.yaml",
        "answers": tmp_path / "answers.json",
        "moderation": tmp_path / "moderation.json",
    }
    paths["questionnaire"].write_text(QUESTIONNAIRE, encoding="utf-8")
    paths["framework"].write_text(FRAMEWORK, encoding="utf-8")
    paths["answers"].write_text(json.dumps(ANSWERS), encoding="utf-8")
    paths["moderation"].write_text(json.dumps(CONSENSUS), encoding="utf-8")
    return paths


def run(files: dict[str, Path], moderation: bool = True) -> subprocess.CompletedProcess:
    command = [
        sys.executable,
        "-m",
        "scoring",
        "--questionnaire",
        str(files["questionnaire"]),
        "--framework",
        str(files["framework"]),
        "--answers",
        str(files["answers"]),
    ]
    if moderation:
        command += ["--moderation", str(files["moderation"])]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=60)


def test_valid_input_prints_the_result(files):
    done = run(files)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    gov = 100 * (2 * 0.75 + 1 * 0.5) / 3  # 66.67
    fin = 100 * (1 * 0.5 + 1 * 1 + 2 * 0.5) / 4  # 62.5
    assert data["domains"] == {"gov": pytest.approx(gov), "fin": pytest.approx(fin)}
    assert data["overall"] == pytest.approx((2 * gov + fin) / 3)
    assert data["rag"] == "Amber"
    assert [g["id"] for g in data["gates"]] == ["G1", "G2"]
    assert [g["outcome"] for g in data["gates"]] == ["conditional", "pass"]
    population = data["gates"][0]["criteria"][1]
    assert population == {
        **population,
        "id": "G1.population",
        "passed": False,
        "value": 54000,
        "threshold": 100000,
        "on_fail": "conditional",
        "explanation": "Population covered is 54,000, below the minimum of 100,000: gate is conditional.",
    }
    assert data["recommendation"] == "proceed_with_conditions"
    assert data["awaiting_evaluation"] == []
    assert data["provisional"] is False
    # Governance (weight 2): nothing weighted verified; finance (weight 1): accounts and case, 3 of 4.
    assert data["verified_share"] == pytest.approx((2 * 0 + 1 * 0.75) / 3)
    assert data["unverified_gate_answers"] == ["fin.population"]
    accounts = data["gates"][1]["criteria"][1]
    assert accounts["status"] == "passed" and "judged sufficient" in accounts["explanation"]


def test_without_moderation_text_and_files_await_evaluation(files):
    done = run(files, moderation=False)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["awaiting_evaluation"] == ["fin.accounts", "fin.case"]
    # The unjudged file still counts in the domain score, as the provider's claim...
    assert data["domains"]["fin"] == pytest.approx(100 * 1.5 / 4)
    # ...but the gate cannot pass on it: the criterion awaits evaluation and the result is provisional.
    accounts = data["gates"][1]["criteria"][1]
    assert accounts["passed"] is False and accounts["status"] == "awaiting_evaluation"
    assert data["provisional"] is True
    assert data["verified_share"] == pytest.approx(0.0)


def test_evidence_judged_not_sufficient_fails_its_criterion(files):
    files["moderation"].write_text(json.dumps({**CONSENSUS, "fin.accounts": "not_sufficient"}), encoding="utf-8")
    done = run(files)
    assert done.returncode == 0, done.stderr
    accounts = json.loads(done.stdout)["gates"][1]["criteria"][1]
    assert accounts["passed"] is False and accounts["status"] == "failed"
    assert "judged not sufficient" in accounts["explanation"]


def test_a_verified_answer_replaces_the_providers(files):
    files["moderation"].write_text(json.dumps({**CONSENSUS, "gov.legal_entity": {"answer": False}}), encoding="utf-8")
    done = run(files)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["gates"][0]["outcome"] == "fail"
    assert data["recommendation"] == "open_procurement"


@pytest.mark.parametrize(
    "consensus, named, fragment",
    [
        ({"fin.accounts": "good"}, "fin.accounts", "unknown judgement"),
        ({"gov.board": "sufficient"}, "gov.board", "only for evidence"),
        ({"gov.structure": {"answer": 9}}, "gov.structure", "out of range"),
        ({"gov.structure": {"answer": None}}, "gov.structure", "cannot be empty"),
        ({"gov.structure": {"answer": 2, "note": "x"}}, "gov.structure", "nothing else"),
        ({"fin.case": {"answer": "Better"}}, "fin.case", "score from 0 to 1"),
        ({"fin.accounts": {"answer": ["a.pdf"]}}, "fin.accounts", "'sufficient'"),
        ({"gov.board": [1]}, "gov.board", "a consensus must be"),
    ],
)
def test_invalid_consensus_exits_2_naming_the_question(files, consensus, named, fragment):
    files["moderation"].write_text(json.dumps(consensus), encoding="utf-8")
    done = run(files)
    assert done.returncode == 2
    assert named in done.stderr and fragment in done.stderr, done.stderr
    assert done.stdout == ""


@pytest.mark.parametrize(
    "answers, named",
    [
        ({"gov.nonsense": 1}, "gov.nonsense"),
        ({"fin.population": True}, "fin.population"),
        ({"fin.population": "54000"}, "fin.population"),
        ({"gov.structure": 5}, "gov.structure"),
        ({"gov.board": "chaired"}, "gov.board"),
        ({"fin.accounts": "accounts.pdf"}, "fin.accounts"),
    ],
)
def test_invalid_answers_exit_non_zero_naming_the_question(files, answers, named):
    files["answers"].write_text(json.dumps(answers), encoding="utf-8")
    done = run(files)
    assert done.returncode != 0
    assert named in done.stderr
    assert done.stdout == ""


def test_invalid_moderation_names_the_question(files):
    files["moderation"].write_text(json.dumps({"fin.case": 1.5}), encoding="utf-8")
    done = run(files)
    assert done.returncode != 0 and "fin.case" in done.stderr


def test_unreadable_json(files):
    files["answers"].write_text("{not json", encoding="utf-8")
    done = run(files)
    assert done.returncode != 0
    assert "not valid JSON" in done.stderr and "answers.json" in done.stderr


def test_nan_is_not_json(files):
    files["answers"].write_text('{"fin.population": NaN}', encoding="utf-8")
    done = run(files)
    assert done.returncode != 0 and "NaN" in done.stderr


def test_missing_answers_file(files, tmp_path):
    files["answers"] = tmp_path / "missing.json"
    done = run(files)
    assert done.returncode != 0 and "missing.json" in done.stderr


def test_answers_must_be_an_object(files):
    files["answers"].write_text("[1, 2]", encoding="utf-8")
    done = run(files)
    assert done.returncode != 0 and "answers must be an object" in done.stderr


def test_invalid_definition_is_reported(files):
    files["questionnaire"].write_text(
        QUESTIONNAIRE.replace("weight: 2\n    questions", "wieght: 2\n    questions", 1), encoding="utf-8"
    )
    done = run(files)
    assert done.returncode != 0
    assert "wieght" in done.stderr
    assert done.stdout == ""


def test_framework_naming_an_unknown_question_is_reported(files):
    files["framework"].write_text(
        FRAMEWORK.replace("question: fin.accounts", "question: fin.acounts"), encoding="utf-8"
    )
    done = run(files)
    assert done.returncode != 0
    assert "fin.acounts" in done.stderr


# --------------------------------------------------------------------------------------------------
# --members: declarations answered by each member organisation

MEMBER_DOMAIN = """\
  - id: decl
    title: Member declarations
    per_member: true
    questions:
      - id: decl.insolvent
        type: yesno
        text: Has the organisation been insolvent?
        scores: {"yes": 0.0, "no": 1.0}
      - id: decl.insolvent_detail
        type: text
        text: Explain.
        show_if: {question: decl.insolvent, equals: true}
"""

MEMBER_GATE = """\
  - id: G3
    title: Declarations
    criteria:
      - {id: G3.members, type: member_declarations, domain: decl}
"""


@pytest.fixture()
def member_files(files: dict[str, Path]) -> dict[str, Path]:
    files["questionnaire"].write_text(QUESTIONNAIRE + MEMBER_DOMAIN, encoding="utf-8")
    files["framework"].write_text(FRAMEWORK + MEMBER_GATE, encoding="utf-8")
    files["members"] = files["answers"].with_name("members.json")
    files["members"].write_text(
        json.dumps(
            {
                "Riverside Integrated Care": {"decl.insolvent": False},
                "Southvale GP Federation": {"decl.insolvent": False},
            }
        ),
        encoding="utf-8",
    )
    return files


def run_with_members(files: dict[str, Path]) -> subprocess.CompletedProcess:
    command = [
        sys.executable,
        "-m",
        "scoring",
        "--questionnaire",
        str(files["questionnaire"]),
        "--framework",
        str(files["framework"]),
        "--answers",
        str(files["answers"]),
        "--moderation",
        str(files["moderation"]),
        "--members",
        str(files["members"]),
    ]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=60)


def test_members_file_decides_the_declarations_gate(member_files):
    done = run_with_members(member_files)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert [g["outcome"] for g in data["gates"]] == ["conditional", "pass", "pass"]
    assert data["members"] == [
        {"member": "Riverside Integrated Care", "passed": True, "failing": [], "answered": 1, "required": 1},
        {"member": "Southvale GP Federation", "passed": True, "failing": [], "answered": 1, "required": 1},
    ]
    criterion = data["gates"][2]["criteria"][0]
    assert criterion["explanation"] == "All 2 member organisations made clear declarations."
    assert (criterion["value"], criterion["threshold"]) == (2, 2)
    # The declarations domain is listed, unscored, and the overall is what it was without it.
    assert data["domains"]["decl"] is None
    assert data["overall"] == pytest.approx((2 * 100 * 2 / 3 + 62.5) / 3)


def test_without_members_the_declarations_gate_fails(member_files):
    done = run(member_files)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["gates"][2]["outcome"] == "fail" and data["recommendation"] == "open_procurement"
    assert data["members"] == []


def test_invalid_member_answers_name_the_member_and_question(member_files):
    member_files["members"].write_text(
        json.dumps({"Southvale GP Federation": {"decl.insolvent": "no"}}), encoding="utf-8"
    )
    done = run_with_members(member_files)
    assert done.returncode != 0 and done.stdout == ""
    assert "member 'Southvale GP Federation': decl.insolvent: a yes/no answer must be true or false" in done.stderr


def test_declarations_in_the_joint_answers_are_refused(member_files):
    member_files["answers"].write_text(json.dumps(dict(ANSWERS, **{"decl.insolvent": False})), encoding="utf-8")
    done = run_with_members(member_files)
    assert done.returncode != 0 and "decl.insolvent: this question is answered per member organisation" in done.stderr


def test_unreadable_members_file(member_files):
    member_files["members"].write_text("{", encoding="utf-8")
    done = run_with_members(member_files)
    assert done.returncode != 0 and "members file" in done.stderr and "members.json" in done.stderr
