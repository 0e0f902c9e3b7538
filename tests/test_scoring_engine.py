"""Scoring rules on small hand-built definitions; every expected number is worked out by hand from
the formulas in the brief, never copied from the engine's output."""

from __future__ import annotations

import dataclasses
import json

import pytest
import yaml

from questionnaires import Framework, Questionnaire
from scoring import (
    OUTCOME_LABELS,
    RECOMMENDATION_LABELS,
    TOLERANCE,
    AnswerProblem,
    inputs_hash,
    score_submission,
    validate_answers,
)

QUESTIONNAIRE_YAML = """
id: mini
version: "1"
title: Mini questionnaire
domains:
  - id: gov
    title: Governance
    weight: 2
    questions:
      - {id: gov.legal_entity, type: yesno, text: "Do you have a legal entity?", weight: 0}
      - id: gov.structure
        type: scale
        text: How mature is your governance structure?
        weight: 2
        levels: ["None", Talking, Drafted, Agreed, Embedded]
      - id: gov.board
        type: choice
        text: Who chairs the joint board?
        weight: 1
        options:
          - {value: independent, label: An independent chair, score: 1.0}
          - {value: rotating, label: Partners in rotation, score: 0.5}
          - {value: none, label: No joint board, score: 0.0}
      - {id: gov.alliance, type: evidence, text: Latest audited annual accounts, weight: 1}
  - id: fin
    title: Finance
    weight: 1
    questions:
      - id: fin.population
        type: number
        text: Population covered
        weight: 1
        bands:
          - {min: 0, max: 50000, score: 0.0}
          - {min: 50000, max: 100000, score: 0.5}
          - {min: 100000, score: 1.0}
      - id: fin.services
        type: multichoice
        text: Which services are in scope?
        weight: 1
        options:
          - {value: primary, label: Primary care, score: 0.4}
          - {value: acute, label: Acute care, score: 0.4}
          - {value: community, label: Community care, score: 0.4}
      - id: fin.recovery
        type: yesno
        text: Is any partner in financial recovery?
        weight: 1
        scores: {"yes": 0.0, "no": 1.0}
      - id: fin.recovery_plan
        type: text
        text: Describe the recovery plan
        weight: 1
        show_if: {question: fin.recovery, equals: true}
      - id: fin.recovery_detail
        type: scale
        text: How far through the recovery plan are you?
        weight: 1
        levels: [Starting, Halfway, Done]
        show_if: {question: fin.recovery_plan, equals: "see attached"}
  - id: strat
    title: Strategy
    weight: 1
    questions:
      - {id: strat.case, type: text, text: Set out your case for change, weight: 1.5}
      - id: strat.vision
        type: scale
        text: Do partners share a vision?
        weight: 1
        levels: ["No", "Partly", "Fully"]
"""

FRAMEWORK_YAML = """
id: mini-gates
version: "1"
questionnaire: mini
rag:
  - {min: 80, label: Green}
  - {min: 50, label: Amber}
  - {min: 0, label: Red}
gates:
  - id: G1
    title: Eligibility
    criteria:
      - {id: G1.legal, type: question_min, question: gov.legal_entity, min: 1, on_fail: fail,
         rationale: Only a legal body can sign.}
      - {id: G1.population, type: number_min, question: fin.population, min: 100000, on_fail: conditional}
      - {id: G1.accounts, type: evidence_required, question: gov.alliance, on_fail: fail}
  - id: G2
    title: Capability
    criteria:
      - {id: G2.gov, type: domain_min, domain: gov, min: 50, on_fail: fail}
      - {id: G2.overall, type: overall_min, min: 55, on_fail: conditional}
  - id: G3
    title: Recovery
    criteria:
      - {id: G3.plan, type: question_min, question: fin.recovery_plan, min: 0.5, on_fail: conditional}
"""


@pytest.fixture(scope="module")
def questionnaire() -> Questionnaire:
    return Questionnaire.model_validate(yaml.safe_load(QUESTIONNAIRE_YAML))


