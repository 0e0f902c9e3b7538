"""Score many submissions at once, column-wise.

Same rules as ``scoring.engine`` (the reference, and the tests check the two agree), but organised
for thousands of submissions: each question becomes one numpy column over all submissions, so the
only Python loops are over the questionnaire's questions, domains and criteria - never over
submissions or answer rows.  Sums are plain floating-point sums rather than ``math.fsum``, so scores
can differ from the single path in the last bits; gates use the same tolerance, which is what keeps
such differences from changing any outcome.

Member declarations are scored the same way, with one row per (submission, member) pair in place
of one per submission; a pair's verdict is then folded back to its submission with ``bincount``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from questionnaires import DECLARATION_TYPES, SUFFICIENCY_SCORES, Criterion, Framework, Question, Questionnaire, ShowIf

from .engine import TOLERANCE, ScoringPlan, plan_for
from .rules import JUDGED_TYPES
from .states import GateOutcome, Recommendation

_LIST_TYPES = ("multichoice", "evidence")
# Joins list answers into one comparable string for show_if on list-valued controllers; option
# values are short identifiers that never contain this control character.
_LIST_SEPARATOR = "\x1f"


@dataclass
class _Column:
    """One question's answers over all submissions, aligned to the output index."""

    positions: np.ndarray  # submission positions that answered (one entry each)
    values: np.ndarray  # their raw answers (object)
    answered: np.ndarray  # bool[n]
    self_score: np.ndarray  # float[n]; NaN for text, 0 where unanswered otherwise
    number: np.ndarray | None = None  # float[n], NaN where unanswered (number questions)
    files: np.ndarray | None = None  # float[n] file counts (evidence questions)


def _rows_by_question(questions: pd.Series) -> dict[str, np.ndarray]:
    # One factorize + stable sort instead of a boolean mask per question; stable keeps file order,
    # which decides which duplicate answer wins.
    codes, uniques = pd.factorize(questions, sort=False)
    order = np.argsort(codes, kind="stable")
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    starts = np.concatenate([[0], np.cumsum(counts)])
    offset = int((codes < 0).sum())  # missing question ids sort first; skip them
    return {str(q): order[offset + starts[i] : offset + starts[i + 1]] for i, q in enumerate(uniques)}


def _last_per_submission(positions: np.ndarray, n: int) -> np.ndarray | None:
    """Indices keeping only the last answer per submission, or None when there are no duplicates."""
    if len(positions) == 0 or np.bincount(positions, minlength=n).max() <= 1:
        return None
    reversed_positions = positions[::-1]
    _, first_in_reversed = np.unique(reversed_positions, return_index=True)
    return np.sort(len(positions) - 1 - first_in_reversed)


def _select(
    rows: np.ndarray | None, positions: np.ndarray, values: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    if rows is None or len(rows) == 0:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=object)
    pos, vals = positions[rows], values[rows]
    present = pd.notna(vals) & (pos >= 0)
    pos, vals = pos[present], vals[present]
    keep = _last_per_submission(pos, n)
    if keep is not None:
        pos, vals = pos[keep], vals[keep]
    return pos, vals


def _score_column(question: Question, pos: np.ndarray, vals: np.ndarray, n: int) -> _Column:
    kind = question.type
    answered = np.zeros(n, dtype=bool)
    self_score = np.full(n, np.nan) if kind == "text" else np.zeros(n)
    number = np.full(n, np.nan) if kind == "number" else None
    files = np.zeros(n) if kind == "evidence" else None
    column = _Column(pos, vals, answered, self_score, number, files)
    if len(pos) == 0:
        return column

    if kind == "text":
        answered[pos] = pd.Series(vals).str.strip().str.len().fillna(0).to_numpy() > 0
        return column
    answered[pos] = True
    if number is not None:  # a number question
        numbers = vals.astype(float)
        number[pos] = numbers
        self_score[pos] = _band_scores(question, numbers)
    elif files is not None:  # an evidence question
        counts = pd.Series(vals).str.len().fillna(0).to_numpy(dtype=float)
        files[pos] = counts
        self_score[pos] = (counts > 0).astype(float)
    else:
        _fill_answer_scores(question, pos, vals, self_score)
    return column


