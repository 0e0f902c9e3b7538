"""Random but valid questionnaires, frameworks, answers and moderation, for tests and benchmarks.

Everything is driven by an explicit ``random.Random`` (or numpy seed) so a failing case can be
replayed from its seed.  Nothing here is used when scoring real submissions.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from questionnaires import SUFFICIENCY_SCORES, Framework, Question, Questionnaire

ALL_TYPES = ("scale", "yesno", "choice", "multichoice", "number", "text", "evidence")
CONTROLLER_TYPES = ("yesno", "choice", "scale", "multichoice")


def _question(
    rng: random.Random, qid: str, kind: str, monotone_bands: bool, zero_weight_share: float
) -> dict[str, Any]:
    question: dict[str, Any] = {
        "id": qid,
        "type": kind,
        "text": f"Question {qid}",
        "weight": 0.0 if rng.random() < zero_weight_share else rng.choice([0.5, 1.0, 1.0, 1.5, 2.0, 3.0]),
    }
    if kind == "scale":
        question["levels"] = [f"Level {i}" for i in range(rng.randint(2, 5))]
    elif kind == "yesno":
        if rng.random() < 0.3:
            question["scores"] = {"yes": rng.choice([0.5, 0.8, 1.0]), "no": rng.choice([0.0, 0.2])}
    elif kind in ("choice", "multichoice"):
        count = rng.randint(2, 5)
        step = 1.0 / count
        question["options"] = [
            {"value": f"opt{i}", "label": f"Option {i}", "score": round(rng.choice([0.0, step * i, rng.random()]), 3)}
            for i in range(count)
        ]
    elif kind == "number":
        edges = sorted(rng.sample(range(1, 200), rng.randint(1, 4)))
        mins = [0] + edges
        scores = sorted(round(rng.random(), 3) for _ in mins)
        if not monotone_bands:
            rng.shuffle(scores)
        question["bands"] = [
            {"min": lo, **({"max": hi} if hi is not None else {}), "score": s}
            for lo, hi, s in zip(mins, mins[1:] + [None], scores, strict=True)
        ]
    return question


def random_questionnaire(
    rng: random.Random,
    n_questions: int = 20,
    n_domains: int = 4,
    types: Iterable[str] = ALL_TYPES,
    show_if_share: float = 0.1,
    zero_weight_share: float = 0.1,
    monotone_bands: bool = True,
    member_questions: int = 0,
) -> Questionnaire:
    """``member_questions`` > 0 adds a last, per_member domain ``dm`` of that many declarations and
    explanations (the random stream is unchanged when it is 0)."""
    types = tuple(types)
    n_domains = max(1, min(n_domains, n_questions))
    domain_of = [i % n_domains for i in range(n_questions)]
    rng.shuffle(domain_of)  # round-robin first, so every domain has at least one question
    questions: list[dict[str, Any]] = []
    for i in range(n_questions):
        kind = rng.choice(types)
        question = _question(rng, f"q{i:03d}", kind, monotone_bands, zero_weight_share)
        controllers = [q for q in questions if q["type"] in CONTROLLER_TYPES]
        if controllers and rng.random() < show_if_share:
            controller = rng.choice(controllers)
            question["show_if"] = {"question": controller["id"], **_condition(rng, controller)}
        questions.append(question)
    domains = [
        {
            "id": f"d{d}",
            "title": f"Domain {d}",
            "weight": rng.choice([0.5, 1.0, 1.0, 2.0]),
            "questions": [q for q, dom in zip(questions, domain_of, strict=True) if dom == d],
        }
        for d in range(n_domains)
    ]
    if member_questions > 0:
        domains.append(_member_domain(rng, member_questions))
    return Questionnaire.model_validate({"id": "synthetic", "version": "1", "title": "Synthetic", "domains": domains})


def _member_domain(rng: random.Random, n_questions: int) -> dict[str, Any]:
    """Declarations (yes/no scored 'no is clear' or the default, choice with one clear option) and
    text explanations, with show_if inside the domain only, as the loader requires."""
    questions: list[dict[str, Any]] = []
    for i in range(n_questions):
        qid = f"m{i:03d}"
        deciding = [q for q in questions if q["type"] != "text"]
        kind = rng.choice(["yesno", "yesno", "choice", "text"]) if deciding else rng.choice(["yesno", "choice"])
        question: dict[str, Any] = {"id": qid, "type": kind, "text": f"Declaration {qid}"}
        if kind == "yesno" and rng.random() < 0.6:
            question["scores"] = {"yes": 0.0, "no": 1.0}
        elif kind == "choice":
            count = rng.randint(2, 4)
            clear = rng.randrange(count)
            question["options"] = [
                {"value": f"opt{j}", "label": f"Option {j}", "score": 1.0 if j == clear else rng.choice([0.0, 0.5])}
                for j in range(count)
            ]
        if deciding and rng.random() < (0.8 if kind == "text" else 0.25):
            controller = rng.choice(deciding)
            question["show_if"] = {"question": controller["id"], **_condition(rng, controller)}
        questions.append(question)
    return {"id": "dm", "title": "Member declarations", "per_member": True, "questions": questions}


def _condition(rng: random.Random, controller: dict[str, Any]) -> dict[str, Any]:
    kind = controller["type"]
    if kind == "yesno":
        return {"equals": rng.random() < 0.7}
    if kind in ("choice", "multichoice"):
        values = [o["value"] for o in controller["options"]]
        if rng.random() < 0.5:
            return {"equals": rng.choice(values)}
        return {"in": rng.sample(values, rng.randint(1, len(values)))}
    levels = list(range(len(controller["levels"])))
    return {"in": rng.sample(levels, rng.randint(1, len(levels)))}


def random_framework(
    rng: random.Random,
    questionnaire: Questionnaire,
    n_gates: int = 3,
    max_criteria: int = 4,
    question_min_steps: tuple[float, ...] | None = None,
    member_share: float = 0.6,
) -> Framework:
    """``question_min_steps`` restricts question_min thresholds to the given values (e.g. quarters).

    When the questionnaire has per_member domains, each gate gets a member_declarations criterion
    with probability ``member_share`` (the random stream is unchanged when it has none)."""
    questions = [q for q in questionnaire.questions() if not questionnaire.is_per_member(q.id)]
    joint_domains = questionnaire.joint_domains()
    member_domains = questionnaire.member_domains()
    numbers = [q for q in questions if q.type == "number"]
    evidence = [q for q in questions if q.type == "evidence"]
    gates = []
    for g in range(n_gates):
        criteria = []
        for c in range(rng.randint(1, max_criteria)):
            kinds = ["question_min", "domain_min", "overall_min"]
            kinds += ["number_min"] if numbers else []
            kinds += ["evidence_required"] if evidence else []
            kind = rng.choice(kinds)
            criterion: dict[str, Any] = {
                "id": f"G{g}.c{c}",
                "type": kind,
                "on_fail": rng.choice(["fail", "conditional"]),
            }
            if kind == "question_min":
                criterion["question"] = rng.choice(questions).id
                steps = question_min_steps or (0.25, 0.5, 0.75, 1.0, round(rng.random(), 3))
                criterion["min"] = rng.choice(steps)
            elif kind == "number_min":
                criterion["question"] = rng.choice(numbers).id
                criterion["min"] = rng.randint(0, 200)
            elif kind == "evidence_required":
                criterion["question"] = rng.choice(evidence).id
                if rng.random() < 0.3:
                    criterion["min_sufficiency"] = "partly"
            elif kind == "domain_min":
                criterion["domain"] = rng.choice(joint_domains).id
                criterion["min"] = rng.choice([20, 40, 50, 60, round(rng.uniform(0, 100), 2)])
            else:
                criterion["min"] = rng.choice([30, 50, 60, round(rng.uniform(0, 100), 2)])
            criteria.append(criterion)
        if member_domains and rng.random() < member_share:
            criteria.append(
                {
                    "id": f"G{g}.members",
                    "type": "member_declarations",
                    "domain": rng.choice(member_domains).id,
                    "on_fail": rng.choice(["fail", "fail", "conditional"]),
                }
            )
        gate: dict[str, Any] = {"id": f"G{g}", "title": f"Gate {g}", "criteria": criteria}
        if rng.random() < 0.3:
            gate["max_conditional"] = rng.randint(0, 2)
        gates.append(gate)
    return Framework.model_validate(
        {
            "id": "synthetic-gates",
            "version": "1",
            "questionnaire": questionnaire.id,
            "rag": [{"min": 70, "label": "Green"}, {"min": 40, "label": "Amber"}, {"min": 0, "label": "Red"}],
            "gates": gates,
        }
    )


def random_answer(rng: random.Random, question: Question) -> Any:
    kind = question.type
    if kind == "scale":
        return rng.randrange(len(question.levels or ()))
    if kind == "yesno":
        return rng.random() < 0.5
    if kind == "choice":
        return rng.choice(question.options or ()).value
    if kind == "multichoice":
        values = [o.value for o in question.options or ()]
        return rng.sample(values, rng.randint(0, len(values)))
    if kind == "number":
        return rng.choice([rng.randint(0, 250), round(rng.uniform(0, 250), 2)])
    if kind == "text":
        return rng.choice(["A considered answer.", "Another answer", "   "])
    return [f"file{i}.pdf" for i in range(rng.choice([0, 1, 1, 2]))]


def random_answers(rng: random.Random, questionnaire: Questionnaire, answer_rate: float = 0.8) -> dict[str, Any]:
    """Joint answers (never to per_member questions)."""
    return {
        q.id: random_answer(rng, q)
        for q in questionnaire.questions()
        if not questionnaire.is_per_member(q.id) and rng.random() < answer_rate
    }


def clear_answer(question: Question) -> Any:
    """An answer that makes a declaration clear (scores 1); None if it has none."""
    if question.type == "yesno":
        scores = question.yes_no_scores
        return True if scores.yes == 1 else (False if scores.no == 1 else None)
    if question.type == "choice":
        return next((o.value for o in question.options or () if o.score == 1), None)
    return None


def random_member_answers(
    rng: random.Random,
    questionnaire: Questionnaire,
    n_members: int | None = None,
    answer_rate: float = 0.9,
    clear_share: float = 0.6,
) -> dict[str, dict[str, Any]]:
    """Member name -> answers to the per_member questions.  A share of members answer every
    declaration clearly; the rest answer at random and may leave some out."""
    questions = [q for d in questionnaire.member_domains() for q in d.questions]
    count = rng.randint(0, 3) if n_members is None else n_members
    members: dict[str, dict[str, Any]] = {}
    for i in range(count):
        clear = rng.random() < clear_share
        answers: dict[str, Any] = {}
        for question in questions:
            value = clear_answer(question) if clear else None
            if value is not None:
                answers[question.id] = value
            elif rng.random() < answer_rate:
                answers[question.id] = random_answer(rng, question)
        members[f"Member organisation {i}"] = answers
    return members


def random_moderation(
    rng: random.Random,
    questionnaire: Questionnaire,
    rate: float = 0.3,
    steps: tuple[float, ...] | None = None,
    verification: bool = True,
) -> dict[str, Any]:
    """Consensus for some questions: scores, and with ``verification`` also judgements of evidence
    and verified answers (``{"answer": value}``) in every form the engine reads."""
    out: dict[str, Any] = {}
    for question in questionnaire.questions():
        if questionnaire.is_per_member(question.id):
            continue  # declarations are never moderated
        chance = rate * (2 if question.type in ("text", "evidence") else 0.5)
        if rng.random() >= chance:
            continue
        form = rng.random() if verification else 0.0
        if form > 0.5 and question.type == "evidence":
            out[question.id] = rng.choice(list(SUFFICIENCY_SCORES))
        elif form > 0.5 and question.type != "text":
            out[question.id] = {"answer": random_answer(rng, question)}
        else:
            out[question.id] = (
                rng.choice(steps) if steps else rng.choice([0.0, 0.25, 0.5, 0.75, 1.0, round(rng.random(), 3)])
            )
    return out


def to_long(submissions: Mapping[Any, Mapping[str, Any]]) -> pd.DataFrame:
    """{submission: {question: value}} -> the long format ``score_cohort`` reads."""
    rows = [(s, q, v) for s, answers in submissions.items() for q, v in answers.items()]
    return pd.DataFrame(rows, columns=["submission", "question", "value"])


def members_to_long(member_answers: Mapping[Any, Mapping[str, Mapping[str, Any]]]) -> pd.DataFrame:
    """{submission: {member: {question: value}}} -> the long format ``score_cohort`` reads.

    A member with no answers is written as one row with question None, so that it still exists."""
    rows: list[tuple[Any, str, str | None, Any]] = []
    for submission, members in member_answers.items():
        for member, answers in members.items():
            if not answers:
                rows.append((submission, member, None, None))
            rows.extend((submission, member, q, v) for q, v in answers.items())
    return pd.DataFrame(rows, columns=["submission", "member", "question", "value"])


def moderation_to_long(moderation: Mapping[Any, Mapping[str, Any]]) -> pd.DataFrame:
    rows = [(s, q, v) for s, scores in moderation.items() for q, v in scores.items()]
    return pd.DataFrame(rows, columns=["submission", "question", "score"])


def random_cohort(
    questionnaire: Questionnaire, n_submissions: int, seed: int = 0, answer_rate: float = 0.85
) -> pd.DataFrame:
    """A large long-format answer table built column-wise (fast enough for 10^4 x 200)."""
    gen = np.random.default_rng(seed)
    frames = []
    subs = np.arange(n_submissions)
    for question in questionnaire.questions():
        if questionnaire.is_per_member(question.id):
            continue  # joint answers only; see members_to_long for declarations
        who = subs[gen.random(n_submissions) < answer_rate]
        m = len(who)
        kind = question.type
        values: list[Any]
        if kind == "scale":
            values = gen.integers(0, len(question.levels or ()), m).tolist()
        elif kind == "yesno":
            values = (gen.random(m) < 0.5).tolist()
        elif kind == "choice":
            options = np.array([o.value for o in question.options or ()], dtype=np.object_)
            values = options[gen.integers(0, len(options), m)].tolist()
        elif kind == "multichoice":
            option_values = [o.value for o in question.options or ()]
            masks = gen.random((m, len(option_values))) < 0.4
            values = [[o for o, keep in zip(option_values, row, strict=True) if keep] for row in masks]
        elif kind == "number":
            values = gen.integers(0, 250, m).tolist()
        elif kind == "text":
            values = np.where(gen.random(m) < 0.9, "Some text", "").tolist()
        else:
            counts = gen.integers(0, 3, m)
            values = [[f"f{i}.pdf" for i in range(c)] for c in counts]
        frames.append(
            pd.DataFrame({"submission": who, "question": question.id, "value": pd.Series(values, dtype=object)})
        )
    return pd.concat(frames, ignore_index=True)


def random_cohort_moderation(
    questionnaire: Questionnaire, n_submissions: int, seed: int = 1, rate: float = 0.5, verify_rate: float = 0.2
) -> pd.DataFrame:
    """Consensus rows for a large cohort: scores for text answers (``rate`` of submissions), and
    judgements of evidence and verified answers of other scored questions (``verify_rate``)."""
    gen = np.random.default_rng(seed)
    frames = []
    judgements = np.array(list(SUFFICIENCY_SCORES), dtype=np.object_)
    for question in questionnaire.questions():
        if questionnaire.is_per_member(question.id) or question.weight <= 0:
            continue
        share = rate if question.type == "text" else verify_rate
        who = np.arange(n_submissions)[gen.random(n_submissions) < share]
        m = len(who)
        values: Any
        if question.type == "text":
            values = gen.integers(0, 5, m) / 4
        elif question.type == "evidence":
            values = judgements[gen.integers(0, len(judgements), m)]
        else:
            rng = random.Random(int(gen.integers(0, 2**31)))  # noqa: S311 - reproducible test data, not secrets
            values = [{"answer": random_answer(rng, question)} for _ in range(m)]
        frames.append(
            pd.DataFrame({"submission": who, "question": question.id, "score": pd.Series(values, dtype=object)})
        )
    if not frames:
        return pd.DataFrame(columns=["submission", "question", "score"])
    return pd.concat(frames, ignore_index=True)