@pytest.fixture(scope="module")
def framework() -> Framework:
    return Framework.model_validate(yaml.safe_load(FRAMEWORK_YAML))


def one_domain(
    questions: list[dict], criteria: list[dict] | None = None, domain_weight: float = 1.0
) -> tuple[Questionnaire, Framework]:
    q = Questionnaire.model_validate(
        {
            "id": "t",
            "version": "1",
            "title": "T",
            "domains": [{"id": "d", "title": "Delivery", "weight": domain_weight, "questions": questions}],
        }
    )
    f = Framework.model_validate(
        {
            "id": "f",
            "version": "1",
            "questionnaire": "t",
            "rag": [{"min": 50, "label": "Green"}, {"min": 0, "label": "Red"}],
            "gates": [
                {"id": "G", "title": "Gate", "criteria": criteria or [{"id": "G.o", "type": "overall_min", "min": 0}]}
            ],
        }
    )
    return q, f


# --------------------------------------------------------------------------------------------------
# Per-question scores


def test_brief_example_two_questions_weights_2_and_1():
    q, f = one_domain(
        [
            {"id": "a", "type": "scale", "text": "A", "weight": 2, "levels": ["0", "1", "2", "3", "4"]},
            {"id": "b", "type": "yesno", "text": "B", "weight": 1},
        ]
    )
    result = score_submission(q, f, {"a": 3, "b": False})
    # s_a = 3/4 = 0.75, s_b = 0 -> 100 * (2*0.75 + 1*0) / 3 = 50.0
    assert result.domain("d").score == pytest.approx(50.0, abs=1e-12)
    assert result.overall == pytest.approx(50.0, abs=1e-12)
    assert result.question("a").contribution == pytest.approx(50.0)
    assert result.question("b").contribution == 0.0


@pytest.mark.parametrize("level, expected", [(0, 0.0), (1, 0.25), (2, 0.5), (4, 1.0)])
def test_scale_is_level_over_top_level(level, expected):
    q, f = one_domain([{"id": "a", "type": "scale", "text": "A", "levels": list("vwxyz")}])
    assert score_submission(q, f, {"a": level}).question("a").score == pytest.approx(expected)


def test_yesno_uses_configured_scores():
    q, f = one_domain([{"id": "a", "type": "yesno", "text": "A", "scores": {"yes": 0.8, "no": 0.2}}])
    assert score_submission(q, f, {"a": True}).question("a").score == pytest.approx(0.8)
    assert score_submission(q, f, {"a": False}).question("a").score == pytest.approx(0.2)


def test_multichoice_sums_and_caps_at_one(questionnaire, framework):
    result = score_submission(questionnaire, framework, {"fin.services": ["primary", "acute"]})
    assert result.question("fin.services").score == pytest.approx(0.8)
    result = score_submission(questionnaire, framework, {"fin.services": ["primary", "acute", "community"]})
    assert result.question("fin.services").score == 1.0
    result = score_submission(questionnaire, framework, {"fin.services": []})
    assert result.question("fin.services").score == 0.0


@pytest.mark.parametrize(
    "value, expected", [(0, 0.0), (49999.9, 0.0), (50000, 0.5), (99999, 0.5), (100000, 1.0), (10**9, 1.0), (-5, 0.0)]
)
def test_number_bands_min_inclusive_max_exclusive(questionnaire, framework, value, expected):
    score = score_submission(questionnaire, framework, {"fin.population": value}).question("fin.population").score
    assert score == expected


def test_number_without_any_band_scores_zero():
    q, f = one_domain([{"id": "n", "type": "number", "text": "N"}, {"id": "y", "type": "yesno", "text": "Y"}])
    result = score_submission(q, f, {"n": 10**6, "y": True})
    assert result.question("n").score == 0.0
    assert result.domain("d").score == pytest.approx(50.0)  # (0 + 1) / 2


def test_evidence_scores_one_with_any_file(questionnaire, framework):
    assert score_submission(questionnaire, framework, {"gov.alliance": ["a.pdf"]}).question("gov.alliance").score == 1.0
    assert score_submission(questionnaire, framework, {"gov.alliance": []}).question("gov.alliance").score == 0.0