def _band_scores(question: Question, numbers: np.ndarray) -> np.ndarray:
    scores = np.zeros(len(numbers))
    placed = np.zeros(len(numbers), dtype=bool)
    for band in question.bands or ():  # first matching band wins, as in Band.contains order
        inside = ~placed & (numbers >= band.min)
        if band.max is not None:
            inside &= numbers < band.max
        scores[inside] = band.score
        placed |= inside
    return scores


def _fill_answer_scores(question: Question, pos: np.ndarray, vals: np.ndarray, self_score: np.ndarray) -> None:
    """Self scores of scale, yes/no, choice and multichoice answers, written at their positions."""
    kind = question.type
    if kind == "scale":
        top = len(question.levels or ()) - 1
        self_score[pos] = vals.astype(float) / top if top > 0 else 0.0
    elif kind == "yesno":
        scores = question.yes_no_scores
        self_score[pos] = np.where(vals.astype(bool), scores.yes, scores.no)
    elif kind == "choice":
        option_scores = {o.value: o.score for o in question.options or ()}
        self_score[pos] = pd.Series(vals).map(option_scores).fillna(0.0).to_numpy(dtype=float)
    elif kind == "multichoice":
        option_scores = {o.value: o.score for o in question.options or ()}
        chosen = pd.Series(vals, index=pos).explode().dropna()
        # A repeated option counts once, as in the single path.
        pairs = pd.DataFrame({"row": chosen.index.to_numpy(), "option": chosen.to_numpy()}).drop_duplicates()
        pairs["score"] = pairs["option"].map(option_scores).fillna(0.0).astype(float)
        totals = pairs.groupby("row")["score"].sum()
        self_score[pos] = 0.0
        self_score[totals.index.to_numpy(dtype=np.intp)] = np.minimum(1.0, totals.to_numpy())


def _condition_holds(condition: ShowIf, controller: Question, column: _Column, n: int) -> np.ndarray:
    holds = np.zeros(n, dtype=bool)
    if len(column.positions) == 0:
        return holds
    if controller.type in _LIST_TYPES:
        # Lists are unhashable, so group identical lists by their joined text and ask the model's
        # own ShowIf.holds once per distinct list; whatever holds means for lists stays in one place.
        joined = pd.Series(column.values).str.join(_LIST_SEPARATOR)
        codes, uniques = pd.factorize(joined)
        verdicts = np.array(
            [bool(condition.holds(u.split(_LIST_SEPARATOR) if u else [])) for u in uniques] + [False], dtype=bool
        )
        holds[column.positions] = verdicts[codes]  # code -1 (not a list of text) picks the trailing False
        return holds
    # Evaluate the model's own ShowIf.holds once per distinct answer, so equality semantics match
    # the single path exactly (True == 1, 2 == 2.0, ...).
    codes, uniques = pd.factorize(pd.Series(column.values, dtype=object))
    verdicts = np.array([bool(condition.holds(u)) for u in uniques], dtype=bool)
    holds[column.positions] = verdicts[codes]
    return holds


@dataclass
class _Consensus:
    """The moderation frame split as ``scoring.rules.split_moderation`` splits one submission's."""

    scores: dict[str, np.ndarray]  # question id -> float[n], NaN where no consensus score
    verified: dict[str, np.ndarray]  # question id -> bool[n], a verified answer replaces the provider's
    # Long-format rows (submission, question, value) of the verified answers.
    answers: pd.DataFrame | None


