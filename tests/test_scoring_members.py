"""Per-member declarations: every member organisation answers a per_member domain for itself, and a
member_declarations criterion passes only when every member's declarations are clear.  Expected
values are worked out by hand from the rules, never copied from the engine's output."""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest
import yaml

from questionnaires import Framework, Questionnaire
from scoring import (
    MemberDeclarationResult,
    inputs_hash,
    score_cohort,
    score_submission,
    validate_answers,
    visible_question_ids,
    what_if,
)

QUESTIONNAIRE_YAML = """
id: alliance
version: "1"
title: Alliance questionnaire
domains:
  - id: gov
    title: Governance
    questions:
      - {id: gov.legal, type: yesno, text: "Do you have a legal entity?", weight: 0}
      - id: gov.structure
        type: scale
        text: How mature is your governance?
        levels: [None, Talking, Drafted, Agreed, Embedded]
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
        text: Explain the insolvency.
        show_if: {question: decl.insolvent, equals: true}
      - id: decl.regulator
        type: choice
        text: What regulatory action is in force?
        options:
          - {value: none, label: None, score: 1.0}
          - {value: monitoring, label: Enhanced monitoring, score: 0.5}
          - {value: enforcement, label: Enforcement action, score: 0.0}
      - id: decl.recovery_plan
        type: yesno
        text: Has the regulator agreed a recovery plan?
        show_if: {question: decl.regulator, equals: enforcement}
"""

FRAMEWORK_YAML = """
id: alliance-gates
version: "1"
questionnaire: alliance
rag:
  - {min: 50, label: Green}
  - {min: 0, label: Red}
gates:
  - id: G1
    title: Eligibility
    criteria:
      - {id: G1.legal, type: question_min, question: gov.legal, min: 1}
      - {id: G1.members, type: member_declarations, domain: decl, rationale: Members must be reliable.}
  - id: G2
    title: Capability
    criteria:
      - {id: G2.gov, type: domain_min, domain: gov, min: 50, on_fail: conditional}
"""

CLEAR = {"decl.insolvent": False, "decl.regulator": "none"}
JOINT = {"gov.legal": True, "gov.structure": 4}
TWO_CLEAR = {"Southvale GP Federation": dict(CLEAR), "Northshire Mental Health NHS Trust": dict(CLEAR)}


@pytest.fixture(scope="module")
def questionnaire() -> Questionnaire:
    return Questionnaire.model_validate(yaml.safe_load(QUESTIONNAIRE_YAML))


@pytest.fixture(scope="module")
def framework() -> Framework:
    return Framework.model_validate(yaml.safe_load(FRAMEWORK_YAML))


def members_criterion(result):
    return result.gate("G1").criteria[1]


# --------------------------------------------------------------------------------------------------
# The pass rule and the criterion


def test_every_member_clear_passes(questionnaire, framework):
    result = score_submission(questionnaire, framework, JOINT, None, TWO_CLEAR)
    criterion = members_criterion(result)
    assert criterion.passed and criterion.type == "member_declarations"
    assert (criterion.value, criterion.threshold, criterion.on_fail) == (2.0, 2.0, "fail")
    assert criterion.explanation == "All 2 member organisations made clear declarations."
    assert criterion.rationale == "Members must be reliable."
    assert criterion.title == "Clear declarations from every member organisation (Member declarations)"
    assert result.recommendation == "proceed"
    # Sorted by name, whatever order they were given in.
    assert [m.member for m in result.members] == ["Northshire Mental Health NHS Trust", "Southvale GP Federation"]
    assert result.member("Southvale GP Federation") == MemberDeclarationResult(
        "Southvale GP Federation", True, (), 2, 2
    )
    assert criterion.members == result.members


def test_one_adverse_answer_fails_the_gate_and_names_the_member(questionnaire, framework):
    members = dict(
        TWO_CLEAR,
        **{
            "Southvale GP Federation": {
                **CLEAR,
                "decl.insolvent": True,
                "decl.insolvent_detail": "Administration in 2024.",
            }
        },
    )
    result = score_submission(questionnaire, framework, JOINT, None, members)
    criterion = members_criterion(result)
    assert not criterion.passed
    assert (criterion.value, criterion.threshold) == (1.0, 2.0)
    assert criterion.explanation == (
        "Declarations not clear for Southvale GP Federation: 'Has the organisation been insolvent?' answered Yes: "
        "gate fails."
    )
    assert result.gate("G1").outcome == "fail" and result.recommendation == "open_procurement"
    assert result.member("Southvale GP Federation") == MemberDeclarationResult(
        "Southvale GP Federation", False, ("decl.insolvent",), 2, 2
    )
    assert result.member("Northshire Mental Health NHS Trust").passed


