"""Properties that must hold for any definitions and answers (hypothesis drives random seeds into
``scoring.synthetic``, so a failure can be replayed from the seed it reports)."""

from __future__ import annotations

import math
import random

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from questionnaires import SUFFICIENCY_SCORES, Questionnaire
from scoring import score_cohort, score_submission
from scoring.results import OUTCOME_ORDER, RECOMMENDATION_ORDER
from scoring.synthetic import (
    members_to_long,
    moderation_to_long,
    random_answers,
    random_framework,
    random_member_answers,
    random_moderation,
    random_questionnaire,
    to_long,
)

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
seeds = st.integers(min_value=0, max_value=2**32 - 1)


def scenario(seed: int, n_questions: int = 14, show_if_share: float = 0.25, members: bool = False):
    """``members``: add a per_member declarations domain (and member_declarations criteria)."""
    rng = random.Random(seed)
    questionnaire = random_questionnaire(
        rng,
        n_questions=rng.randint(3, n_questions),
        n_domains=rng.randint(1, 4),
        show_if_share=show_if_share,
        member_questions=rng.randint(1, 6) if members else 0,
    )
    framework = random_framework(rng, questionnaire)
    return rng, questionnaire, framework


@SETTINGS
@given(seeds)
def test_scores_are_within_their_ranges(seed):
    rng, questionnaire, framework = scenario(seed)
    answers = random_answers(rng, questionnaire, answer_rate=rng.random())
    result = score_submission(questionnaire, framework, answers, random_moderation(rng, questionnaire))
    for domain in result.domains:
        if domain.score is not None:
            assert 0.0 <= domain.score <= 100.0
            assert math.fsum(q.contribution for q in domain.questions) == pytest.approx(domain.score, abs=1e-9)
        for question in domain.questions:
            assert question.score is None or 0.0 <= question.score <= 1.0
            assert question.visible or question.score is None
    assert result.overall is None or 0.0 <= result.overall <= 100.0
    assert (result.overall is None) == all(d.score is None for d in result.domains)
    assert result.recommendation in RECOMMENDATION_ORDER


# --------------------------------------------------------------------------------------------------
# Monotonicity


def improved(rng: random.Random, question, answer, moderated):
    """A random answer/moderation at least as good as the current one, or None if there is none."""
    if isinstance(moderated, dict):  # a verified answer: improve it, the provider's no longer counts
        change = improved(rng, question, moderated["answer"], None)
        return None if change is None else (answer, {"answer": change[0]})
    if isinstance(moderated, str):  # a judgement of evidence
        better = [level for level, score in SUFFICIENCY_SCORES.items() if score >= SUFFICIENCY_SCORES[moderated]]
        return answer, rng.choice(better)
    if moderated is not None or question.type == "text":
        current = moderated or 0.0
        return (answer, rng.uniform(current, 1.0)) if current < 1.0 else None
    kind = question.type
    if kind == "scale":
        top = len(question.levels) - 1
        return (rng.randint(answer, top) if answer is not None else rng.randint(0, top)), None
    if kind == "yesno":
        scores = question.yes_no_scores
        best = scores.yes >= scores.no
        return best, None
    if kind == "choice":
        current = question.option(answer).score if answer is not None else 0.0
        better = [o.value for o in question.options if o.score >= current]
        return rng.choice(better), None
    if kind == "multichoice":
        chosen = list(answer or [])
        extra = [o.value for o in question.options if o.value not in chosen]
        return chosen + rng.sample(extra, rng.randint(0, len(extra))), None
    if kind == "number":
        # Synthetic bands score non-decreasingly with the value, so a bigger number is never worse.
        return (answer if answer is not None else 0) + rng.choice([0, 1, 7.5, 50, 120]), None
    if kind == "evidence":
        return list(answer or []) + ["more.pdf"], None
    return None


def rank(order, value):
    return order.index(value)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seeds)