def test_text_counts_zero_until_moderated(questionnaire, framework):
    answers = {"strat.case": "Our case", "strat.vision": 2}
    result = score_submission(questionnaire, framework, answers)
    case = result.question("strat.case")
    assert case.score == 0.0 and case.awaiting_evaluation and case.self_score is None
    assert result.awaiting_evaluation == ("strat.case",)
    # weights 1.5 and 1, scores 0 and 1 -> 100 * 1 / 2.5 = 40
    assert result.domain("strat").score == pytest.approx(40.0)

    moderated = score_submission(questionnaire, framework, answers, {"strat.case": 0.5})
    assert moderated.question("strat.case").score == 0.5
    assert not moderated.question("strat.case").awaiting_evaluation
    assert moderated.awaiting_evaluation == ()
    # (1.5*0.5 + 1*1) / 2.5 = 0.7
    assert moderated.domain("strat").score == pytest.approx(70.0)


def test_blank_or_missing_text_is_not_awaiting_evaluation(questionnaire, framework):
    for answers in ({}, {"strat.case": "   "}):
        result = score_submission(questionnaire, framework, answers)
        assert result.question("strat.case").awaiting_evaluation is False
        assert result.question("strat.case").score == 0.0


def test_moderation_replaces_the_self_score_but_keeps_it(questionnaire, framework):
    result = score_submission(questionnaire, framework, {"gov.structure": 4}, {"gov.structure": 0.25})
    structure = result.question("gov.structure")
    assert structure.self_score == 1.0
    assert structure.moderated == 0.25
    assert structure.score == 0.25


def test_unanswered_visible_question_counts_zero(questionnaire, framework):
    result = score_submission(questionnaire, framework, {"gov.structure": 4})
    # gov: weights 2 (s=1), 1 (board, unanswered), 1 (alliance, unanswered); legal_entity weight 0
    assert result.domain("gov").score == pytest.approx(100 * 2 / 4)
    board = result.question("gov.board")
    assert board.visible and not board.answered and board.score == 0.0


def test_weight_zero_is_never_scored(questionnaire, framework):
    result = score_submission(questionnaire, framework, {"gov.legal_entity": True, "gov.structure": 0})
    legal = result.question("gov.legal_entity")
    assert legal.score is None and legal.contribution == 0.0
    assert legal.self_score == 1.0  # still known, because a gate reads it
    assert result.domain("gov").score == 0.0


# --------------------------------------------------------------------------------------------------
# Visibility


def test_hidden_question_is_excluded_from_its_domain(questionnaire, framework):
    answers = {"fin.population": 120000, "fin.services": ["primary"], "fin.recovery": False}
    result = score_submission(questionnaire, framework, answers)
    plan = result.question("fin.recovery_plan")
    assert not plan.visible and plan.score is None and plan.contribution == 0.0
    # visible: population 1.0, services 0.4, recovery(no) 1.0 -> 100 * 2.4 / 3 = 80
    assert result.domain("fin").score == pytest.approx(80.0)


def test_shown_question_counts_when_condition_holds(questionnaire, framework):
    answers = {
        "fin.population": 120000,
        "fin.services": ["primary"],
        "fin.recovery": True,
        "fin.recovery_plan": "We will...",
    }
    result = score_submission(questionnaire, framework, answers, {"fin.recovery_plan": 0.75})
    # population 1, services 0.4, recovery(yes) 0, plan 0.75; detail hidden ("We will..." != "see attached")
    assert result.question("fin.recovery_detail").visible is False
    assert result.domain("fin").score == pytest.approx(100 * 2.15 / 4)


def test_unanswered_controller_hides_dependents(questionnaire, framework):
    result = score_submission(questionnaire, framework, {"fin.recovery_plan": "stale answer"})
    assert result.question("fin.recovery_plan").visible is False
    assert "fin.recovery_plan" not in result.awaiting_evaluation