def test_several_members_and_reasons_in_one_explanation(questionnaire, framework):
    members = {
        "Beta Trust": {"decl.insolvent": True, "decl.regulator": "monitoring"},
        "Alpha Council": {"decl.regulator": "enforcement", "decl.recovery_plan": True},
        "Gamma Federation": dict(CLEAR),
    }
    result = score_submission(questionnaire, framework, JOINT, None, members)
    criterion = members_criterion(result)
    assert criterion.explanation == (
        "Declarations not clear for Alpha Council: 'Has the organisation been insolvent?' not answered, "
        "'What regulatory action is in force?' answered 'Enforcement action'; for Beta Trust: "
        "'Has the organisation been insolvent?' answered Yes, 'What regulatory action is in force?' answered "
        "'Enhanced monitoring': gate fails."
    )
    assert (criterion.value, criterion.threshold) == (1.0, 3.0)
    # Alpha: insolvent unanswered, regulator at 0, and the recovery plan shown (and clear): 2 of 3 answered.
    assert result.member("Alpha Council") == MemberDeclarationResult(
        "Alpha Council", False, ("decl.insolvent", "decl.regulator"), 2, 3
    )


def test_show_if_inside_the_domain_decides_what_a_member_is_asked(questionnaire, framework):
    members = {
        "A": {**CLEAR, "decl.recovery_plan": False},  # hidden (no enforcement), so it does not count
        "B": {"decl.insolvent": False, "decl.regulator": "enforcement", "decl.recovery_plan": False},
    }
    result = score_submission(questionnaire, framework, JOINT, None, members)
    assert result.member("A") == MemberDeclarationResult("A", True, (), 2, 2)
    assert result.member("B") == MemberDeclarationResult("B", False, ("decl.regulator", "decl.recovery_plan"), 3, 3)
    assert visible_question_ids(questionnaire, members["B"]) >= {"decl.recovery_plan"}
    assert "decl.recovery_plan" not in visible_question_ids(questionnaire, members["A"])


def test_explanations_do_not_decide(questionnaire, framework):
    # The insolvency explanation is only shown on an adverse answer; answering it anyway changes nothing.
    members = {"A": {**CLEAR, "decl.insolvent_detail": "Nothing to declare."}}
    result = score_submission(questionnaire, framework, JOINT, None, members)
    assert members_criterion(result).passed
    assert members_criterion(result).explanation == "A made clear declarations."
    assert result.awaiting_evaluation == ()


def test_no_members_fails(questionnaire, framework):
    for member_answers in (None, {}):
        result = score_submission(questionnaire, framework, JOINT, None, member_answers)
        criterion = members_criterion(result)
        assert not criterion.passed and (criterion.value, criterion.threshold) == (0.0, 0.0)
        assert criterion.explanation == (
            "No member organisation's declarations have been given, so none can be shown to be clear: gate fails."
        )
        assert result.members == () and criterion.members == ()
        assert result.recommendation == "open_procurement"


def test_member_with_no_answers_fails(questionnaire, framework):
    result = score_submission(questionnaire, framework, JOINT, None, {"A": {}})
    assert result.member("A") == MemberDeclarationResult("A", False, ("decl.insolvent", "decl.regulator"), 0, 2)
    assert members_criterion(result).explanation == (
        "Declarations not clear for A: 'Has the organisation been insolvent?' not answered, "
        "'What regulatory action is in force?' not answered: gate fails."
    )


def test_conditional_member_criterion(questionnaire):
    framework = Framework.model_validate(
        yaml.safe_load(
            FRAMEWORK_YAML.replace("domain: decl, rationale", "domain: decl, on_fail: conditional, rationale")
        )
    )
    result = score_submission(questionnaire, framework, JOINT, None, {"A": {**CLEAR, "decl.insolvent": True}})
    assert result.gate("G1").outcome == "conditional"
    assert members_criterion(result).explanation.endswith(": gate is conditional.")
    assert result.recommendation == "proceed_with_conditions"


# --------------------------------------------------------------------------------------------------
# Joint scoring is untouched by declarations


def test_per_member_domain_is_not_scored_and_joint_answers_to_it_are_ignored(questionnaire, framework):
    with_joint_declarations = dict(JOINT, **{"decl.insolvent": True, "decl.insolvent_detail": "x"})
    result = score_submission(questionnaire, framework, with_joint_declarations, None, TWO_CLEAR)
    assert result == score_submission(questionnaire, framework, JOINT, None, TWO_CLEAR)
    decl = result.domain("decl")
    assert decl.per_member and decl.score is None and decl.weight == 0.0
    assert not result.domain("gov").per_member
    for question in decl.questions:
        assert (question.visible, question.answered, question.score, question.weight, question.contribution) == (
            False,
            False,
            None,
            0.0,
            0.0,
        )
    # Only gov is scored: structure at the top level, legal entity weight 0.
    assert result.domain("gov").score == 100.0 and result.overall == 100.0


