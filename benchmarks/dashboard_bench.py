"""The round dashboard with 2,000 submissions: server time per request, against a 300 ms target.

    python -m benchmarks.dashboard_bench               # 2,000 submissions, median of 15 requests each
    python -m benchmarks.dashboard_bench --submissions 500 --runs 9

Builds a throw-away SQLite database with the migrations, imports the shipped questionnaire and
framework, and adds a round of applicants (a third of them alliances with two partners) whose
random answers, and each member organisation's own declarations, are scored through the one
scoring path (``services.scores.score``), so every stored summary is what the app itself would have
stored.  The signed-in moderator has declared no conflict of interest with any applicant, as the
app requires before it shows a round's submissions.  Building is not timed.

Then a signed-in commissioner requests the dashboard through the Flask test client: default order,
filtered, sorted by applicant, and a later page.  The comparison view (pandas quartiles over every
submission, the chart and the first page of the table) is timed too, for information.  Last, the
dashboard right after providers have edited 50 drafts: autosaves only mark a draft's stored summary
stale, and the dashboard rescores stale drafts before it lists them, so that view pays for them.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

TARGET_MS = 300.0
PASSWORD = "benchmark-password-2026"
STATUSES = ("submitted", "under_review", "decided", "draft")


def _app(directory: Path):
    from flask_migrate import upgrade

    from assessor import create_app

    app = create_app(
        {
            "ENV_NAME": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory / 'bench.sqlite'}",
            "UPLOAD_FOLDER": str(directory / "uploads"),
            "RATELIMIT_STORAGE_URI": "memory://",
            "LOGIN_RATE_LIMIT": "1000 per minute",
        }
    )
    with app.app_context():
        upgrade()
    return app


# The round's contract parameters: a capitated population and term that meet the shipped gates.
CONTRACT = {
    "strategy.capitated_population": 120000,
    "strategy.contract_services": ["primary_care", "acute", "community", "mental_health", "social_care"],
    "strategy.contract_term": 7,
    "strategy.contract_envelope": 395,
}


def _best_answer(question):
    """The highest-scoring answer to a question, as a strong applicant would give it."""
    if question.type == "scale":
        return len(question.levels) - 1
    if question.type == "yesno":
        return question.yes_no_scores.yes >= question.yes_no_scores.no
    if question.type == "choice":
        return max(question.options, key=lambda o: o.score).value
    if question.type == "multichoice":
        return [o.value for o in question.options]
    if question.type == "number":
        return max(question.bands or [], key=lambda b: b.score).min if question.bands else 1
    return "A full answer with named owners, dates and evidence of delivery."


def _consensus_row(submission, question, moderator, score: float, **verdict) -> dict:
    """One consensus row; every row carries every verdict column so they insert as one batch."""
    return {
        "submission_id": submission.id,
        "question_id": question.id,
        "score": score,
        "rationale": "Benchmark consensus",
        "moderator_id": moderator.id,
        "verified_answer_json": verdict.get("verified_answer_json"),
        "sufficiency": verdict.get("sufficiency"),
        "evidence_location": "Section 1" if verdict.get("sufficiency") else None,
    }


def _evidence(rng, submission, evidence, quality: float, moderator) -> tuple[list[dict], list[dict]]:
    """The files a submission attaches (more, the stronger it is) and the consensus judging most of
    them: sufficient, likelier the stronger the applicant."""
    from questionnaires import SUFFICIENCY_SCORES

    attached = [q for q in evidence if rng.random() < quality]
    files = [
        {
            "submission_id": submission.id,
            "question_id": q.id,
            "original_name": f"{q.id}.pdf",
            "stored_name": secrets.token_hex(16),
            "content_type": "application/pdf",
            "size": 1,
            "sha256": "0" * 64,
        }
        for q in attached
    ]
    judged = []
    for question in attached:
        if rng.random() < 0.9:
            judgement = "sufficient" if rng.random() < quality else rng.choice(("partly", "not_sufficient"))
            judged.append(
                _consensus_row(submission, question, moderator, SUFFICIENCY_SCORES[judgement], sufficiency=judgement)
            )
    return files, judged


def build_round(app, count: int, seed: int = 2026) -> int:
    """A round with ``count`` scored submissions; returns the round id."""
    from assessor.extensions import db
    from assessor.models import (
        Answer,
        Applicant,
        ApplicantMember,
        ConflictDeclaration,
        Evidence,
        MemberAnswer,
        ModeratedScore,
        Organisation,
        Round,
        RoundAnswer,
        Submission,
        User,
        utcnow,
    )
    from assessor.passwords import hash_password
    from assessor.services.definitions import framework_for, import_definition, questionnaire_for
    from assessor.services.member_declarations import declaration_questions, visible_declarations
    from assessor.services.scores import score
    from assessor.services.verification import gate_questions
    from questionnaires import DEFAULT_FRAMEWORK_PATH, DEFAULT_QUESTIONNAIRE_PATH
    from scoring.synthetic import clear_answer, random_answer, random_answers

    rng = random.Random(seed)
    with app.app_context():
        questionnaire_row, _ = import_definition(DEFAULT_QUESTIONNAIRE_PATH)
        framework_row, _ = import_definition(DEFAULT_FRAMEWORK_PATH)
        round_ = Round(
            name="Benchmark round",
            description="",
            questionnaire_id=questionnaire_row.id,
            framework_id=framework_row.id,
            status="open",
        )
        db.session.add(round_)
        moderator = User(
            email="bench@icb.example",
            name="Bench Moderator",
            role="moderator",
            password_hash=hash_password(PASSWORD),
            session_token=secrets.token_hex(16),
        )
        db.session.add(moderator)
        db.session.flush()
        questionnaire = questionnaire_for(round_)
        answerable = [q for q in questionnaire.questions() if q.type != "evidence"]
        evidence = [q for q in questionnaire.questions() if q.type == "evidence"]
        gate_read = gate_questions(framework_for(round_))
        declared = declaration_questions(questionnaire)
        # The joint form never asks the per-member questions, so no joint answer to them is stored, nor
        # the round's contract parameters or the applicant type, which the provider does not answer.
        answerable = [q for q in answerable if not questionnaire.is_per_member(q.id) and q.answered_by == "provider"]
        db.session.add_all(
            RoundAnswer(
                round_id=round_.id, question_id=q.id, value_json=json.dumps(CONTRACT.get(q.id, _best_answer(q)))
            )
            for q in questionnaire.questions()
            if q.answered_by == "round"
        )
        organisations = [
            Organisation(name=f"Benchmark organisation {i:05d}", kind="gp_federation") for i in range(count * 2)
        ]
        db.session.add_all(organisations)
        db.session.flush()
        submissions, member_ids = [], {}
        for index in range(count):
            lead = organisations[index]
            applicant = Applicant(
                name=f"Applicant {rng.randrange(10**6):06d} {index:05d}", lead_organisation_id=lead.id
            )
            db.session.add(applicant)
            db.session.flush()
            members = [lead] + (
                [organisations[count + index], organisations[(count + index + 1) % (2 * count)]]
                if index % 3 == 0
                else []
            )
            db.session.add_all(ApplicantMember(applicant_id=applicant.id, organisation_id=o.id) for o in members)
            submission = Submission(round_id=round_.id, applicant_id=applicant.id, status=STATUSES[index % 4])
            db.session.add(submission)
            submissions.append(submission)
            member_ids[submission] = [o.id for o in members]
        db.session.flush()
        rows, files, consensus, declarations = [], [], [], []
        for submission in submissions:
            # Applicants differ in strength, so the round holds every recommendation, RAG band and gate outcome.
            quality = rng.uniform(0.25, 1.0)
            answers = random_answers(rng, questionnaire, answer_rate=0.95)
            for question in answerable:
                value = _best_answer(question) if rng.random() < quality else answers.get(question.id)
                if value is not None:
                    rows.append(
                        {
                            "submission_id": submission.id,
                            "question_id": question.id,
                            "value_json": json.dumps(value),
                            "version": 1,
                        }
                    )
                if question.type == "text" and rng.random() < 0.9:
                    consensus.append(
                        _consensus_row(
                            submission,
                            question,
                            moderator,
                            min(1.0, round(quality * 4 + rng.choice((-1, 0, 0, 1))) / 4),
                        )
                    )
                elif question.id in gate_read and value is not None and rng.random() < 0.9:
                    # Evaluators verified most answers the gates read, confirming them as given.
                    consensus.append(
                        _consensus_row(submission, question, moderator, 1.0, verified_answer_json=json.dumps(value))
                    )
            attached, judged = _evidence(rng, submission, evidence, quality, moderator)
            files.extend(attached)
            consensus.extend(judged)
            # Every member organisation, a single provider's lead included, answers the per-member
            # domain for itself; without it the eligibility gate fails and every submission would be
            # sent to open procurement.  An adverse declaration is the exception, likelier the weaker
            # the applicant (at most one answer in four), and shows the explanation it asks for.
            for organisation_id in member_ids[submission]:
                own = {}
                for question in declared:
                    clear = clear_answer(question)
                    if clear is not None:
                        own[question.id] = clear if rng.random() > (1 - quality) / 4 else random_answer(rng, question)
                shown = visible_declarations(questionnaire, own)
                own.update(
                    {
                        q.id: "What happened, how it was resolved and why it does not put this contract at risk."
                        for q in declared
                        if q.type == "text" and q.id in shown
                    }
                )
                declarations.extend(
                    {
                        "submission_id": submission.id,
                        "organisation_id": organisation_id,
                        "question_id": question_id,
                        "value_json": json.dumps(value),
                        "version": 1,
                    }
                    for question_id, value in own.items()
                )
        db.session.execute(db.insert(Answer), rows)
        db.session.execute(db.insert(Evidence), files)
        db.session.execute(db.insert(ModeratedScore), consensus)
        db.session.execute(db.insert(MemberAnswer), declarations)
        # The moderator would otherwise be sent to the declarations page instead of the dashboard.
        # These are the rows conflicts.declare saves for "no conflict"; its audit events are left
        # out, as they are for the answers above, because no timed page reads them.
        declared_at = utcnow()
        db.session.execute(
            db.insert(ConflictDeclaration),
            [
                {
                    "round_id": round_.id,
                    "user_id": moderator.id,
                    "applicant_id": submission.applicant_id,
                    "has_conflict": False,
                    "description": "",
                    "declared_at": declared_at,
                }
                for submission in submissions
            ],
        )
        for submission in submissions:
            score(submission)
        db.session.commit()
        return round_.id


def _mix(app, round_id: int) -> str:
    from assessor.extensions import db
    from assessor.models import Submission

    def counted(column) -> str:
        counts = db.session.execute(
            db.select(column, db.func.count()).filter_by(round_id=round_id).group_by(column)
        ).all()
        return ", ".join(f"{name} {count}" for name, count in sorted(counts, key=lambda c: str(c[0])))

    with app.app_context():
        return f"{counted(Submission.recommendation)}; RAG bands: {counted(Submission.rag)}"


def _checked(response, url: str):
    # A redirect or an error page is quick to serve, so timing one would report a page that never rendered.
    if response.status_code != 200:
        where = f" (to {response.location})" if response.location else ""
        raise SystemExit(f"FAILED: GET {url} answered {response.status_code}{where}; no timings printed for it")
    return response


def _median_ms(client, url: str, runs: int, before=None) -> tuple[float, float, int]:
    _checked(client.get(url), url)  # warm-up: templates compiled, caches filled
    times = []
    for _ in range(runs):
        if before is not None:
            before()  # not timed
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        _checked(response, url)
    return statistics.median(times), max(times), len(response.data)


STALE_DRAFTS = 50


def _edit_drafts(app, round_id: int, count: int):
    """What providers' autosaves leave behind: ``count`` drafts whose stored summaries are stale."""
    from assessor.extensions import db
    from assessor.models import Submission

    with app.app_context():
        drafts = db.session.scalars(
            db.select(Submission.id).filter_by(round_id=round_id, status="draft").order_by(Submission.id).limit(count)
        ).all()

    def mark_stale():
        with app.app_context():
            db.session.execute(db.update(Submission).where(Submission.id.in_(drafts)).values(inputs_hash=None))
            db.session.commit()

    return mark_stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as directory:
        app = _app(Path(directory))
        start = time.perf_counter()
        round_id = build_round(app, args.submissions)
        print(
            f"Built {args.submissions:,} scored submissions in {time.perf_counter() - start:.1f} s "
            f"(not timed below); recommendations: {_mix(app, round_id)}"
        )
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        response = client.post("/login", data={"email": "bench@icb.example", "password": PASSWORD, "csrf_token": token})
        if response.status_code != 302:
            raise SystemExit("could not sign in")

        base = f"/review/rounds/{round_id}"
        # Each case: what it times, the page, and what to do (untimed) before each request.
        cases = [
            ("dashboard, default order (overall, best first)", base, None),
            (
                "dashboard, filtered by status and recommendation",
                f"{base}?status=submitted&recommendation=open_procurement",
                None,
            ),
            ("dashboard, filtered by RAG, sorted by applicant", f"{base}?rag=Amber&sort=applicant&order=asc", None),
            ("dashboard, page 20, sorted by progress", f"{base}?sort=progress&page=20", None),
            ("comparison view (pandas quartiles, chart, first page)", f"{base}/compare", None),
            (
                f"dashboard after edits to {STALE_DRAFTS} drafts (rescored first)",
                base,
                _edit_drafts(app, round_id, STALE_DRAFTS),
            ),
        ]
        print(
            f"Python {platform.python_version()} on {platform.machine()}, SQLite, "
            f"median of {args.runs} requests after one warm-up"
        )
        failed = False
        for label, url, before in cases:
            median, worst, size = _median_ms(client, url, args.runs, before)
            verdict = ""
            if url.startswith(base) and "/compare" not in url:
                ok = median < TARGET_MS
                failed |= not ok
                verdict = "  within target" if ok else f"  OVER the {TARGET_MS:.0f} ms target"
            print(f"  {label:<55} median {median:7.1f} ms  max {worst:7.1f} ms  {size / 1024:6.1f} KiB{verdict}")
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