def _consensus_values(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(score, is a verified answer, the verified answer) for each consensus value, column-wise.

    A score is a number; a judgement of evidence becomes its score; ``{"answer": v}`` has no score
    (NaN) and carries ``v``.  Anything else scores NaN, as the single path skips it."""
    series = pd.Series(values, dtype=object)
    kinds = series.map(type).to_numpy(dtype=object)
    # Element-wise comparisons over the array of types, not a type check on one value.
    is_dict = kinds == dict  # noqa: E721
    is_text = kinds == str  # noqa: E721
    scores = pd.to_numeric(series.where(~(is_dict | is_text)), errors="coerce").to_numpy(dtype=float)
    if is_text.any():
        scores[is_text] = series[is_text].map(SUFFICIENCY_SCORES).to_numpy(dtype=float)
    answers = np.full(len(values), None, dtype=object)
    if is_dict.any():
        answers[is_dict] = [value.get("answer") for value in values[is_dict]]
    is_answer = is_dict & pd.notna(answers)
    scores[is_dict] = np.nan
    return scores, is_answer, answers


def _consensus(plan: ScoringPlan, moderation: pd.DataFrame | None, index: pd.Index) -> _Consensus:
    if moderation is None or moderation.empty:
        return _Consensus({}, {}, None)
    score_column = "score" if "score" in moderation.columns else "value"
    scores, is_answer, answer_values = _consensus_values(moderation[score_column].to_numpy(dtype=object))
    positions = index.get_indexer(pd.Index(moderation["submission"]))
    n = len(index)
    row_numbers = np.arange(len(moderation)).astype(object)
    out_scores: dict[str, np.ndarray] = {}
    out_verified: dict[str, np.ndarray] = {}
    pieces = []
    for qid, rows in _rows_by_question(moderation["question"]).items():
        if qid not in plan.question_index:
            continue
        # The last consensus given for a question wins, whatever its form, as in a dict.
        pos, kept = _select(rows, positions, row_numbers, n)
        kept = kept.astype(np.intp)
        column = np.full(n, np.nan)
        column[pos] = scores[kept]
        out_scores[qid] = column
        if qid in plan.member_question_ids:
            continue
        chosen = is_answer[kept]
        if chosen.any():
            flags = np.zeros(n, dtype=bool)
            flags[pos[chosen]] = True
            out_verified[qid] = flags
            pieces.append(
                pd.DataFrame({"submission": index[pos[chosen]], "question": qid, "value": answer_values[kept[chosen]]})
            )
    answers = pd.concat(pieces, ignore_index=True) if pieces else None
    return _Consensus(out_scores, out_verified, answers)


def _require(frame: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} is missing column(s): {', '.join(missing)}")


def _visibility(
    questions: list[Question],
    plan: ScoringPlan,
    scored: dict[str, _Column],
    n: int,
    allowed: frozenset[str] | None = None,
) -> dict[str, np.ndarray]:
    """Visibility columns for ``questions`` (in visibility order); a controller outside ``allowed``
    counts as unanswered, as in the single path."""
    visible: dict[str, np.ndarray] = {}
    for question in questions:
        condition = question.show_if
        controller = plan.question_index.get(condition.question) if condition else None
        if controller is not None and allowed is not None and controller.id not in allowed:
            controller = None
        if question.id in plan.cyclic:
            visible[question.id] = np.zeros(n, dtype=bool)
        elif condition is None:
            visible[question.id] = np.ones(n, dtype=bool)
        elif controller is None:
            visible[question.id] = np.zeros(n, dtype=bool)
        else:
            controller_column = scored[controller.id]
            visible[question.id] = (
                visible[controller.id]
                & controller_column.answered
                & _condition_holds(condition, controller, controller_column, n)
            )
    return visible


def _member_declarations(
    plan: ScoringPlan, member_answers: pd.DataFrame | None, index: pd.Index
) -> dict[str, np.ndarray]:
    """Per per_member domain: bool[n], every member of the submission (at least one) is clear."""
    n = len(index)
    out = {d.id: np.zeros(n, dtype=bool) for d in plan.member_domains}
    if not plan.member_domains or member_answers is None or member_answers.empty:
        return out
    submission_positions = index.get_indexer(pd.Index(member_answers["submission"]))
    pairs = pd.DataFrame(
        {"submission": submission_positions, "member": member_answers["member"].to_numpy(dtype=object)}
    )
    # A (submission, member) pair exists through any of its rows, whatever they answer, just as a
    # member listed in the single path's mapping exists even when its answers are empty or unknown.
    pair = pairs.groupby(["submission", "member"], sort=False, dropna=False).ngroup().to_numpy()
    n_pairs = int(pair.max()) + 1
    pair_submission = np.zeros(n_pairs, dtype=np.intp)
    pair_submission[pair] = submission_positions

    values = member_answers["value"].to_numpy(dtype=object)
    rows = _rows_by_question(member_answers["question"])
    scored = {}
    for question in plan.member_visibility_order:
        pos, vals = _select(rows.get(question.id), pair, values, n_pairs)
        scored[question.id] = _score_column(question, pos, vals, n_pairs)
    visible = _visibility(plan.member_visibility_order, plan, scored, n_pairs, plan.member_question_ids)

    members = np.bincount(pair_submission, minlength=n)
    for domain in plan.member_domains:
        clear = np.ones(n_pairs, dtype=bool)
        for question in domain.questions:
            if question.type not in DECLARATION_TYPES:
                continue
            column = scored[question.id]
            # Same comparison as engine.meets(score, 1.0).
            clear &= ~visible[question.id] | (column.answered & (column.self_score >= 1.0 - TOLERANCE))
        clear_members = np.bincount(pair_submission, weights=clear.astype(float), minlength=n)
        out[domain.id] = (members > 0) & (clear_members == members)
    return out


def _output_columns(plan: ScoringPlan) -> list[str]:
    names = (
        [d.id for d in plan.domains]
        + ["overall", "rag"]
        + [g.id for g in plan.framework.gates]
        + ["recommendation", "provisional", "verified_share", "awaiting_evaluation"]
    )
    clashes = sorted({c for c in names if names.count(c) > 1})
    if clashes:
        raise ValueError(
            f"cannot tabulate: domain and gate ids clash with each other or with result columns: {', '.join(clashes)}"
        )
    return names


@dataclass
class _Sums:
    """Per-question results folded into per-domain sums, over all submissions."""

    gate_values: dict[str, np.ndarray]  # settled gate values of questions criteria name
    awaited: dict[str, np.ndarray]  # question id -> bool[n], awaiting evaluation
    domain_num: dict[str, np.ndarray]  # Σ w·value as shown
    settled_num: dict[str, np.ndarray]  # Σ w·value, answers awaiting evaluation counting 0
    domain_den: dict[str, np.ndarray]  # Σ w over questions shown
    checked_weight: dict[str, np.ndarray]  # Σ w over verified questions shown, or ones claiming nothing
    domain_awaits: dict[str, np.ndarray]  # domain id -> bool[n], some answer in it is awaited
    awaiting: np.ndarray  # int[n], answers awaiting evaluation


def _question_sums(
    plan: ScoringPlan, scored: dict[str, _Column], visible: dict[str, np.ndarray], consensus: _Consensus, n: int
) -> _Sums:
    named = {c.question for c in plan.criteria if c.question}
    sums = _Sums(
        gate_values={},
        awaited={},
        domain_num={d.id: np.zeros(n) for d in plan.domains},
        settled_num={d.id: np.zeros(n) for d in plan.domains},
        domain_den={d.id: np.zeros(n) for d in plan.domains},
        checked_weight={d.id: np.zeros(n) for d in plan.domains},
        domain_awaits={d.id: np.zeros(n, dtype=bool) for d in plan.domains},
        awaiting=np.zeros(n, dtype=np.int64),
    )
    for question in plan.questions:
        column, shown = scored[question.id], visible[question.id]
        moderation_scores = consensus.scores.get(question.id)
        unmoderated = np.ones(n, dtype=bool) if moderation_scores is None else np.isnan(moderation_scores)
        own = np.zeros(n) if question.type == "text" else column.self_score
        effective = own if moderation_scores is None else np.where(unmoderated, own, moderation_scores)
        waiting = np.zeros(n, dtype=bool)
        if plan.needs_evaluation(question) and question.type in JUDGED_TYPES:
            material = column.answered if column.files is None else column.files > 0
            waiting = shown & material & unmoderated
            sums.awaiting += waiting
        sums.awaited[question.id] = waiting
        settled = np.where(waiting, 0.0, effective)
        if question.id in named:
            sums.gate_values[question.id] = np.where(shown, settled, np.nan)
        domain_id = plan.domain_of[question.id].id
        sums.domain_awaits[domain_id] |= waiting
        if question.weight > 0:
            verified = ~unmoderated | consensus.verified.get(question.id, np.zeros(n, dtype=bool))
            sums.domain_num[domain_id] += question.weight * np.where(shown, effective, 0.0)
            sums.settled_num[domain_id] += question.weight * np.where(shown, settled, 0.0)
            sums.domain_den[domain_id] += question.weight * shown
            claims = column.answered if column.files is None else column.files > 0
            sums.checked_weight[domain_id] += question.weight * (shown & (verified | ~claims))
    return sums


def _aggregate(
    plan: ScoringPlan, sums: _Sums, n: int
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray]:
    """(domain scores, settled domain scores, overall, settled overall, verified share)."""
    domain_scores: dict[str, np.ndarray] = {}
    settled_scores: dict[str, np.ndarray] = {}
    overall_num, settled_overall_num, overall_den = np.zeros(n), np.zeros(n), np.zeros(n)
    share_num = np.zeros(n)
    for domain in plan.domains:
        den = sums.domain_den[domain.id]
        if domain.per_member:
            domain_scores[domain.id] = settled_scores[domain.id] = np.full(n, np.nan)
            continue
        with np.errstate(invalid="ignore", divide="ignore"):
            score = np.where(den > 0, np.minimum(100.0, 100.0 * sums.domain_num[domain.id] / den), np.nan)
            settled = np.where(den > 0, np.minimum(100.0, 100.0 * sums.settled_num[domain.id] / den), np.nan)
            checked = np.where(den > 0, sums.checked_weight[domain.id] / den, 0.0)
        domain_scores[domain.id] = score
        settled_scores[domain.id] = settled
        has_score = ~np.isnan(score)
        overall_num += np.where(has_score, domain.weight * score, 0.0)
        settled_overall_num += np.where(has_score, domain.weight * settled, 0.0)
        share_num += np.where(has_score, domain.weight * checked, 0.0)
        overall_den += domain.weight * has_score
    with np.errstate(invalid="ignore", divide="ignore"):
        overall = np.where(overall_den > 0, np.minimum(100.0, overall_num / overall_den), np.nan)
        settled_overall = np.where(overall_den > 0, np.minimum(100.0, settled_overall_num / overall_den), np.nan)
        share = np.where(overall_den > 0, np.minimum(1.0, share_num / overall_den), np.nan)
    return domain_scores, settled_scores, overall, settled_overall, share


def score_cohort(
    questionnaire: Questionnaire,
    framework: Framework,
    answers: pd.DataFrame,
    moderation: pd.DataFrame | None = None,
    member_answers: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per submission (index ``submission``, sorted).

    ``answers``: long format, columns ``submission``, ``question``, ``value`` (encoded as for
    ``score_submission``; None/NaN = unanswered; if a submission answers a question twice the
    later row wins).  ``moderation``: columns ``submission``, ``question`` and ``score`` (or
    ``value``).  ``member_answers``: columns ``submission``, ``member``, ``question``, ``value``,
    the answers of each member organisation to the per_member questions (a member exists through
    any of its rows; later duplicates win).  Rows for unknown questions are ignored, and so are
    joint rows for per_member questions and member rows for joint ones: validate first.
    Columns: each domain id (NaN = not scored; always NaN for a per_member domain), ``overall``,
    ``rag``, each gate id (outcome), ``recommendation``, ``provisional`` (some criterion is unmet
    only for want of evaluation), ``verified_share`` and ``awaiting_evaluation`` (number of
    questions awaiting evaluation).  ``moderation``'s values take every form the single path
    reads: scores, judgements of evidence and ``{"answer": value}``.
    """
    plan = plan_for(questionnaire, framework)
    columns = _output_columns(plan)
    _check_inputs(answers, moderation, member_answers)
    index = _submission_index(answers, moderation, member_answers)
    n = len(index)

    consensus = _consensus(plan, moderation, index)
    if consensus.answers is not None:
        # Appended last, so each verified answer wins over the provider's, as in the single path.
        answers = pd.concat([answers[["submission", "question", "value"]], consensus.answers], ignore_index=True)
    positions = index.get_indexer(pd.Index(answers["submission"]))
    values = answers["value"].to_numpy(dtype=object)
    rows = _rows_by_question(answers["question"]) if len(answers) else {}
    moderated = consensus.scores

    scored: dict[str, _Column] = {}
    for question in plan.questions:
        pos, vals = _select(rows.get(question.id), positions, values, n)
        scored[question.id] = _score_column(question, pos, vals, n)

    visible = _visibility(plan.visibility_order, plan, scored, n)
    for qid in plan.member_question_ids:  # not applicable to the joint answers
        visible[qid] = np.zeros(n, dtype=bool)
    declarations = _member_declarations(plan, member_answers, index)

    sums = _question_sums(plan, scored, visible, consensus, n)
    domain_scores, settled_scores, overall, settled_overall, share = _aggregate(plan, sums, n)
    gate_values, awaited, domain_awaits = sums.gate_values, sums.awaited, sums.domain_awaits
    any_awaited = np.zeros(n, dtype=bool)
    for domain in plan.joint_domains:
        any_awaited |= domain_awaits[domain.id]

    table: dict[str, object] = {d.id: domain_scores[d.id] for d in plan.domains}
    table["overall"] = overall
    table["rag"] = _rag_labels(framework, overall)
    any_fail, any_conditional = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    provisional = np.zeros(n, dtype=bool)
    for gate in framework.gates:
        fails, conditions = np.zeros(n, dtype=bool), np.zeros(n, dtype=np.int64)
        for criterion in gate.criteria:
            passed = _criterion_passes(
                criterion,
                plan,
                scored,
                visible,
                gate_values,
                settled_scores,
                settled_overall,
                n,
                declarations,
                moderated,
            )
            provisional |= ~passed & _criterion_awaits(criterion, plan, visible, awaited, domain_awaits, any_awaited, n)
            if criterion.on_fail == GateOutcome.FAIL.value:
                fails |= ~passed
            else:
                conditions += ~passed
        if gate.max_conditional is not None:
            fails |= conditions > gate.max_conditional
        conditional = conditions > 0
        # Plain strings in the table, as before: the outcomes' values.
        table[gate.id] = np.where(
            fails, GateOutcome.FAIL.value, np.where(conditional, GateOutcome.CONDITIONAL.value, GateOutcome.PASS.value)
        ).astype(object)
        any_fail |= fails
        any_conditional |= conditional & ~fails
    table["recommendation"] = np.where(
        any_fail,
        Recommendation.OPEN_PROCUREMENT.value,
        np.where(any_conditional, Recommendation.PROCEED_WITH_CONDITIONS.value, Recommendation.PROCEED.value),
    ).astype(object)
    table["provisional"] = provisional
    table["verified_share"] = share
    table["awaiting_evaluation"] = sums.awaiting
    return pd.DataFrame(table, index=index, columns=columns)


def _criterion_awaits(
    criterion: Criterion,
    plan: ScoringPlan,
    visible: dict[str, np.ndarray],
    awaited: dict[str, np.ndarray],
    domain_awaits: dict[str, np.ndarray],
    any_awaited: np.ndarray,
    n: int,
) -> np.ndarray:
    """Where an unmet criterion is awaiting evaluation: an answer it reads is not judged yet.

    The same rule as ``engine.criterion_status``."""
    if criterion.type in ("question_min", "number_min", "evidence_required"):
        if criterion.question not in plan.question_index:
            return np.zeros(n, dtype=bool)
        unjudged: np.ndarray = visible[criterion.question_id] & awaited[criterion.question_id]
        return unjudged
    if criterion.type == "domain_min":
        return domain_awaits.get(criterion.domain_id, np.zeros(n, dtype=bool))
    if criterion.type == "overall_min":
        return any_awaited
    return np.zeros(n, dtype=bool)


def _check_inputs(answers: pd.DataFrame, moderation: pd.DataFrame | None, member_answers: pd.DataFrame | None) -> None:
    _require(answers, ("submission", "question", "value"), "answers")
    if moderation is not None:
        _require(moderation, ("submission", "question"), "moderation")
        if "score" not in moderation.columns and "value" not in moderation.columns:
            raise ValueError("moderation needs a 'score' (or 'value') column")
    if member_answers is not None:
        _require(member_answers, ("submission", "member", "question", "value"), "member_answers")


def _submission_index(
    answers: pd.DataFrame, moderation: pd.DataFrame | None, member_answers: pd.DataFrame | None
) -> pd.Index:
    """Every submission named in any of the inputs, sorted: the rows of the result."""
    submissions = answers["submission"]
    if moderation is not None and not moderation.empty:
        submissions = pd.concat([submissions, moderation["submission"]], ignore_index=True)
    if member_answers is not None and not member_answers.empty:
        submissions = pd.concat([submissions, member_answers["submission"]], ignore_index=True)
    return pd.Index(pd.unique(submissions.to_numpy()), name="submission").sort_values()


def _rag_labels(framework: Framework, overall: np.ndarray) -> np.ndarray:
    rag = np.full(len(overall), None, dtype=object)
    labelled = np.zeros(len(overall), dtype=bool)
    for band in framework.rag:  # first band whose minimum is met, as Framework.rag_label does
        hit = ~labelled & (overall + TOLERANCE >= band.min)  # same expression as the single path
        rag[hit] = band.label
        labelled |= hit
    return rag


def _criterion_passes(
    criterion: Criterion,
    plan: ScoringPlan,
    scored: dict[str, _Column],
    visible: dict[str, np.ndarray],
    gate_values: dict[str, np.ndarray],
    domain_scores: dict[str, np.ndarray],
    overall: np.ndarray,
    n: int,
    declarations: dict[str, np.ndarray],
    moderated: dict[str, np.ndarray],
) -> np.ndarray:
    """``domain_scores`` and ``overall`` are the settled scores (answers awaiting evaluation count 0)."""
    threshold = (criterion.min - TOLERANCE) if criterion.min is not None else None
    if criterion.type == "member_declarations":
        clear = declarations.get(criterion.domain_id)
        return np.zeros(n, dtype=bool) if clear is None else clear
    with np.errstate(invalid="ignore"):
        if criterion.type == "domain_min":
            scores = domain_scores.get(criterion.domain_id)
            return np.zeros(n, dtype=bool) if scores is None else scores >= threshold
        if criterion.type == "overall_min":
            return overall >= threshold
        if criterion.question not in plan.question_index:
            return np.zeros(n, dtype=bool)
        shown = visible[criterion.question]
        column = scored[criterion.question]
        if criterion.type == "question_min":
            return gate_values[criterion.question] >= threshold
        if criterion.type == "number_min":
            if column.number is None:
                return np.zeros(n, dtype=bool)
            return shown & (column.number >= threshold)
        if criterion.type == "evidence_required":
            judged = moderated.get(criterion.question_id)
            if column.files is None or judged is None:
                return np.zeros(n, dtype=bool)
            required = SUFFICIENCY_SCORES[criterion.required_sufficiency] - TOLERANCE
            return shown & (column.files > 0) & (judged >= required)
    return np.zeros(n, dtype=bool)