def test_visibility_chains_through_hidden_controllers(questionnaire, framework):
    # recovery_detail's own condition holds, but its controller (recovery_plan) is hidden.
    answers = {"fin.recovery": False, "fin.recovery_plan": "see attached", "fin.recovery_detail": 2}
    result = score_submission(questionnaire, framework, answers)
    assert result.question("fin.recovery_detail").visible is False
    answers["fin.recovery"] = True
    result = score_submission(questionnaire, framework, answers)
    assert result.question("fin.recovery_detail").visible is True
    assert result.question("fin.recovery_detail").score == 1.0


def test_domain_with_nothing_scored_is_none_and_left_out_of_overall():
    q = Questionnaire.model_validate(
        {
            "id": "t",
            "version": "1",
            "title": "T",
            "domains": [
                {"id": "a", "title": "A", "weight": 3, "questions": [{"id": "a1", "type": "yesno", "text": "A1"}]},
                {
                    "id": "b",
                    "title": "B",
                    "weight": 1,
                    "questions": [
                        {"id": "b0", "type": "yesno", "text": "B0", "weight": 0},
                        {"id": "b1", "type": "yesno", "text": "B1", "show_if": {"question": "b0", "equals": True}},
                    ],
                },
                {
                    "id": "c",
                    "title": "C",
                    "weight": 1,
                    "questions": [{"id": "c1", "type": "scale", "text": "C1", "levels": ["x", "y", "z"]}],
                },
            ],
        }
    )
    f = Framework.model_validate(
        {
            "id": "f",
            "version": "1",
            "questionnaire": "t",
            "rag": [{"min": 0, "label": "Any"}],
            "gates": [
                {"id": "G", "title": "G", "criteria": [{"id": "G.b", "type": "domain_min", "domain": "b", "min": 0}]}
            ],
        }
    )
    result = score_submission(q, f, {"a1": True, "b0": False, "c1": 1})
    assert result.domain("b").score is None
    # (3*100 + 1*50) / (3 + 1) = 87.5; domain b's weight is not in the denominator
    assert result.overall == pytest.approx(87.5)
    gate = result.gates[0]
    assert gate.outcome == "fail" and gate.criteria[0].value is None
    assert "no applicable scored questions" in gate.criteria[0].explanation


def test_no_scored_domain_means_no_overall_and_no_rag():
    q, f = one_domain([{"id": "a", "type": "yesno", "text": "A", "weight": 0}])
    result = score_submission(q, f, {"a": True})
    assert result.overall is None and result.rag is None
    assert result.gates[0].criteria[0].passed is False
    assert result.recommendation == "open_procurement"


# --------------------------------------------------------------------------------------------------
# Overall, gates, explanations, recommendation

STRONG = {
    "gov.legal_entity": True,
    "gov.structure": 4,
    "gov.board": "rotating",
    "gov.alliance": ["accounts.pdf"],
    "fin.population": 540000,
    "fin.services": ["primary", "acute"],
    "fin.recovery": False,
    "strat.case": "Our case",
    "strat.vision": 1,
}
# The consensus that goes with STRONG: the written case scored, the attached accounts judged sufficient.
JUDGED = {"strat.case": 1.0, "gov.alliance": "sufficient"}


def test_overall_is_weighted_mean_of_domain_scores(questionnaire, framework):
    result = score_submission(questionnaire, framework, STRONG, JUDGED)
    gov = 100 * (2 * 1 + 1 * 0.5 + 1 * 1) / 4  # 87.5
    fin = 100 * (1 + 0.8 + 1) / 3  # 93.33...
    strat = 100 * (1.5 * 1 + 1 * 0.5) / 2.5  # 80
    assert result.domain("gov").score == pytest.approx(gov)
    assert result.domain("fin").score == pytest.approx(fin)
    assert result.domain("strat").score == pytest.approx(strat)
    assert result.overall == pytest.approx((2 * gov + fin + strat) / 4)
    assert result.rag == "Green"
    # G3 reads the recovery plan, which "no recovery" hides: a hidden question cannot meet a minimum.
    assert [g.outcome for g in result.gates] == ["pass", "pass", "conditional"]
    assert result.recommendation == "proceed_with_conditions"


