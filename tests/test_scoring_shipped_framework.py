"""The shipped questionnaire and framework tell the truth (issue 17 §4), checked through the engine.

A Red overall rating never proceeds; the contract parameters the round sets and the applicant type
are ordinary answers to the engine, so the gates read them for every applicant alike; a single
organisation is neither asked about partners nor scored down for having none.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from questionnaires import (
    DEFAULT_FRAMEWORK_PATH,
    DEFAULT_QUESTIONNAIRE_PATH,
    Framework,
    Question,
    load_framework,
    load_questionnaire,
)
from scoring import score_submission
from scoring.synthetic import clear_answer, random_answer
from scoring.visibility import visible_question_ids

REPO = Path(__file__).resolve().parents[1]
QUESTIONNAIRE = load_questionnaire(DEFAULT_QUESTIONNAIRE_PATH)
FRAMEWORK = load_framework(DEFAULT_FRAMEWORK_PATH, QUESTIONNAIRE)
RED_EDGE = next(band.min for band in FRAMEWORK.rag if band.label == "Amber/Red")

CONTRACT = {
    "strategy.capitated_population": 120000,
    "strategy.contract_services": ["primary_care", "acute", "community", "mental_health", "social_care"],
    "strategy.contract_term": 7,
    "strategy.contract_envelope": 395,
}
MEMBERS = ("Northfield Trust", "Northfield GP Federation")


def provider_questions() -> list[Question]:
    return [q for d in QUESTIONNAIRE.joint_domains() for q in d.questions if q.answered_by == "provider"]


def answer_at(question: Question, level: float) -> Any:
    """An answer scoring about ``level`` (0 to 1) on its own scale; None for a number without bands."""
    kind = question.type
    if kind == "scale":
        return round(level * (len(question.levels) - 1))
    if kind == "yesno":
        scores = question.yes_no_scores
        return (scores.yes >= scores.no) == (level >= 0.5)
    if kind == "choice":
        return min(question.options, key=lambda o: abs(o.score - level)).value
    if kind == "multichoice":
        chosen, total = [], 0.0
        for option in sorted(question.options, key=lambda o: -o.score):
            if total >= level:
                break
            chosen.append(option.value)
            total += option.score
        return chosen or None
    if kind == "number":
        if not question.bands:
            return None
        band = min(question.bands, key=lambda b: abs(b.score - level))
        return band.min
    if kind == "text":
        return f"Our answer to {question.id}."
    if kind == "evidence":
        return [f"{question.id}.pdf"] if level >= 0.5 else []
    return None


def submission(levels: dict[str, float], applicant_type: str = "alliance", jitter: random.Random | None = None):
    """Answers, consensus and member declarations of an applicant that meets every must-have question
    (a legal entity, audited accounts judged sufficient, clear declarations) and answers each domain
    at about the level given for it; its evidence is judged at that level too."""
    answers: dict[str, Any] = {**CONTRACT, "strategy.applicant_type": applicant_type}
    moderation: dict[str, Any] = {}
    for question in provider_questions():
        domain = QUESTIONNAIRE.domain_of(question.id)
        level = levels[domain.id]
        if jitter is not None:
            level = min(1.0, max(0.0, level + jitter.uniform(-0.2, 0.2)))
        value = answer_at(question, level)
        if value is not None:
            answers[question.id] = value
        if question.type == "text":
            moderation[question.id] = round(level, 2)
        if question.type == "evidence" and value:
            moderation[question.id] = "sufficient" if level >= 0.75 else "partly"
    answers["governance.legal_entity"] = True
    answers["finance.annual_accounts"] = ["audited-accounts-2026.pdf"]
    moderation["finance.annual_accounts"] = "sufficient"
    members = MEMBERS if applicant_type == "alliance" else MEMBERS[:1]
    declarations = {
        member: {q.id: clear_answer(q) for d in QUESTIONNAIRE.member_domains() for q in d.declaration_questions()}
        for member in members
    }
    return answers, moderation, declarations


def without_criterion(framework: Framework, criterion_id: str) -> Framework:
    gates = [
        gate.model_copy(update={"criteria": [c for c in gate.criteria if c.id != criterion_id]})
        for gate in framework.gates
    ]
    return framework.model_copy(update={"gates": gates})


def without_limits(framework: Framework) -> Framework:
    """The framework with no gate limiting its number of conditions."""
    gates = [gate.model_copy(update={"max_conditional": None}) for gate in framework.gates]
    return framework.model_copy(update={"gates": gates})


def criterion(result, criterion_id: str):
    return next(c for g in result.gates for c in g.criteria if c.id == criterion_id)


# The review's example (finding X2): weak everywhere but governance and finance, which just pass.
RED_BUT_ELIGIBLE = {"strategy": 0.1, "it": 0.1, "workforce": 0.1, "culture": 0.1, "governance": 0.6, "finance": 0.6}


def test_a_red_applicant_that_meets_every_other_must_have_defaults_to_open_procurement():
    answers, moderation, members = submission(RED_BUT_ELIGIBLE)
    result = score_submission(QUESTIONNAIRE, FRAMEWORK, answers, moderation, members)
    assert result.overall < RED_EDGE and result.rag == "Red"
    assert result.recommendation == "open_procurement"
    not_red = criterion(result, "G2.not_red")
    assert not not_red.passed and not_red.on_fail == "fail" and not_red.threshold == RED_EDGE
    # Nothing else a must-have asks for is missing: the Red rating alone decides.
    failed_must_haves = [c.id for g in result.gates for c in g.criteria if not c.passed and c.on_fail == "fail"]
    assert failed_must_haves == ["G2.not_red"]
    # Without the Red criterion and the gates' limits on conditions, the same answers would have gone
    # forward with conditions (review finding X2)...
    before = score_submission(
        QUESTIONNAIRE, without_criterion(without_limits(FRAMEWORK), "G2.not_red"), answers, moderation, members
    )
    assert before.recommendation == "proceed_with_conditions"
    # ...and either rule alone stops them: four capability shortfalls are more conditions than G2 allows.
    limits_only = score_submission(
        QUESTIONNAIRE, without_criterion(FRAMEWORK, "G2.not_red"), answers, moderation, members
    )
    assert limits_only.recommendation == "open_procurement"
    assert "more than the 3 this gate allows" in limits_only.gate("G2").note


def test_the_red_edge_is_the_framework_rag_band():
    red = FRAMEWORK.rag[-1]
    assert red.label == "Red" and red.min == 0
    not_red = next(c for g in FRAMEWORK.gates for c in g.criteria if c.id == "G2.not_red")
    assert (not_red.type, not_red.min, not_red.on_fail) == ("overall_min", RED_EDGE, "fail")
    assert not_red.title and "Red" in not_red.title and not_red.rationale


def test_python_m_scoring_recommends_open_procurement_for_a_red_applicant(tmp_path):
    answers, moderation, members = submission(RED_BUT_ELIGIBLE)
    files = {}
    for name, content in (("answers", answers), ("moderation", moderation), ("members", members)):
        files[name] = tmp_path / f"{name}.json"
        files[name].write_text(json.dumps(content), encoding="utf-8")
    command = [sys.executable, "-m", "scoring", "--questionnaire", str(DEFAULT_QUESTIONNAIRE_PATH)]
    command += ["--framework", str(DEFAULT_FRAMEWORK_PATH), "--answers", str(files["answers"])]
    command += ["--moderation", str(files["moderation"]), "--members", str(files["members"])]
    done = subprocess.run(
        command, cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO)), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert printed["rag"] == "Red" and printed["overall"] < RED_EDGE
    assert printed["recommendation"] == "open_procurement"
    g2 = next(g for g in printed["gates"] if g["id"] == "G2")
    assert g2["outcome"] == "fail"
    assert any(c["id"] == "G2.not_red" and not c["passed"] for c in g2["criteria"])


def random_submission(seed: int):
    """Answers to the shipped questionnaire with a random level per domain, usually meeting the
    must-have questions, so that weak-but-eligible applicants are common."""
    rng = random.Random(seed)
    levels = {d.id: rng.random() for d in QUESTIONNAIRE.joint_domains()}
    if rng.random() < 0.4:
        # The shape of review finding X2: the must-have domains pass and everything else is weak.
        levels = {d: rng.uniform(0.6, 1.0) if d in ("governance", "finance") else rng.uniform(0.0, 0.2) for d in levels}
    kind = rng.choice(["alliance", "single"])
    answers, moderation, members = submission(levels, kind, jitter=rng)
    if rng.random() < 0.3:
        # Now and then anything goes: random answers to random questions, contract parameters included.
        answers.update(
            {q.id: random_answer(rng, q) for q in provider_questions() + _given_elsewhere() if rng.random() < 0.3}
        )
        answers["strategy.applicant_type"] = kind
    return answers, moderation, members


def _given_elsewhere() -> list[Question]:
    return [q for q in QUESTIONNAIRE.questions() if q.answered_by == "round"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_red_never_proceeds_whatever_the_answers(seed):
    answers, moderation, members = random_submission(seed)
    result = score_submission(QUESTIONNAIRE, FRAMEWORK, answers, moderation, members)
    if result.overall is not None and result.rag == "Red":
        assert result.overall < RED_EDGE
        assert result.recommendation == "open_procurement"
        assert not criterion(result, "G2.not_red").passed
    if result.recommendation != "open_procurement":
        assert result.rag != "Red"


def test_random_applicants_reach_red_with_every_other_must_have_met():
    """The property above is not vacuous: its generator often makes an applicant that only the Red
    criterion stops."""
    stopped_only_by_red = 0
    unlimited = without_limits(FRAMEWORK)
    relaxed = without_criterion(unlimited, "G2.not_red")
    for seed in range(300):
        answers, moderation, members = random_submission(seed)
        result = score_submission(QUESTIONNAIRE, unlimited, answers, moderation, members)
        if result.rag != "Red" or result.recommendation != "open_procurement":
            continue
        if score_submission(QUESTIONNAIRE, relaxed, answers, moderation, members).recommendation != "open_procurement":
            stopped_only_by_red += 1
    assert stopped_only_by_red >= 5


# --------------------------------------------------------------------------------------------------
# Contract parameters set on the round


def test_the_population_and_term_gates_read_the_rounds_contract_parameters():
    answers, moderation, members = submission({d.id: 1.0 for d in QUESTIONNAIRE.joint_domains()})
    best = score_submission(QUESTIONNAIRE, FRAMEWORK, answers, moderation, members)
    assert best.recommendation == "proceed"
    # The area the provider describes no longer decides anything: only the capitated cohort does.
    small_cohort = {**answers, "strategy.population": 540000, "strategy.capitated_population": 38400}
    result = score_submission(QUESTIONNAIRE, FRAMEWORK, small_cohort, moderation, members)
    population = criterion(result, "G1.population")
    assert not population.passed and population.value == 38400 and population.on_fail == "conditional"
    assert result.recommendation == "proceed_with_conditions"
    short_term = {**answers, "strategy.contract_term": 2}
    result = score_submission(QUESTIONNAIRE, FRAMEWORK, short_term, moderation, members)
    assert not criterion(result, "G1.contract_years").passed and result.recommendation == "open_procurement"
    # They are never scored: any value leaves every domain score as it was.
    for changed in (
        small_cohort,
        short_term,
        {**answers, "strategy.contract_envelope": 1, "strategy.contract_services": []},
    ):
        again = score_submission(QUESTIONNAIRE, FRAMEWORK, changed, moderation, members)
        assert [d.score for d in again.domains] == [d.score for d in best.domains]


# --------------------------------------------------------------------------------------------------
# Single organisations and alliances


def shown_only_to(kind: str) -> set[str]:
    """Questions an applicant of the other type is never asked (directly or through their trigger)."""
    other = "single" if kind == "alliance" else "alliance"
    base = {"strategy.applicant_type": kind}
    everything = {q.id: answer_at(q, 1.0) for q in provider_questions()}
    shown = visible_question_ids(QUESTIONNAIRE, {**everything, **base})
    hidden_from_other = set(QUESTIONNAIRE.question_index) - visible_question_ids(
        QUESTIONNAIRE, {**everything, "strategy.applicant_type": other}
    )
    return shown & hidden_from_other - QUESTIONNAIRE.member_question_ids


def test_partner_questions_are_asked_only_of_alliances_and_subcontractor_questions_only_of_single_organisations():
    partner_only = shown_only_to("alliance")
    assert partner_only >= {
        "culture.leader_relationships",
        "culture.collaboration",
        "governance.membership_rules",
        "governance.mutual_accountability",
        "governance.partner_count",
    }
    assert shown_only_to("single") == {"governance.subcontractor_accountability", "culture.subcontractor_relationships"}
    for question_id in shown_only_to("single"):
        assert "subcontract" in QUESTIONNAIRE.question(question_id).text


def test_no_gate_reads_a_question_only_one_type_of_applicant_is_asked():
    # A criterion whose question is hidden fails, so such a criterion would fail every applicant of
    # the other type for a question it was never asked.
    one_type_only = shown_only_to("alliance") | shown_only_to("single")
    read = {c.question for g in FRAMEWORK.gates for c in g.criteria if c.question}
    assert read and not read & one_type_only


def test_a_single_organisation_with_the_best_answers_scores_full_marks_and_proceeds():
    top = {d.id: 1.0 for d in QUESTIONNAIRE.joint_domains()}
    for kind in ("alliance", "single"):
        answers, moderation, members = submission(top, kind)
        for question_id in shown_only_to("alliance" if kind == "single" else "single"):
            answers.pop(question_id, None)  # never asked, so never answered
        result = score_submission(QUESTIONNAIRE, FRAMEWORK, answers, moderation, members)
        assert all(d.score == 100 for d in result.domains if not d.per_member), kind
        assert result.recommendation == "proceed", kind


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=2**32 - 1), st.sampled_from(["alliance", "single"]))
def test_questions_for_the_other_type_of_applicant_never_change_a_result(seed, kind):
    rng = random.Random(seed)
    answers, moderation, members = submission({d.id: rng.random() for d in QUESTIONNAIRE.joint_domains()}, kind, rng)
    result = score_submission(QUESTIONNAIRE, FRAMEWORK, answers, moderation, members)
    other = shown_only_to("single" if kind == "alliance" else "alliance")
    changed = dict(answers)
    for question_id in other:
        question = QUESTIONNAIRE.question(question_id)
        changed[question_id] = random_answer(rng, question)
    again = score_submission(QUESTIONNAIRE, FRAMEWORK, changed, moderation, members)
    assert again.overall == result.overall
    assert [d.score for d in again.domains] == [d.score for d in result.domains]
    assert [(g.id, g.outcome) for g in again.gates] == [(g.id, g.outcome) for g in result.gates]


# --------------------------------------------------------------------------------------------------
# Exclusion grounds


def test_a_mandatory_ground_fails_and_a_discretionary_one_makes_eligibility_conditional():
    answers, moderation, members = submission({d.id: 1.0 for d in QUESTIONNAIRE.joint_domains()})
    member = MEMBERS[1]
    discretionary = {
        **members,
        member: {
            **members[member],
            "declarations.insolvency": True,
            "declarations.insolvency_detail": "A creditors' arrangement in 2024, ended in 2025.",
            "declarations.insolvency_self_cleaning": "All creditors paid in full; accounts attached.",
        },
    }
    result = score_submission(QUESTIONNAIRE, FRAMEWORK, answers, moderation, discretionary)
    assert not criterion(result, "G1.discretionary_exclusions").passed
    assert criterion(result, "G1.mandatory_exclusions").passed
    assert result.recommendation == "proceed_with_conditions"
    failing = next(m for m in criterion(result, "G1.discretionary_exclusions").members if m.member == member)
    assert failing.failing == ("declarations.insolvency",)

    mandatory = {**members, member: {**members[member], "declarations.convictions": True}}
    result = score_submission(QUESTIONNAIRE, FRAMEWORK, answers, moderation, mandatory)
    assert not criterion(result, "G1.mandatory_exclusions").passed
    assert result.recommendation == "open_procurement"