def test_member_answers_to_joint_questions_are_ignored(questionnaire, framework):
    members = {"A": {**CLEAR, "gov.legal": False, "gov.structure": 0}}
    result = score_submission(questionnaire, framework, JOINT, None, members)
    assert result.overall == 100.0 and result.recommendation == "proceed"


def test_member_order_does_not_matter(questionnaire, framework):
    members = {"B": {**CLEAR, "decl.insolvent": True}, "A": dict(CLEAR), "C": {}}
    reordered = dict(reversed(list(members.items())))
    assert score_submission(questionnaire, framework, JOINT, None, members) == score_submission(
        questionnaire, framework, JOINT, None, reordered
    )


def test_to_dict_adds_members_and_keeps_the_original_shape(questionnaire, framework):
    result = score_submission(questionnaire, framework, JOINT, None, {"A": dict(CLEAR)})
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert set(data) == {
        "overall",
        "rag",
        "domains",
        "gates",
        "recommendation",
        "provisional",
        "verified_share",
        "unverified_gate_answers",
        "awaiting_evaluation",
        "members",
    }
    assert data["members"] == [{"member": "A", "passed": True, "failing": [], "answered": 2, "required": 2}]
    assert data["domains"] == {"gov": 100.0, "decl": None}
    legal, members = data["gates"][0]["criteria"]
    assert set(legal) == {
        "id",
        "title",
        "type",
        "passed",
        "status",
        "value",
        "threshold",
        "on_fail",
        "explanation",
        "rationale",
    }
    assert members["members"] == data["members"] and members["threshold"] == 1.0
    trace = json.loads(json.dumps(result.to_trace_dict(), allow_nan=False))
    assert [d["per_member"] for d in trace["domains"]] == [False, True]
    assert trace["members"] == data["members"]
    with pytest.raises(KeyError):
        result.member("Nobody")


# --------------------------------------------------------------------------------------------------
# Validation


def test_declarations_in_the_joint_answers_are_a_problem(questionnaire):
    problems = validate_answers(questionnaire, {"decl.insolvent": False, "decl.regulator": None})
    assert [(p.question_id, p.message, p.member) for p in problems] == [
        ("decl.insolvent", "this question is answered per member organisation, not in the joint answers", None)
    ]


def test_member_answers_are_validated_per_member(questionnaire):
    members = {
        "Good Trust": dict(CLEAR),
        "Southvale GP Federation": {
            "decl.insolvent": "no",
            "decl.regulator": "closed",
            "gov.legal": True,
            "decl.nope": 1,
            "decl.recovery_plan": None,
        },
    }
    problems = validate_answers(questionnaire, JOINT, None, members)
    assert [str(p) for p in problems] == [
        "member 'Southvale GP Federation': decl.insolvent: a yes/no answer must be true or false, got 'no' (str)",
        "member 'Southvale GP Federation': decl.regulator: unknown option 'closed'; expected one of 'none', "
        "'monitoring', 'enforcement'",
        "member 'Southvale GP Federation': gov.legal: this question is answered jointly, not per member organisation",
        "member 'Southvale GP Federation': decl.nope: unknown question id",
    ]
    assert {p.member for p in problems} == {"Southvale GP Federation"}
    assert validate_answers(questionnaire, JOINT, None, TWO_CLEAR) == []


@pytest.mark.parametrize(
    "members, message",
    [
        (["A"], "member answers must be an object keyed by member organisation name, got ['A'] (list)"),
        ({"  ": {}}, "a member organisation name must be non-empty text, got '  ' (str)"),
        ({"A": [1]}, "member 'A': answers must be an object keyed by question id, got [1] (list)"),
    ],
)
def test_malformed_member_answers(questionnaire, members, message):
    assert [str(p) for p in validate_answers(questionnaire, {}, None, members)] == [message]


def test_declarations_are_never_moderated(questionnaire):
    problems = validate_answers(questionnaire, {}, {"decl.insolvent_detail": 0.5})
    assert [(p.question_id, p.message) for p in problems] == [
        ("decl.insolvent_detail", "moderation given for a per-member declaration, which is not scored")
    ]


# --------------------------------------------------------------------------------------------------
# Reproducibility


