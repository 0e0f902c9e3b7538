"""The engine reads what evaluators verified: judged evidence, verified answers, the verified share,
criteria awaiting evaluation, and gates that allow only so many conditions."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from questionnaires import Framework, Questionnaire
from scoring import score_cohort, score_submission, what_if
from scoring.synthetic import (
    moderation_to_long,
    random_answers,
    random_framework,
    random_moderation,
    random_questionnaire,
    to_long,
)

DOMAINS = [
    {
        "id": "gov",
        "title": "Governance",
        "weight": 1,
        "questions": [
            {"id": "gov.entity", "type": "yesno", "text": "Is there a legal entity?", "weight": 2},
            {
                "id": "gov.entity_plan",
                "type": "text",
                "text": "How will you form one?",
                "weight": 1,
                "show_if": {"question": "gov.entity", "equals": False},
            },
            {
                "id": "gov.board",
                "type": "scale",
                "text": "How mature is the joint board?",
                "weight": 2,
                "levels": ["none", "forming", "meeting", "deciding", "embedded"],
            },
        ],
    },
    {
        "id": "fin",
        "title": "Finance",
        "weight": 1,
        "questions": [
            {"id": "fin.accounts", "type": "evidence", "text": "Latest audited annual accounts", "weight": 1},
            {
                "id": "fin.reserves",
                "type": "number",
                "text": "Reserves (% of turnover)",
                "weight": 1,
                "bands": [{"min": 0, "max": 2, "score": 0.25}, {"min": 2, "score": 1.0}],
            },
        ],
    },
]


def build(criteria: list[dict], max_conditional: int | None = None) -> tuple[Questionnaire, Framework]:
    questionnaire = Questionnaire.model_validate({"id": "v", "version": "1", "title": "V", "domains": DOMAINS})
    gate: dict = {"id": "G", "title": "Gate", "criteria": criteria}
    if max_conditional is not None:
        gate["max_conditional"] = max_conditional
    framework = Framework.model_validate(
        {
            "id": "vf",
            "version": "1",
            "questionnaire": "v",
            "rag": [{"min": 35, "label": "Amber"}, {"min": 0, "label": "Red"}],
            "gates": [gate],
        }
    )
    return questionnaire, framework


ANSWERS = {"gov.entity": True, "gov.board": 4, "fin.accounts": ["accounts.pdf"], "fin.reserves": 3}
ACCOUNTS = {"id": "G.accounts", "type": "evidence_required", "question": "fin.accounts"}


@pytest.mark.parametrize(
    "judgement, min_sufficiency, status",
    [
        (None, None, "awaiting_evaluation"),
        ("not_sufficient", None, "failed"),
        ("partly", None, "failed"),
        ("sufficient", None, "passed"),
        ("partly", "partly", "passed"),
        ("not_sufficient", "partly", "failed"),
    ],
)
def test_evidence_criteria_read_the_judgement_not_the_file_count(judgement, min_sufficiency, status):
    criterion = dict(ACCOUNTS, **({"min_sufficiency": min_sufficiency} if min_sufficiency else {}))
    q, f = build([criterion])
    moderation = {"fin.accounts": judgement} if judgement else {}
    result = score_submission(q, f, ANSWERS, moderation)
    checked = result.gates[0].criteria[0]
    assert checked.status == status
    assert checked.passed == (status == "passed")
    assert result.provisional == (status == "awaiting_evaluation")
    assert result.recommendation == ("proceed" if status == "passed" else "open_procurement")


def test_judgement_sets_the_evidence_score_and_unjudged_files_count_as_before():
    q, f = build([ACCOUNTS])
    scores = {
        judgement: score_submission(q, f, ANSWERS, {"fin.accounts": judgement}).question("fin.accounts").score
        for judgement in ("sufficient", "partly", "not_sufficient")
    }
    assert scores == {"sufficient": 1.0, "partly": 0.5, "not_sufficient": 0.0}
    unjudged = score_submission(q, f, ANSWERS).question("fin.accounts")
    assert unjudged.score == 1.0 and unjudged.awaiting_evaluation and not unjudged.verified
    assert score_submission(q, f, ANSWERS).awaiting_evaluation == ("fin.accounts",)


def test_a_domain_minimum_cannot_pass_on_files_nobody_judged():
    # Finance is 100 with the unjudged file counted, 50 without it: a minimum of 60 awaits evaluation.
    q, f = build([{"id": "G.fin", "type": "domain_min", "domain": "fin", "min": 60}])
    result = score_submission(q, f, ANSWERS)
    assert result.domain("fin").score == pytest.approx(100.0)
    checked = result.gates[0].criteria[0]
    assert checked.status == "awaiting_evaluation" and not checked.passed
    assert checked.value == pytest.approx(50.0)
    assert "1 answer awaits evaluation" in checked.explanation
    assert result.provisional
    judged = score_submission(q, f, ANSWERS, {"fin.accounts": "sufficient"})
    assert judged.gates[0].criteria[0].status == "passed" and not judged.provisional


def test_a_verified_answer_replaces_the_providers_everywhere():
    q, f = build([{"id": "G.entity", "type": "question_min", "question": "gov.entity", "min": 1}])
    claimed = score_submission(q, f, ANSWERS, {"fin.accounts": "sufficient"})
    assert claimed.recommendation == "proceed"
    assert claimed.unverified_gate_answers == ("gov.entity",)
    checked = score_submission(q, f, ANSWERS, {"fin.accounts": "sufficient", "gov.entity": {"answer": False}})
    assert checked.recommendation == "open_procurement"
    assert checked.unverified_gate_answers == ()
    # The verified "no" also shows the follow-up question, as the provider's "no" would have.
    assert checked.question("gov.entity_plan").visible
    assert checked.question("gov.entity").verified
    confirmed = score_submission(q, f, ANSWERS, {"gov.entity": {"answer": True}})
    assert (
        confirmed.gates[0]
        .criteria[0]
        .explanation.endswith("on the answer evaluators verified, meeting the minimum of 1.")
    )


def test_verified_share_is_the_verified_part_of_the_weighted_overall():
    q, f = build([ACCOUNTS])
    nothing = score_submission(q, f, ANSWERS)
    assert nothing.verified_share == pytest.approx(0.0)
    # Governance: entity (2 of 4 weight) verified; finance: accounts (1 of 2) judged.
    some = score_submission(q, f, ANSWERS, {"gov.entity": {"answer": True}, "fin.accounts": "partly"})
    assert some.verified_share == pytest.approx((2 / 4 + 1 / 2) / 2)
    everything = {
        "gov.entity": {"answer": True},
        "gov.board": {"answer": 3},
        "fin.accounts": "sufficient",
        "fin.reserves": {"answer": 2.5},
    }
    assert score_submission(q, f, ANSWERS, everything).verified_share == pytest.approx(1.0)
    # An unanswered question claims nothing, so there is nothing to verify.
    assert score_submission(q, f, {}).verified_share == pytest.approx(1.0)


def test_a_gate_with_too_many_conditions_fails():
    conditional = [
        {"id": "G.entity", "type": "question_min", "question": "gov.entity", "min": 1, "on_fail": "conditional"},
        {"id": "G.board", "type": "question_min", "question": "gov.board", "min": 1, "on_fail": "conditional"},
        {"id": "G.reserves", "type": "number_min", "question": "fin.reserves", "min": 5, "on_fail": "conditional"},
    ]
    weak = {"gov.entity": False, "gov.board": 1, "fin.reserves": 1}
    q, f = build(conditional, max_conditional=2)
    result = score_submission(q, f, weak)
    assert result.gates[0].outcome == "fail"
    assert result.recommendation == "open_procurement"
    assert "3 criteria are unmet with conditions, more than the 2 this gate allows" in result.gates[0].note
    two = score_submission(q, f, dict(weak, **{"fin.reserves": 6}))
    assert two.gates[0].outcome == "conditional" and two.gates[0].note is None
    # What would it take: meet one of the three conditions, the cheapest.
    found = what_if(q, f, weak)
    assert found is not None and found.target == "proceed_with_conditions" and len(found.changes) == 1


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_every_evidence_criterion_fails_when_its_evidence_is_judged_not_sufficient(seed):
    rng = random.Random(seed)
    questionnaire = random_questionnaire(rng, n_questions=12, types=("scale", "yesno", "evidence", "text"))
    framework = random_framework(rng, questionnaire, n_gates=3)
    answers = random_answers(rng, questionnaire, answer_rate=0.9)
    moderation = random_moderation(rng, questionnaire, rate=0.5)
    for question in questionnaire.questions():
        if question.type == "evidence":
            moderation[question.id] = "not_sufficient"
    result = score_submission(questionnaire, framework, answers, moderation)
    evidence = [c for g in result.gates for c in g.criteria if c.type == "evidence_required"]
    assert all(not c.passed and c.status == "failed" for c in evidence)
    # And no criterion ever passes while its answer awaits evaluation.
    unjudged = score_submission(questionnaire, framework, answers, {})
    awaited = set(unjudged.awaiting_evaluation)
    for gate in unjudged.gates:
        for criterion in gate.criteria:
            if criterion.status == "awaiting_evaluation":
                assert not criterion.passed
    for gate, original in zip(unjudged.gates, framework.gates, strict=True):
        for checked, criterion in zip(gate.criteria, original.criteria, strict=True):
            # An awaited answer counts 0 for its gate (a minimum of 0 asks for nothing).
            if criterion.question in awaited and criterion.type == "evidence_required":
                assert not checked.passed
            if criterion.question in awaited and criterion.type == "question_min" and criterion.min > 0:
                assert not checked.passed
    table = score_cohort(questionnaire, framework, to_long({1: answers}), moderation_to_long({1: moderation}))
    assert table.loc[1, "recommendation"] == result.recommendation
    assert bool(table.loc[1, "provisional"]) == result.provisional


def test_the_self_score_stays_the_providers_claim_when_an_answer_is_verified():
    q, f = build([ACCOUNTS])
    result = score_submission(q, f, ANSWERS, {"gov.board": {"answer": 1}, "fin.accounts": "sufficient"})
    board = result.question("gov.board")
    assert board.self_score == pytest.approx(1.0)  # the provider claimed the top level
    assert board.score == pytest.approx(0.25)  # the evidence supports level 1
    assert board.verified


def test_an_evidence_question_with_no_file_claims_nothing_to_verify():
    q, f = build([ACCOUNTS])
    no_files = dict(ANSWERS, **{"fin.accounts": []})
    result = score_submission(q, f, no_files, {"gov.entity": {"answer": True}, "gov.board": {"answer": 4}})
    assert "fin.accounts" not in result.unverified_gate_answers
    assert not result.question("fin.accounts").claimed
    # Finance: accounts (no file, nothing claimed) counts as checked; reserves (1 of 2) does not.
    assert result.verified_share == pytest.approx((1.0 + 1 / 2) / 2)
    assert result.gates[0].criteria[0].status == "failed"