def test_everything_met_means_proceed(questionnaire, framework):
    answers = dict(STRONG, **{"fin.recovery": True, "fin.recovery_plan": "Plan"})
    result = score_submission(questionnaire, framework, answers, dict(JUDGED, **{"fin.recovery_plan": 0.75}))
    fin = 100 * (1 + 0.8 + 0 + 0.75) / 4  # 63.75
    assert result.domain("fin").score == pytest.approx(fin)
    assert result.overall == pytest.approx((2 * 87.5 + fin + 80) / 4)  # 79.6875
    assert result.rag == "Amber"
    assert [g.outcome for g in result.gates] == ["pass", "pass", "pass"]
    assert result.recommendation == "proceed"


def test_contributions_add_up_to_the_domain_score(questionnaire, framework):
    result = score_submission(questionnaire, framework, STRONG, {"strat.case": 0.3})
    for domain in result.domains:
        assert sum(q.contribution for q in domain.questions) == pytest.approx(domain.score)


def test_failing_explanations_use_plain_words(questionnaire, framework):
    answers = {
        "gov.legal_entity": False,
        "gov.structure": 1,
        "gov.board": "none",
        "fin.population": 54000,
        "fin.recovery": True,
    }
    result = score_submission(questionnaire, framework, answers)
    by_id = {c.id: c for g in result.gates for c in g.criteria}
    assert by_id["G1.legal"].explanation == (
        "'Do you have a legal entity?' scored 0.00, below the minimum of 1: gate fails."
    )
    assert by_id["G1.legal"].rationale == "Only a legal body can sign."
    assert by_id["G1.population"].explanation == (
        "Population covered is 54,000, below the minimum of 100,000: gate is conditional."
    )
    assert by_id["G1.population"].value == 54000 and by_id["G1.population"].threshold == 100000
    assert by_id["G1.accounts"].explanation == "No file attached for 'Latest audited annual accounts': gate fails."
    # gov: 2*0.25 / 4 = 12.5
    assert by_id["G2.gov"].value == pytest.approx(12.5)
    assert by_id["G2.gov"].explanation == "Governance scored 12.5, below the minimum of 50: gate fails."
    assert by_id["G3.plan"].explanation.startswith("'Describe the recovery plan' scored 0.00")
    assert [g.outcome for g in result.gates] == ["fail", "fail", "conditional"]
    assert result.recommendation == "open_procurement"


def test_passing_explanations(questionnaire, framework):
    result = score_submission(questionnaire, framework, STRONG, JUDGED)
    by_id = {c.id: c for g in result.gates for c in g.criteria}
    assert by_id["G1.population"].explanation == "Population covered is 540,000, meeting the minimum of 100,000."
    assert by_id["G1.accounts"].explanation == (
        "The evidence for 'Latest audited annual accounts' (1 file) was judged sufficient, "
        "meeting the requirement (sufficient)."
    )
    assert by_id["G2.gov"].explanation == "Governance scored 87.5, meeting the minimum of 50."
    assert by_id["G2.overall"].explanation.startswith("The overall score is 87.")


def test_hidden_question_fails_its_question_min(questionnaire, framework):
    result = score_submission(questionnaire, framework, STRONG, JUDGED)
    plan = result.gates[2].criteria[0]
    assert plan.passed is False and plan.value is None
    assert "not applicable" in plan.explanation and "hidden" in plan.explanation
    assert result.gates[2].outcome == "conditional"


def test_unanswered_number_fails_number_min(questionnaire, framework):
    result = score_submission(questionnaire, framework, {})
    population = result.gates[0].criteria[1]
    assert population.passed is False and population.value is None
    assert population.explanation == (
        "'Population covered' was not answered, so the minimum of 100,000 is not met: gate is conditional."
    )


