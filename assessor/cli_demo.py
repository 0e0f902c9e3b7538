"""The demo round `make run` serves: its applicants, people, answers and review activity."""

from __future__ import annotations

import json
import secrets
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import click
from flask.cli import with_appcontext

from questionnaires import DEFAULT_FRAMEWORK_PATH, DEFAULT_QUESTIONNAIRE_PATH

from .extensions import db
from .models import (
    Answer,
    Applicant,
    ApplicantMember,
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
from .passwords import hash_password
from .services.definitions import import_definition
from .states import RoundStatus, SubmissionStatus

DEMO_DIR = Path(__file__).parent / "demo"
DEMO_PASSWORD = "gateway-demo-2026"  # noqa: S105 - printed for everyone on purpose; demo data only
DEMO_ROUND = "Northshire frailty and long-term conditions: capability assessment 2026"

# (applicant key, applicant name, [(organisation, kind, users)], status, answers file)
DEMO_APPLICANTS = [
    (
        "alliance",
        "Northshire Care Alliance",
        [
            (
                "Northshire Acute and Community NHS Trust",
                "acute_community_trust",
                [
                    ("lead@northshire-trust.example", "Priya Shah", "lead"),
                    ("cio@northshire-trust.example", "Tom Okafor", "contributor"),
                ],
            ),
            (
                "Northshire Primary Care Collaborative",
                "gp_federation",
                [("gp@northshire-pcc.example", "Dr Helen Marsh", "contributor")],
            ),
            (
                "Northshire Mental Health NHS Trust",
                "mental_health_trust",
                [("mh@northshire-mh.example", "Sam Reid", "contributor")],
            ),
            (
                "Northshire County Council Adult Social Care",
                "social_care",
                [("asc@northshire-council.example", "Jo Kaur", "contributor")],
            ),
        ],
        SubmissionStatus.UNDER_REVIEW,
        "alliance.json",
    ),
    (
        "gp_federation",
        "Southvale GP Federation",
        [
            ("Southvale GP Federation", "gp_federation", [("lead@southvale-gpfed.example", "Dr Aaron Bell", "lead")]),
        ],
        SubmissionStatus.SUBMITTED,
        "gp_federation.json",
    ),
    (
        "integrated_provider",
        "Riverside Integrated Care",
        [
            (
                "Riverside Integrated Care",
                "integrated_provider",
                [("lead@riverside-icp.example", "Grace Adeyemi", "lead")],
            ),
        ],
        SubmissionStatus.DECIDED,
        "integrated_provider.json",
    ),
    (
        "draft",
        "Eastbrook Community Partnership",
        [
            ("Eastbrook Community Health", "community_trust", [("lead@eastbrook.example", "Olu Martins", "lead")]),
        ],
        SubmissionStatus.DRAFT,
        None,
    ),
]

# The demo round's contract parameters, set by its round administrator: the capitated population is
# the cohort the applicants' own cohort definitions count (38,400 people), well below the 100,000 at
# which the framework asks for extra risk protection, so every applicant that gets that far proceeds
# only with a condition on it.
DEMO_CONTRACT = {
    "strategy.capitated_population": 38400,
    "strategy.contract_services": ["primary_care", "acute", "community", "mental_health", "social_care"],
    "strategy.contract_term": 7,
    "strategy.contract_envelope": 395,
}

DEMO_COMMISSIONERS = [
    ("evaluator@northshire-icb.example", "Ravi Patel", "evaluator"),
    ("moderator@northshire-icb.example", "Claire Dunn", "moderator"),
    ("panel@northshire-icb.example", "Martin Hughes", "panel"),
    ("admin@northshire-icb.example", "Fiona Grant", "round_admin"),
    ("siteadmin@gateway.example", "Site Administrator", "site_admin"),
]


@lru_cache(maxsize=1)
def _demo_password_hash() -> str:
    # Every demo account shares the printed password, so one (salted) hash serves them all and
    # seeding does not pay for a deliberately slow hash per account.
    return hash_password(DEMO_PASSWORD)


def _user(email: str, name: str, role: str, organisation: Organisation | None) -> User:
    user = db.session.scalar(db.select(User).filter_by(email=email))
    if user is None:
        user = User(
            email=email,
            name=name,
            role=role,
            organisation_id=organisation.id if organisation else None,
            password_hash=_demo_password_hash(),
            session_token=secrets.token_hex(16),
        )
        db.session.add(user)
        db.session.flush()
    return user


def _organisation(name: str, kind: str) -> Organisation:
    organisation = db.session.scalar(db.select(Organisation).filter_by(name=name))
    if organisation is None:
        organisation = Organisation(name=name, kind=kind)
        db.session.add(organisation)
        db.session.flush()
    return organisation


def _demo_pdf(title: str) -> bytes:
    # A tiny but genuine one-page PDF so downloads open in a viewer.
    text = title.replace("(", "").replace(")", "")
    stream = f"BT /F1 14 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _seed_answers(submission: Submission, answers: dict, questionnaire, author: User) -> None:
    import hashlib

    from .services.submissions import storage

    for question_id, value in answers.items():
        question = questionnaire.question(question_id)
        if question is None:
            raise click.ClickException(f"demo answers name an unknown question {question_id!r}")
        if question.type == "evidence":
            for name in value:
                data = _demo_pdf(f"{submission.applicant.name}: {name}")
                db.session.add(
                    Evidence(
                        submission_id=submission.id,
                        question_id=question_id,
                        original_name=name,
                        stored_name=storage().save(data),
                        content_type="application/pdf",
                        size=len(data),
                        sha256=hashlib.sha256(data).hexdigest(),
                        uploaded_by_id=author.id,
                    )
                )
        else:
            db.session.add(
                Answer(
                    submission_id=submission.id,
                    question_id=question_id,
                    value_json=json.dumps(value),
                    version=1,
                    updated_by_id=author.id,
                )
            )


def _seed_applicant(round_, entry, questionnaire, moderation, declarations, moderator) -> Submission:
    """One demo applicant: its organisations and people, its submission in the given state and answers."""
    key, name, organisations, status, answers_file = entry
    orgs = []
    for org_name, kind, users in organisations:
        organisation = _organisation(org_name, kind)
        orgs.append((organisation, [_user(e, n, r, organisation) for e, n, r in users]))
    lead_org, lead_users = orgs[0]
    applicant = Applicant(name=name, lead_organisation_id=lead_org.id)
    db.session.add(applicant)
    db.session.flush()
    for organisation, _ in orgs:
        db.session.add(ApplicantMember(applicant_id=applicant.id, organisation_id=organisation.id))
    submission = Submission(round_id=round_.id, applicant_id=applicant.id, status=status)
    db.session.add(submission)
    db.session.flush()
    if answers_file:
        answers = json.loads((DEMO_DIR / answers_file).read_text())
        _seed_answers(submission, answers, questionnaire, lead_users[0])
    for org_name, declared in declarations.get(key, {}).items():
        organisation = next(org for org, _ in orgs if org.name == org_name)
        author = next(users for org, users in orgs if org.name == org_name)[0]
        for question_id, value in declared.items():
            db.session.add(
                MemberAnswer(
                    submission_id=submission.id,
                    organisation_id=organisation.id,
                    question_id=question_id,
                    value_json=json.dumps(value),
                    updated_by_id=author.id,
                )
            )
    if status != SubmissionStatus.DRAFT:
        submission.submitted_at = utcnow()
        submission.submitted_by_id = lead_users[0].id
    if status in (SubmissionStatus.UNDER_REVIEW, SubmissionStatus.DECIDED):
        for question_id, value in moderation.get(key, {}).items():
            db.session.add(
                ModeratedScore(
                    submission_id=submission.id,
                    question_id=question_id,
                    rationale=_demo_rationale(value, "Consensus of the evaluation panel"),
                    moderator_id=moderator.id,
                    **demo_verdict(questionnaire, question_id, value).stored(),
                )
            )
    db.session.flush()
    db.session.refresh(submission)
    return submission


def demo_verdict(questionnaire, question_id: str, value):
    """A demo consensus in the engine's form (a score, a judgement of evidence or {"answer": value})
    as the verdict the services store."""
    from .services.evaluation import Verdict, judged_verdict, verified_verdict

    if isinstance(value, str):
        return judged_verdict(value, "" if value == "not_sufficient" else "The whole document, read in full")
    if isinstance(value, dict):
        question = questionnaire.question(question_id)
        return verified_verdict(question, None, False, value["answer"])
    return Verdict(float(value))


def _demo_rationale(value, who: str) -> str:
    if isinstance(value, dict):
        return f"{who}: the answer checked against the evidence supplied (demo data)."
    if isinstance(value, str):
        return f"{who}: the evidence read and judged against the question's guidance (demo data)."
    return f"{who} (demo data)."


def _seed_review_activity(seeded: dict[str, Submission], moderation, commissioners) -> None:
    """The evaluator's own scores and the panel's recorded decision for the decided applicant, and an
    open question to the alliance, so every review page has something to show."""
    from .models import EvaluatorScore
    from .services.clarifications import ask as ask_clarification
    from .services.decisions import ConditionInput, DecisionInput, record_decision
    from .services.definitions import questionnaire_for
    from .services.evaluation import SCALE, scored_verdict
    from .services.scores import score

    decided = seeded["integrated_provider"]
    questionnaire = questionnaire_for(decided.round)
    for question_id, value in moderation["integrated_provider"].items():
        verdict = demo_verdict(questionnaire, question_id, value)
        if isinstance(value, (int, float)):
            step = min(SCALE, key=lambda s: abs(s.score - value))
            verdict = scored_verdict(step.step)
            rationale = f"Judged {step.label.lower()} against the question's guidance (demo data)."
        else:
            rationale = _demo_rationale(value, "Evaluator")
        db.session.add(
            EvaluatorScore(
                submission_id=decided.id,
                question_id=question_id,
                evaluator_id=commissioners["evaluator"].id,
                rationale=rationale,
                **verdict.stored(),
            )
        )
    db.session.flush()
    _, result = score(decided)
    conditions = []
    if result.recommendation == "proceed_with_conditions":
        conditions.append(
            ConditionInput(
                text=(
                    "Agree a risk corridor or stop-loss cover with the commissioners that protects the budget "
                    "from year-to-year cost variation in a capitated population of under 100,000 people."
                ),
                owner="Director of finance, Riverside Integrated Care",
                due_on=date.today() + timedelta(days=120),
            )
        )
    record_decision(
        decided,
        DecisionInput(
            outcome=result.recommendation,
            gate_outcomes={gate.id: gate.outcome for gate in result.gates},
            conditions=conditions,
            decided_on=date.today(),
            panel_members="Martin Hughes (chair)\nClaire Dunn (moderator)\nRavi Patel (evaluator)",
            minutes=(
                f"The panel accepted the recommendation ({result.recommendation_label}) after reading the "
                "consensus scores, which no member disputed."
            ),
        ),
        commissioners["panel"],
    )
    ask_clarification(
        seeded["alliance"],
        "finance.risk_approach",
        "Your answer says partners would share losses in proportion to their share of the budget, but that "
        "this has not been modelled. When will the modelling and a draft risk-share agreement be ready, "
        "and who is leading that work?",
        commissioners["evaluator"],
    )


def _load_demo() -> None:
    from .models import ConflictDeclaration
    from .services.definitions import questionnaire_for
    from .services.scores import score

    questionnaire_row, _ = import_definition(DEFAULT_QUESTIONNAIRE_PATH)
    framework_row, _ = import_definition(DEFAULT_FRAMEWORK_PATH)
    round_ = Round(
        name=DEMO_ROUND,
        description=(
            "County-wide round for frail older people and people with several long-term conditions: "
            "a cohort of about 38,400 of the county's 540,000 residents, whose care takes about £395m of the "
            "£935m combined health and social care spend, on a seven-year outcomes-based capitated contract "
            "that may be extended by three years."
        ),
        questionnaire_id=questionnaire_row.id,
        framework_id=framework_row.id,
        deadline=date(2027, 1, 29),
        status=RoundStatus.OPEN,
    )
    db.session.add(round_)
    db.session.flush()
    questionnaire = questionnaire_for(round_)
    moderation = json.loads((DEMO_DIR / "moderation.json").read_text())
    declarations = json.loads((DEMO_DIR / "member_declarations.json").read_text())
    commissioners = {role: _user(email, name, role, None) for email, name, role in DEMO_COMMISSIONERS}
    for question_id, value in DEMO_CONTRACT.items():
        if questionnaire.question(question_id) is None:
            raise click.ClickException(f"the demo contract parameters name an unknown question {question_id!r}")
        db.session.add(
            RoundAnswer(
                round_id=round_.id,
                question_id=question_id,
                value_json=json.dumps(value),
                version=1,
                updated_by_id=commissioners["round_admin"].id,
            )
        )
    seeded: dict[str, Submission] = {}
    for entry in DEMO_APPLICANTS:
        submission = _seed_applicant(round_, entry, questionnaire, moderation, declarations, commissioners["moderator"])
        score(submission)
        seeded[entry[0]] = submission

    # The demo reviewers have declared no conflict with any applicant, so the review pages open directly.
    for commissioner in commissioners.values():
        if commissioner.role in ("evaluator", "moderator", "panel"):
            for submission in seeded.values():
                db.session.add(
                    ConflictDeclaration(
                        round_id=round_.id,
                        user_id=commissioner.id,
                        applicant_id=submission.applicant_id,
                        has_conflict=False,
                    )
                )
    _seed_review_activity(seeded, moderation, commissioners)


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Load the demo round (safe to run again: existing demo data is left as it is)."""
    if db.session.scalar(db.select(Round).filter_by(name=DEMO_ROUND)) is None:
        _load_demo()
        db.session.commit()
        click.echo("Demo data loaded.")
    else:
        click.echo("Demo data already present; nothing changed.")
    click.echo(f"\nDemo logins (password for every account: {DEMO_PASSWORD})")
    for _, _, organisations, _, _ in DEMO_APPLICANTS:
        for org_name, _, users in organisations:
            for email, _, role in users:
                click.echo(f"  {email:<36} {role:<12} {org_name}")
    for email, _, role in DEMO_COMMISSIONERS:
        click.echo(f"  {email:<36} {role:<12} commissioner")