def test_improving_an_answer_never_lowers_a_score_or_outcome(seed):
    rng, questionnaire, framework = scenario(seed)
    answers = random_answers(rng, questionnaire, answer_rate=rng.random())
    moderation = random_moderation(rng, questionnaire)
    controllers = {q.show_if.question for q in questionnaire.questions() if q.show_if}
    # Improving a show_if controller may reveal unanswered (zero-scoring) questions, which is why
    # the property is stated for every other question.
    candidates = [q for q in questionnaire.questions() if q.id not in controllers]
    if not candidates:
        return
    before = score_submission(questionnaire, framework, answers, moderation)
    for question in rng.sample(candidates, min(4, len(candidates))):
        change = improved(rng, question, answers.get(question.id), moderation.get(question.id))
        if change is None:
            continue
        new_answers, new_moderation = dict(answers), dict(moderation)
        new_answers[question.id] = change[0]
        if change[1] is not None:
            new_moderation[question.id] = change[1]
        after = score_submission(questionnaire, framework, new_answers, new_moderation)
        for old, new in zip(before.domains, after.domains, strict=True):
            assert (old.score is None) == (new.score is None)
            if old.score is not None:
                assert new.score >= old.score - 1e-9, (question.id, old.id)
        if before.overall is not None:
            assert after.overall >= before.overall - 1e-9
        for old, new in zip(before.gates, after.gates, strict=True):
            assert rank(OUTCOME_ORDER, new.outcome) >= rank(OUTCOME_ORDER, old.outcome), (question.id, old.id)
        assert rank(RECOMMENDATION_ORDER, after.recommendation) >= rank(RECOMMENDATION_ORDER, before.recommendation)


# --------------------------------------------------------------------------------------------------
# Order independence


def shuffled(rng: random.Random, questionnaire: Questionnaire) -> Questionnaire:
    data = questionnaire.model_dump(by_alias=True, exclude_none=True)
    for domain in data["domains"]:
        rng.shuffle(domain["questions"])
    rng.shuffle(data["domains"])
    return Questionnaire.model_validate(data)


@SETTINGS
@given(seeds, st.booleans())
def test_question_and_domain_order_change_nothing(seed, members):
    rng, questionnaire, framework = scenario(seed, members=members)
    answers = random_answers(rng, questionnaire, answer_rate=rng.random())
    moderation = random_moderation(rng, questionnaire)
    member_answers = random_member_answers(rng, questionnaire) if members else None
    reordered = shuffled(rng, questionnaire)
    original = score_submission(questionnaire, framework, answers, moderation, member_answers)
    permuted = score_submission(reordered, framework, answers, moderation, member_answers)
    # Exact equality: sums are exactly rounded (math.fsum), so order cannot even move the last bit.
    assert permuted.overall == original.overall
    assert permuted.rag == original.rag
    for domain in original.domains:
        assert permuted.domain(domain.id).score == domain.score
        for question in domain.questions:
            assert permuted.question(question.id) == question
    # Failing declarations are listed (and explained) in questionnaire order, the one thing that
    # may follow the order of the questions; everything else about the gates must be identical.
    assert [normalised(g) for g in permuted.gates] == [normalised(g) for g in original.gates]
    assert permuted.recommendation == original.recommendation
    assert sorted(permuted.awaiting_evaluation) == sorted(original.awaiting_evaluation)
    assert [member_facts(m) for m in permuted.members] == [member_facts(m) for m in original.members]


def member_facts(member):
    return member.member, member.passed, frozenset(member.failing), member.answered, member.required


def normalised(gate):
    criteria = []
    for criterion in gate.criteria:
        if criterion.type == "member_declarations":
            criterion = (
                criterion.id,
                criterion.passed,
                criterion.value,
                criterion.threshold,
                [member_facts(m) for m in criterion.members],
            )
        criteria.append(criterion)
    return gate.id, gate.outcome, criteria