def test_display_rounding_never_contradicts_the_verdict():
    q, f = one_domain(
        [{"id": "a", "type": "yesno", "text": "A", "weight": 1}],
        [{"id": "G.d", "type": "domain_min", "domain": "d", "min": 50}],
    )
    result = score_submission(q, f, {"a": True}, {"a": 0.49996})
    explanation = result.gates[0].criteria[0].explanation
    assert "scored 49.996, below the minimum of 50" in explanation


def test_conditional_and_fail_combine_into_recommendation(questionnaire, framework):
    conditional_only = dict(STRONG, **{"fin.population": 90000})
    result = score_submission(questionnaire, framework, conditional_only, JUDGED)
    assert [g.outcome for g in result.gates] == ["conditional", "pass", "conditional"]
    assert result.recommendation == "proceed_with_conditions"
    assert RECOMMENDATION_LABELS[result.recommendation] == "Proceed with conditions"
    assert result.gates[0].outcome_label == OUTCOME_LABELS["conditional"] == "Conditional"


def test_all_gates_and_criteria_are_evaluated_even_after_a_failure(questionnaire, framework):
    result = score_submission(questionnaire, framework, {})
    assert [len(g.criteria) for g in result.gates] == [3, 2, 1]
    assert RECOMMENDATION_LABELS["open_procurement"] == "Default to open procurement"


def test_threshold_tolerance_absorbs_float_artefacts():
    # 0.1 + 0.2 == 0.30000000000000004 > 0.3: a moderated 0.3 must still meet that minimum.
    q, f = one_domain(
        [{"id": "a", "type": "text", "text": "A"}],
        [{"id": "G.a", "type": "question_min", "question": "a", "min": 0.1 + 0.2}],
    )
    result = score_submission(q, f, {"a": "x"}, {"a": 0.3})
    assert result.gates[0].outcome == "pass"
    # ... but a real shortfall, however small compared with display precision, still fails.
    result = score_submission(q, f, {"a": "x"}, {"a": 0.3 - 1e-6})
    assert result.gates[0].outcome == "fail"
    assert TOLERANCE == 1e-9


def test_domain_threshold_tolerance():
    # A minimum written as 100 * (0.1 + 0.2) / 3 is 10.000000000000002; a domain whose one scored
    # question of three is moderated 0.3 scores 10.0.  Mathematically equal, so it must pass.
    minimum = 100 * (0.1 + 0.2) / 3
    questions = [{"id": f"a{i}", "type": "text", "text": f"A{i}"} for i in range(3)]
    q, f = one_domain(questions, [{"id": "G.d", "type": "domain_min", "domain": "d", "min": minimum}])
    result = score_submission(q, f, {}, {"a0": 0.3})
    assert result.domain("d").score < minimum
    assert result.gates[0].outcome == "pass"


def test_missing_answers_and_none_values_do_not_crash(questionnaire, framework):
    result = score_submission(questionnaire, framework, {"gov.structure": None, "fin.recovery": None})
    assert result.question("gov.structure").answered is False
    assert result.recommendation == "open_procurement"


def test_to_dict_has_the_cli_shape_and_is_json_safe(questionnaire, framework):
    result = score_submission(questionnaire, framework, STRONG, JUDGED)
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert set(data) >= {
        "overall",
        "rag",
        "domains",
        "gates",
        "recommendation",
        "awaiting_evaluation",
        "provisional",
        "verified_share",
        "unverified_gate_answers",
    }
    assert list(data["domains"]) == ["gov", "fin", "strat"]
    assert data["domains"]["gov"] == pytest.approx(87.5)
    gate = data["gates"][0]
    assert set(gate) >= {"id", "outcome", "criteria"}
    assert set(gate["criteria"][0]) >= {"id", "passed", "value", "threshold", "on_fail", "explanation"}
    trace = json.loads(json.dumps(result.to_trace_dict(), allow_nan=False))
    assert trace["domains"][0]["questions"][1]["id"] == "gov.structure"
    assert trace["domains"][0]["questions"][1]["contribution"] == pytest.approx(50.0)


