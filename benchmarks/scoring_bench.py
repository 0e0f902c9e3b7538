"""Vectorised cohort scoring versus the per-submission loop.

    python -m benchmarks.scoring_bench            # 200 questions x 10,000 submissions
    python -m benchmarks.scoring_bench --quick    # small smoke run
    python -m benchmarks.scoring_bench --what-if 300   # what_if timings on the shipped questionnaire

Builds a synthetic questionnaire (mixed question types, a few show_if) and framework, plus random
long-format answers and moderation, then times ``score_cohort`` on the whole cohort and
``score_submission`` in a plain loop.  The loop is timed on a sample and extrapolated unless
``--full-loop`` is given (the output says which).  Both paths are compared on a sample of
submissions before any figure is printed as trustworthy.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import statistics
import sys
import time

import numpy as np
import pandas as pd

from scoring import score_cohort, score_submission
from scoring.synthetic import random_cohort, random_cohort_moderation, random_framework, random_questionnaire


def _submission_dicts(answers: pd.DataFrame, moderation: pd.DataFrame, ids) -> tuple[dict, dict]:
    wanted = set(ids)
    a = answers[answers["submission"].isin(wanted)]
    m = moderation[moderation["submission"].isin(wanted)]
    by_answers = {s: {} for s in ids}
    for s, q, v in zip(a["submission"], a["question"], a["value"], strict=True):
        by_answers[s][q] = v
    by_moderation = {s: {} for s in ids}
    for s, q, v in zip(m["submission"], m["question"], m["score"], strict=True):
        by_moderation[s][q] = v
    return by_answers, by_moderation


def _agree(table: pd.DataFrame, questionnaire, framework, answers: dict, moderation: dict) -> list[str]:
    problems = []
    for s in answers:
        expected = score_submission(questionnaire, framework, answers[s], moderation[s])
        row = table.loc[s]
        for domain in expected.domains:
            got = row[domain.id]
            if (domain.score is None) != bool(np.isnan(got)) or (
                domain.score is not None and not math.isclose(got, domain.score, abs_tol=1e-9)
            ):
                problems.append(f"submission {s}: domain {domain.id} {got} != {domain.score}")
        if expected.overall is not None and not math.isclose(row["overall"], expected.overall, abs_tol=1e-9):
            problems.append(f"submission {s}: overall {row['overall']} != {expected.overall}")
        for gate in expected.gates:
            if row[gate.id] != gate.outcome:
                problems.append(f"submission {s}: gate {gate.id} {row[gate.id]} != {gate.outcome}")
        if row["recommendation"] != expected.recommendation or row["rag"] != expected.rag:
            problems.append(f"submission {s}: recommendation/rag differ")
        if row["awaiting_evaluation"] != len(expected.awaiting_evaluation):
            problems.append(f"submission {s}: awaiting_evaluation differs")
        if bool(row["provisional"]) != expected.provisional:
            problems.append(f"submission {s}: provisional differs")
        share = expected.verified_share
        if (share is None) != bool(np.isnan(row["verified_share"])) or (
            share is not None and not math.isclose(row["verified_share"], share, abs_tol=1e-9)
        ):
            problems.append(f"submission {s}: verified_share {row['verified_share']} != {share}")
    return problems


def what_if_timings(count: int, seed: int) -> int:
    """Time what_if on random submissions to the shipped questionnaire (half of them nudged towards
    strong answers, so that all of 1-4 changes and "not reachable" cases occur)."""
    from questionnaires import (
        DEFAULT_FRAMEWORK_PATH,
        DEFAULT_QUESTIONNAIRE_PATH,
        load_framework,
        load_questionnaire,
    )
    from scoring import what_if
    from scoring.synthetic import clear_answer, random_answers, random_moderation

    questionnaire = load_questionnaire(DEFAULT_QUESTIONNAIRE_PATH)
    framework = load_framework(DEFAULT_FRAMEWORK_PATH, questionnaire)
    rng = random.Random(seed)
    # Two member organisations with clear declarations, as most applicants have: without them every
    # member_declarations criterion fails and no what-if is possible at all.
    declarations = {q.id: clear_answer(q) for d in questionnaire.member_domains() for q in d.declaration_questions()}
    members = {"Member A": declarations, "Member B": declarations}
    # The round's contract parameters and the applicant type are facts the search must not change.
    fixed = frozenset(q.id for q in questionnaire.questions() if q.answered_by != "provider")
    timings, sizes = [], {}
    for i in range(count):
        answers = random_answers(rng, questionnaire, answer_rate=rng.choice([0.5, 0.9, 1.0]))
        if i % 2:
            for question in questionnaire.questions():
                if question.type == "scale" and rng.random() < 0.7:
                    answers[question.id] = len(question.levels) - 1 - rng.randint(0, 1)
                if question.type == "yesno" and rng.random() < 0.7:
                    answers[question.id] = True
        moderation = random_moderation(rng, questionnaire, rate=0.5)
        started = time.perf_counter()
        found = what_if(questionnaire, framework, answers, moderation, member_answers=members, fixed=fixed)
        timings.append(time.perf_counter() - started)
        key = "none" if found is None else str(len(found.changes))
        sizes[key] = sizes.get(key, 0) + 1
    timings.sort()
    pick = lambda q: timings[min(len(timings) - 1, int(q * len(timings)))]  # noqa: E731
    print(
        f"what_if on {DEFAULT_QUESTIONNAIRE_PATH.name} ({len(questionnaire.questions())} questions), "
        f"{count} random submissions: median {pick(0.5) * 1000:.1f} ms, p90 {pick(0.9) * 1000:.1f} ms, "
        f"p99 {pick(0.99) * 1000:.1f} ms, max {timings[-1] * 1000:.1f} ms"
    )
    print("changes found: " + ", ".join(f"{k}: {v}" for k, v in sorted(sizes.items())))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scoring_bench")
    parser.add_argument("--quick", action="store_true", help="small smoke run (40 questions x 500 submissions)")
    parser.add_argument("--questions", type=int, default=None)
    parser.add_argument("--submissions", type=int, default=None)
    parser.add_argument("--loop-sample", type=int, default=None, help="submissions timed in the plain loop")
    parser.add_argument("--full-loop", action="store_true", help="time the loop over every submission")
    parser.add_argument("--repeats", type=int, default=3, help="cohort timings to take (median reported)")
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument(
        "--what-if",
        type=int,
        metavar="N",
        default=None,
        help="instead, time what_if on N random submissions to the shipped questionnaire",
    )
    args = parser.parse_args(argv)
    if args.what_if:
        return what_if_timings(args.what_if, args.seed)

    n_questions = args.questions or (40 if args.quick else 200)
    n_submissions = args.submissions or (500 if args.quick else 10_000)
    loop_sample = (
        n_submissions if args.full_loop else min(n_submissions, args.loop_sample or (200 if args.quick else 1_000))
    )

    rng = random.Random(args.seed)
    questionnaire = random_questionnaire(rng, n_questions=n_questions, n_domains=8, show_if_share=0.05)
    framework = random_framework(rng, questionnaire, n_gates=5, max_criteria=4)
    started = time.perf_counter()
    answers = random_cohort(questionnaire, n_submissions, seed=args.seed)
    moderation = random_cohort_moderation(questionnaire, n_submissions, seed=args.seed + 1)
    setup = time.perf_counter() - started

    kinds = pd.Series([q.type for q in questionnaire.questions()]).value_counts().to_dict()
    shown_if = sum(q.show_if is not None for q in questionnaire.questions())
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"pandas {pd.__version__}, numpy {np.__version__}"
    )
    print(
        f"questionnaire: {n_questions} questions in {len(questionnaire.domains)} domains "
        f"({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}; {shown_if} with show_if); "
        f"{sum(len(g.criteria) for g in framework.gates)} criteria in {len(framework.gates)} gates"
    )
    print(
        f"cohort: {n_submissions:,} submissions, {len(answers):,} answer rows, "
        f"{len(moderation):,} moderation rows (generated in {setup:.2f} s, not timed)"
    )

    timings = []
    for _ in range(max(1, args.repeats)):
        started = time.perf_counter()
        table = score_cohort(questionnaire, framework, answers, moderation)
        timings.append(time.perf_counter() - started)
    cohort_time = statistics.median(timings)
    print(
        f"score_cohort:      {cohort_time:.3f} s for {n_submissions:,} submissions "
        f"(median of {len(timings)}: {', '.join(f'{t:.3f}' for t in timings)})"
    )

    ids = (
        list(range(n_submissions))
        if loop_sample == n_submissions
        else sorted(random.Random(args.seed + 2).sample(range(n_submissions), loop_sample))
    )
    loop_answers, loop_moderation = _submission_dicts(answers, moderation, ids)
    started = time.perf_counter()
    for s in ids:
        score_submission(questionnaire, framework, loop_answers[s], loop_moderation[s])
    loop_sample_time = time.perf_counter() - started
    loop_time = loop_sample_time * n_submissions / loop_sample
    if loop_sample == n_submissions:
        print(f"score_submission loop: {loop_time:.3f} s for all {n_submissions:,} submissions (measured)")
    else:
        print(
            f"score_submission loop: {loop_sample_time:.3f} s for a sample of {loop_sample:,}; "
            f"extrapolated to {n_submissions:,}: {loop_time:.2f} s"
        )
    print(
        f"speed-up: {loop_time / cohort_time:.1f}x  ({n_submissions / cohort_time:,.0f} submissions/s vectorised, "
        f"{n_submissions / loop_time:,.0f} submissions/s looped)"
    )

    check_ids = ids[: min(len(ids), 300)]
    problems = _agree(
        table,
        questionnaire,
        framework,
        {s: loop_answers[s] for s in check_ids},
        {s: loop_moderation[s] for s in check_ids},
    )
    if problems:
        print(f"MISMATCH between cohort and single path on {len(problems)} value(s):")
        for problem in problems[:10]:
            print("  " + problem)
        return 1
    print(
        f"agreement: cohort == single path on {len(check_ids)} sampled submissions "
        f"(scores within 1e-9; rag, gates, recommendation, awaiting identical)"
    )
    if not args.quick:
        target_ok = cohort_time < 2.0 and loop_time / cohort_time >= 20
        print(f"targets (cohort < 2 s and >= 20x the loop): {'met' if target_ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