# --------------------------------------------------------------------------------------------------
# Cohort path == single path


def assert_cohort_matches(questionnaire, framework, submissions, moderation, member_answers=None):
    answers_long = to_long(submissions)
    moderation_long = moderation_to_long(moderation)
    members_long = members_to_long(member_answers) if member_answers is not None else None
    table = score_cohort(questionnaire, framework, answers_long, moderation_long, members_long)
    # A submission exists for the cohort only through its rows; one with no rows at all cannot appear.
    present = set(answers_long["submission"]) | set(moderation_long["submission"])
    if members_long is not None:
        present |= set(members_long["submission"])
    assert list(table.index) == sorted(present)
    assert table.index.name == "submission"
    for submission in table.index:
        expected = score_submission(
            questionnaire,
            framework,
            submissions.get(submission, {}),
            moderation.get(submission, {}),
            (member_answers or {}).get(submission),
        )
        row = table.loc[submission]
        for domain in expected.domains:
            if domain.score is None:
                assert np.isnan(row[domain.id]), (submission, domain.id)
            else:
                assert row[domain.id] == pytest.approx(domain.score, abs=1e-9), (submission, domain.id)
        if expected.overall is None:
            assert np.isnan(row["overall"])
        else:
            assert row["overall"] == pytest.approx(expected.overall, abs=1e-9)
        assert row["rag"] == expected.rag
        for gate in expected.gates:
            assert row[gate.id] == gate.outcome, (submission, gate.id)
        assert row["recommendation"] == expected.recommendation
        assert row["awaiting_evaluation"] == len(expected.awaiting_evaluation)
        assert bool(row["provisional"]) == expected.provisional, submission
        if expected.verified_share is None:
            assert np.isnan(row["verified_share"])
        else:
            assert row["verified_share"] == pytest.approx(expected.verified_share, abs=1e-9)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seeds)
def test_cohort_equals_single_path(seed):
    rng, questionnaire, framework = scenario(seed, n_questions=20, show_if_share=0.3)
    submissions, moderation = {}, {}
    for _ in range(rng.randint(40, 120)):
        sid = f"sub-{rng.randrange(10**6):06d}"
        answers = random_answers(rng, questionnaire, answer_rate=rng.random())
        for qid in list(answers):
            if rng.random() < 0.05:
                answers[qid] = None  # an explicit "unanswered" row
        submissions[sid] = answers
        if rng.random() < 0.7:
            moderation[sid] = random_moderation(rng, questionnaire, rate=rng.random())
    assert_cohort_matches(questionnaire, framework, submissions, moderation)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seeds)
def test_cohort_equals_single_path_with_member_declarations(seed):
    rng, questionnaire, framework = scenario(seed, n_questions=12, show_if_share=0.3, members=True)
    submissions, moderation, member_answers = {}, {}, {}
    for _ in range(rng.randint(20, 80)):
        sid = f"sub-{rng.randrange(10**6):06d}"
        submissions[sid] = random_answers(rng, questionnaire, answer_rate=rng.random())
        if rng.random() < 0.5:
            moderation[sid] = random_moderation(rng, questionnaire, rate=rng.random())
        if rng.random() < 0.85:  # the rest have no member rows at all
            members = random_member_answers(rng, questionnaire, answer_rate=rng.random())
            for answers in members.values():
                for qid in list(answers):
                    if rng.random() < 0.05:
                        answers[qid] = None  # an explicit "unanswered" row
            member_answers[sid] = members
    # A few submissions known only through their member rows.
    for s in range(rng.randint(0, 3)):
        member_answers[f"only-members-{s}"] = random_member_answers(rng, questionnaire, n_members=rng.randint(1, 2))
    assert_cohort_matches(questionnaire, framework, submissions, moderation, member_answers)