def test_results_are_frozen(questionnaire, framework):
    result = score_submission(questionnaire, framework, STRONG)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.overall = 1.0  # type: ignore[misc]


# --------------------------------------------------------------------------------------------------
# Validation


@pytest.mark.parametrize(
    "answers, question_id, fragment",
    [
        ({"nope": 1}, "nope", "unknown question"),
        ({"gov.structure": 5}, "gov.structure", "out of range"),
        ({"gov.structure": -1}, "gov.structure", "out of range"),
        ({"gov.structure": "3"}, "gov.structure", "level index"),
        ({"gov.structure": True}, "gov.structure", "level index"),
        ({"gov.structure": 2.0}, "gov.structure", "level index"),
        ({"gov.legal_entity": "yes"}, "gov.legal_entity", "true or false"),
        ({"gov.legal_entity": 1}, "gov.legal_entity", "true or false"),
        ({"gov.board": "chaired"}, "gov.board", "unknown option"),
        ({"gov.board": 1}, "gov.board", "option value"),
        ({"fin.services": "primary"}, "fin.services", "list"),
        ({"fin.services": ["primary", "dental"]}, "fin.services", "unknown option"),
        ({"fin.population": True}, "fin.population", "must be a number"),
        ({"fin.population": "540000"}, "fin.population", "must be a number"),
        ({"fin.population": float("nan")}, "fin.population", "finite"),
        ({"strat.case": 42}, "strat.case", "text"),
        ({"gov.alliance": "accounts.pdf"}, "gov.alliance", "list of file names"),
        ({"gov.alliance": [3]}, "gov.alliance", "file names"),
    ],
)
def test_validate_answers_names_the_question(questionnaire, answers, question_id, fragment):
    problems = validate_answers(questionnaire, answers)
    assert len(problems) == 1
    assert problems[0].question_id == question_id
    assert fragment in problems[0].message
    assert question_id in str(problems[0])


@pytest.mark.parametrize(
    "moderation, question_id",
    [
        ({"strat.case": 1.5}, "strat.case"),
        ({"strat.case": -0.1}, "strat.case"),
        ({"strat.case": True}, "strat.case"),
        ({"strat.case": "0.5"}, "strat.case"),
        ({"ghost": 0.5}, "ghost"),
    ],
)
def test_validate_moderation(questionnaire, moderation, question_id):
    problems = validate_answers(questionnaire, {}, moderation)
    assert [p.question_id for p in problems] == [question_id]


def test_valid_answers_have_no_problems(questionnaire):
    assert validate_answers(questionnaire, STRONG, {"strat.case": 1, "gov.structure": 0.0}) == []
    assert validate_answers(questionnaire, {"gov.structure": None}) == []


def test_validate_refuses_non_mapping(questionnaire):
    problems = validate_answers(questionnaire, ["gov.structure"])
    assert problems and isinstance(problems[0], AnswerProblem)


# --------------------------------------------------------------------------------------------------
# Reproducibility


def test_inputs_hash_is_canonical():
    a = inputs_hash("qh", "fh", {"x": 1, "y": [1, 2]}, {"z": 1})
    assert a == inputs_hash("qh", "fh", {"y": (1, 2), "x": 1}, {"z": 1.0})
    assert len(a) == 64 and int(a, 16) >= 0
    assert a != inputs_hash("qh", "fh", {"x": 2, "y": [1, 2]}, {"z": 1})
    assert a != inputs_hash("qh2", "fh", {"x": 1, "y": [1, 2]}, {"z": 1})
    assert a != inputs_hash("qh", "fh", {"x": 1, "y": [1, 2]}, {"z": 0.5})
    assert inputs_hash("qh", "fh", {}, None) == inputs_hash("qh", "fh", {}, {})


def test_scoring_is_deterministic(questionnaire, framework):
    first = score_submission(questionnaire, framework, STRONG, {"strat.case": 0.3})
    second = score_submission(questionnaire, framework, dict(reversed(list(STRONG.items()))), {"strat.case": 0.3})
    assert first == second