def old_inputs_hash(questionnaire_hash, framework_hash, answers, moderation):
    """The fingerprint as defined before member declarations existed."""
    payload = {
        "questionnaire": questionnaire_hash,
        "framework": framework_hash,
        "answers": answers,
        "moderation": {k: float(v) for k, v in (moderation or {}).items()},
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_inputs_hash_without_members_is_unchanged():
    expected = old_inputs_hash("qh", "fh", {"x": 1, "y": [1, 2]}, {"z": 1})
    assert inputs_hash("qh", "fh", {"x": 1, "y": [1, 2]}, {"z": 1}) == expected
    assert inputs_hash("qh", "fh", {"x": 1, "y": [1, 2]}, {"z": 1}, None) == expected
    assert inputs_hash("qh", "fh", {"x": 1, "y": [1, 2]}, {"z": 1}, {}) == expected


def test_inputs_hash_covers_member_answers():
    base = inputs_hash("qh", "fh", {}, None)
    one = inputs_hash("qh", "fh", {}, None, {"A": {"decl.insolvent": False}, "B": {"decl.insolvent": False}})
    assert one != base
    assert one == inputs_hash("qh", "fh", {}, None, {"B": {"decl.insolvent": False}, "A": {"decl.insolvent": False}})
    assert one != inputs_hash("qh", "fh", {}, None, {"A": {"decl.insolvent": True}, "B": {"decl.insolvent": False}})
    # A member listed without answers is an input (it fails its declarations), not nothing.
    assert inputs_hash("qh", "fh", {}, None, {"A": {}}) != base


# --------------------------------------------------------------------------------------------------
# What if


def test_what_if_never_changes_declarations(questionnaire, framework):
    # Both a joint must-have and a member's declaration fail: changing the legal-entity answer alone
    # cannot lift the recommendation, and declarations are facts, so there is nothing to suggest.
    members = {"A": {**CLEAR, "decl.insolvent": True}}
    answers = dict(JOINT, **{"gov.legal": False})
    assert score_submission(questionnaire, framework, answers, None, members).recommendation == "open_procurement"
    assert what_if(questionnaire, framework, answers, None, member_answers=members) is None
    # Without member answers the criterion fails too, so the same holds.
    assert what_if(questionnaire, framework, answers) is None


def test_what_if_works_around_clear_declarations(questionnaire, framework):
    answers = dict(JOINT, **{"gov.legal": False})
    found = what_if(questionnaire, framework, answers, None, member_answers=TWO_CLEAR)
    assert [c.description for c in found.changes] == ["Answer 'Yes' to gov.legal"]
    assert found.result.recommendation == "proceed"
    assert members_criterion(found.result).passed and len(found.result.members) == 2


def test_what_if_returns_none_when_a_conditional_declaration_blocks_proceed(questionnaire):
    framework = Framework.model_validate(
        yaml.safe_load(
            FRAMEWORK_YAML.replace("domain: decl, rationale", "domain: decl, on_fail: conditional, rationale")
        )
    )
    members = {"A": {**CLEAR, "decl.regulator": "monitoring"}}
    answers = dict(JOINT, **{"gov.structure": 1})  # gov 25, below 50: conditional as well
    assert (
        score_submission(questionnaire, framework, answers, None, members).recommendation == "proceed_with_conditions"
    )
    assert what_if(questionnaire, framework, answers, None, member_answers=members) is None
    # With clear declarations the same answers have a way forward.
    found = what_if(questionnaire, framework, answers, None, member_answers={"A": dict(CLEAR)})
    assert [c.question_id for c in found.changes] == ["gov.structure"]


# --------------------------------------------------------------------------------------------------
# Cohort


def test_cohort_reads_member_answers(questionnaire, framework):
    answers = pd.DataFrame(
        [(s, q, v) for s in ("s1", "s2", "s3", "s4") for q, v in JOINT.items()],
        columns=["submission", "question", "value"],
    )
    members = pd.DataFrame(
        [
            ("s1", "A", "decl.insolvent", False),
            ("s1", "A", "decl.regulator", "none"),
            ("s1", "B", "decl.insolvent", False),
            ("s1", "B", "decl.regulator", "none"),
            ("s2", "A", "decl.insolvent", False),
            ("s2", "A", "decl.regulator", "none"),
            ("s2", "B", "decl.insolvent", False),  # B never answers the regulator question
            ("s3", "A", "decl.insolvent", True),
            ("s3", "A", "decl.insolvent", False),  # the later row wins
            ("s3", "A", "decl.regulator", "none"),
            ("s5", "A", "decl.insolvent", False),
            ("s5", "A", "decl.regulator", "none"),  # members only
        ],
        columns=["submission", "member", "question", "value"],
    )
    table = score_cohort(questionnaire, framework, answers, member_answers=members)
    assert list(table.index) == ["s1", "s2", "s3", "s4", "s5"]
    assert list(table["G1"]) == ["pass", "fail", "pass", "fail", "fail"]  # s4: no members; s5: no legal entity
    assert table["decl"].isna().all()
    assert list(table["recommendation"]) == [
        "proceed",
        "open_procurement",
        "proceed",
        "open_procurement",
        "open_procurement",
    ]
    with pytest.raises(ValueError, match="member"):
        score_cohort(questionnaire, framework, answers, member_answers=members.drop(columns=["member"]))