def test_cohort_equals_single_path_on_hundreds_of_submissions():
    rng = random.Random(20261125)
    questionnaire = random_questionnaire(rng, n_questions=40, n_domains=5, show_if_share=0.3)
    framework = random_framework(rng, questionnaire, n_gates=4)
    submissions = {i: random_answers(rng, questionnaire, answer_rate=rng.random()) for i in range(500)}
    moderation = {i: random_moderation(rng, questionnaire, rate=rng.random()) for i in range(0, 500, 2)}
    assert_cohort_matches(questionnaire, framework, submissions, moderation)


def test_cohort_later_duplicate_answer_wins_and_unknown_questions_are_ignored():
    rng = random.Random(5)
    questionnaire = random_questionnaire(rng, n_questions=6, n_domains=2, show_if_share=0.0)
    framework = random_framework(rng, questionnaire)
    first, second = random_answers(rng, questionnaire, 1.0), random_answers(rng, questionnaire, 1.0)
    long = pd.concat(
        [
            to_long({"a": first}),
            to_long({"a": second}),
            pd.DataFrame({"submission": ["a"], "question": ["no.such.question"], "value": [1]}),
        ],
        ignore_index=True,
    )
    table = score_cohort(questionnaire, framework, long)
    expected = score_submission(questionnaire, framework, second)
    assert table.loc["a", "recommendation"] == expected.recommendation
    for domain in expected.domains:
        assert table.loc["a", domain.id] == pytest.approx(domain.score, abs=1e-9)


def test_cohort_columns_and_empty_input():
    rng = random.Random(9)
    questionnaire = random_questionnaire(rng, n_questions=5, n_domains=2)
    framework = random_framework(rng, questionnaire, n_gates=2)
    table = score_cohort(questionnaire, framework, pd.DataFrame(columns=["submission", "question", "value"]))
    assert list(table.columns) == [
        "d0",
        "d1",
        "overall",
        "rag",
        "G0",
        "G1",
        "recommendation",
        "provisional",
        "verified_share",
        "awaiting_evaluation",
    ]
    assert len(table) == 0
    with pytest.raises(ValueError, match="value"):
        score_cohort(questionnaire, framework, pd.DataFrame(columns=["submission", "question"]))


def test_cohort_show_if_on_list_answers_matches_single_path():
    questionnaire = Questionnaire.model_validate(
        {
            "id": "t",
            "version": "1",
            "title": "T",
            "domains": [
                {
                    "id": "d",
                    "title": "D",
                    "questions": [
                        {
                            "id": "m",
                            "type": "multichoice",
                            "text": "M",
                            "options": [{"value": v, "label": v.upper(), "score": 0.3} for v in ("a", "b", "c")],
                        },
                        {
                            "id": "has_a",
                            "type": "yesno",
                            "text": "Shown when a is chosen",
                            "show_if": {"question": "m", "equals": "a"},
                        },
                        {
                            "id": "b_or_c",
                            "type": "yesno",
                            "text": "Shown when b or c is chosen",
                            "show_if": {"question": "m", "in": ["b", "c"]},
                        },
                    ],
                }
            ],
        }
    )
    framework = random_framework(random.Random(1), questionnaire)
    submissions = {
        "s1": {"m": ["a", "b"], "has_a": True, "b_or_c": True},
        "s2": {"m": ("a",), "has_a": True, "b_or_c": True},
        "s3": {"m": [], "has_a": True, "b_or_c": True},
        "s4": {"m": ["c"], "has_a": True, "b_or_c": False},
        "s5": {"has_a": True, "b_or_c": True},
    }
    visible = {
        s: {q.id for d in score_submission(questionnaire, framework, a).domains for q in d.questions if q.visible}
        for s, a in submissions.items()
    }
    assert visible == {
        "s1": {"m", "has_a", "b_or_c"},
        "s2": {"m", "has_a"},
        "s3": {"m"},
        "s4": {"m", "b_or_c"},
        "s5": {"m"},
    }
    assert_cohort_matches(questionnaire, framework, submissions, {})
