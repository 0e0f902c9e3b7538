"""A small review round built for the review tests, lighter than the demo seed and with two evaluators.

The round uses ``tests/fixtures/review-*.yaml``: the narrative answer ``plan.narrative`` (weight 2)
must reach 0.5 for gate A not to fail, so the consensus score on that one answer alone moves the
recommendation between "Default to open procurement" and "Proceed".
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from assessor.extensions import db
from assessor.models import Answer, Applicant, ApplicantMember, Organisation, Round, Submission, User, utcnow
from tests.web_client import DEMO_PASSWORD

FIXTURES = Path(__file__).resolve().parent / "fixtures"
QUESTIONNAIRE_PATH = FIXTURES / "review-questionnaire.yaml"
FRAMEWORK_PATH = FIXTURES / "review-framework.yaml"
NARRATIVE = "plan.narrative"

# Every answer except the narrative's consensus is at its best, so gate A's narrative criterion
# (question_min 0.5, on_fail fail) is the only criterion the tests move.
SCENARIO_ANSWERS = {
    "plan.narrative": "Losses above 1% of the budget are shared in proportion to each partner's budget share.",
    "plan.board": True,
    "plan.maturity": 4,
    "people.workforce": 2,
}

COMMISSIONERS = {
    "evaluator": "eva@icb.example",
    "evaluator2": "evan@icb.example",
    "moderator": "mo@icb.example",
    "panel": "pan@icb.example",
    "round_admin": "ra@icb.example",
    "site_admin": "sa@icb.example",
}
PROVIDER_LEAD = "lead@alliance.example"
PROVIDER_PARTNER = "partner@partner.example"
OUTSIDER = "lead@outsider.example"
ROLE_OF = {
    **{email: key.rstrip("2") for key, email in COMMISSIONERS.items()},
    PROVIDER_LEAD: "lead",
    PROVIDER_PARTNER: "contributor",
    OUTSIDER: "lead",
}


@lru_cache(maxsize=1)
def _password_hash() -> str:
    from assessor.passwords import hash_password

    # One hash for every test user: hashing is deliberately slow and the tests need many users.
    return hash_password(DEMO_PASSWORD)


@dataclass(frozen=True)
class ReviewWorld:
    round_id: int
    submission_id: int  # the alliance's submitted assessment
    draft_id: int  # the outsider's draft
    users: dict[str, int]  # email -> id


def _user(session, email: str, name: str, role: str, organisation: Organisation | None) -> User:
    user = User(
        email=email,
        name=name,
        role=role,
        organisation_id=organisation.id if organisation else None,
        password_hash=_password_hash(),
        session_token=secrets.token_hex(16),
    )
    session.add(user)
    session.flush()
    return user


def build_world(
    data, answers: dict | None = None, status: str = "submitted", undeclared: tuple[str, ...] = ()
) -> ReviewWorld:
    """One round with an alliance (lead + partner organisation) that has submitted, and an outsider's draft.

    Every reviewer has declared no conflict with either applicant, except those named in ``undeclared``.
    """
    from assessor.services.definitions import import_definition
    from assessor.services.scores import score

    with data() as session:
        questionnaire, _ = import_definition(QUESTIONNAIRE_PATH)
        framework, _ = import_definition(FRAMEWORK_PATH)
        round_ = Round(
            name="Review rules round",
            description="",
            questionnaire_id=questionnaire.id,
            framework_id=framework.id,
            status="open",
        )
        session.add(round_)
        session.flush()
        users = {}
        for key, email in COMMISSIONERS.items():
            users[email] = _user(session, email, f"{key.replace('_', ' ').title()} Person", ROLE_OF[email], None).id

        lead_org = Organisation(name="Harbour Alliance Trust", kind="acute_trust")
        partner_org = Organisation(name="Harbour GP Federation", kind="gp_federation")
        outsider_org = Organisation(name="Inland Community Care", kind="community_trust")
        session.add_all([lead_org, partner_org, outsider_org])
        session.flush()
        lead = _user(session, PROVIDER_LEAD, "Lena Lead", "lead", lead_org)
        users[PROVIDER_LEAD] = lead.id
        users[PROVIDER_PARTNER] = _user(session, PROVIDER_PARTNER, "Pat Partner", "contributor", partner_org).id
        users[OUTSIDER] = _user(session, OUTSIDER, "Olly Outsider", "lead", outsider_org).id

        alliance = Applicant(name="Harbour Alliance", lead_organisation_id=lead_org.id)
        outsider = Applicant(name="Inland Community Care", lead_organisation_id=outsider_org.id)
        session.add_all([alliance, outsider])
        session.flush()
        session.add_all(
            [
                ApplicantMember(applicant_id=alliance.id, organisation_id=lead_org.id),
                ApplicantMember(applicant_id=alliance.id, organisation_id=partner_org.id),
                ApplicantMember(applicant_id=outsider.id, organisation_id=outsider_org.id),
            ]
        )
        submission = Submission(
            round_id=round_.id,
            applicant_id=alliance.id,
            status=status,
            submitted_at=utcnow() if status != "draft" else None,
        )
        draft = Submission(round_id=round_.id, applicant_id=outsider.id, status="draft")
        session.add_all([submission, draft])
        session.flush()
        for question_id, value in (SCENARIO_ANSWERS if answers is None else answers).items():
            session.add(
                Answer(
                    submission_id=submission.id,
                    question_id=question_id,
                    value_json=json.dumps(value),
                    version=1,
                    updated_by_id=lead.id,
                )
            )
        session.flush()
        score(submission)
        score(draft)
        reviewers = [COMMISSIONERS[k] for k in ("evaluator", "evaluator2", "moderator", "panel")]
        declare_no_conflicts(session, round_.id, [users[email] for email in reviewers if email not in undeclared])
        session.commit()
        return ReviewWorld(round_.id, submission.id, draft.id, users)


def declare_no_conflicts(session, round_id: int, user_ids: list[int]) -> None:
    """Reviewers must declare before seeing a round; these tests are about other rules."""
    from assessor.models import ConflictDeclaration

    applicant_ids = session.scalars(db.select(Submission.applicant_id).filter_by(round_id=round_id)).all()
    declared = {
        (user_id, applicant_id)
        for user_id, applicant_id in session.execute(
            db.select(ConflictDeclaration.user_id, ConflictDeclaration.applicant_id).filter_by(round_id=round_id)
        )
    }
    for user_id in user_ids:
        for applicant_id in applicant_ids:
            if (user_id, applicant_id) in declared:
                continue
            session.add(
                ConflictDeclaration(round_id=round_id, user_id=user_id, applicant_id=applicant_id, has_conflict=False)
            )


APPLICANT_PLACES = ["Northfield", "Southgate", "Eastway", "Westmoor", "Riverside"]
# Starts with a small letter: the comparison sorts names as people read them, not by character code.
LOWER_CASE_NAME = "de Vere Health Partnership"


def add_scored_applicants(data, round_id: int, submitted: int, drafts: int = 5, seed: int = 5) -> list[dict]:
    """Applicants with made-up stored Plan and People scores, for pages that list many of them.

    Some have no People score (the key missing from the stored result, or stored as null), and the
    ``drafts`` after the submitted ones must never appear among the cohort.
    """
    import random

    rng = random.Random(seed)
    made = []
    with data() as session:
        for index in range(submitted + drafts):
            name = (
                LOWER_CASE_NAME
                if index == 17
                else f"{APPLICANT_PLACES[index % len(APPLICANT_PLACES)]} Care Partnership {index:02d}"
            )
            organisation = Organisation(name=f"{name} lead", kind="gp_federation")
            session.add(organisation)
            session.flush()
            applicant = Applicant(name=name, lead_organisation_id=organisation.id)
            session.add(applicant)
            session.flush()
            session.add(ApplicantMember(applicant_id=applicant.id, organisation_id=organisation.id))
            domains = {"plan": round(rng.uniform(0, 100), 2)}
            if index % 11 == 5:
                domains["people"] = None
            elif index % 7 != 3:
                domains["people"] = round(rng.uniform(0, 100), 2)
            status = "draft" if index >= submitted else ("submitted", "under_review", "decided")[index % 3]
            row = Submission(
                round_id=round_id,
                applicant_id=applicant.id,
                status=status,
                overall=50.0,
                rag="Amber",
                recommendation="proceed",
                required_count=6,
                result_json=json.dumps({"domains": domains, "gates": []}),
                inputs_hash="made-up",
                scored_at=utcnow(),
            )
            session.add(row)
            session.flush()
            made.append(
                {"id": row.id, "name": name, "status": status, "plan": domains["plan"], "people": domains.get("people")}
            )
        declare_no_conflicts(
            session,
            round_id,
            list(session.scalars(db.select(User.id).where(User.role.in_(("evaluator", "moderator", "panel"))))),
        )
        session.commit()
    return made


def stored_summary(data, submission_id: int) -> dict:
    with data() as session:
        s = session.get(Submission, submission_id)
        return {
            "status": s.status,
            "overall": s.overall,
            "rag": s.rag,
            "recommendation": s.recommendation,
            "awaiting": s.awaiting_count,
        }


def set_status(data, submission_id: int, status: str) -> None:
    with data() as session:
        session.get(Submission, submission_id).status = status
        session.commit()


def audit_actions(data, submission_id: int) -> list[str]:
    from assessor.models import AuditEvent

    with data() as session:
        return list(
            session.scalars(db.select(AuditEvent.action).filter_by(submission_id=submission_id).order_by(AuditEvent.id))
        )


def signed_in(make_browser, email: str):
    browser = make_browser()
    browser.login(email)
    return browser


def moderate_as(data, submission_id: int, moderator_email: str, question_id: str, consensus) -> None:
    """Record a consensus through the service, as the moderation page would, in the engine's terms: a
    score from 0 to 1 (a written answer), a judgement of evidence ("sufficient", "partly",
    "not_sufficient"), or ``{"answer": value}``, the answer the evidence supports (any other answer)."""
    from assessor.services.moderation import moderate
    from assessor.services.scores import score

    with data() as session:
        submission = session.get(Submission, submission_id)
        user = session.scalar(db.select(User).filter_by(email=moderator_email))
        moderate(submission, question_id, consensus_verdict(submission, question_id, consensus), MODERATED, user)
        score(submission)
        session.commit()


MODERATED = "Consensus reached at moderation."


def consensus_verdict(submission, question_id: str, consensus):
    """The verdict a consensus in the engine's terms stands for (see ``moderate_as``)."""
    from assessor.services import evaluation
    from assessor.services.answers import engine_answers
    from assessor.services.definitions import questionnaire_for

    if isinstance(consensus, str):
        return evaluation.judged_verdict(consensus, "" if consensus == "not_sufficient" else "Section 2, page 3")
    if isinstance(consensus, dict):
        question = questionnaire_for(submission.round).question(question_id)
        given = engine_answers(submission).get(question_id)
        return evaluation.verified_verdict(question, given, consensus["answer"] == given, consensus["answer"])
    return consensus


# The one self-assessed answer a criterion of the review framework reads (A.board): by default a
# round's panel cannot decide until it is verified.
GATE_ANSWER = "plan.board"


def verify_gate_answers(data, submission_id: int) -> None:
    """The moderator confirms the boards' approval as the provider gave it, so the panel may decide."""
    from assessor.services.answers import engine_answers

    with data() as session:
        given = engine_answers(session.get(Submission, submission_id)).get(GATE_ANSWER)
    moderate_as(data, submission_id, COMMISSIONERS["moderator"], GATE_ANSWER, {"answer": given})


def page_text(response) -> str:
    """The page's HTML with entities decoded, so assertions can quote messages as people read them."""
    import html

    return html.unescape(response.get_data(as_text=True))


def decide(make_browser, submission_id: int, **fields: str):
    """The panel records a decision through the page: both gates pass and the alliance may proceed,
    unless ``fields`` say otherwise (form field names, e.g. ``outcome``, ``gate-B``, ``conditions-0-text``)."""
    panel = signed_in(make_browser, COMMISSIONERS["panel"])
    url = f"/review/submissions/{submission_id}/decision"
    form = {
        "gate-A": "pass",
        "gate-B": "pass",
        "outcome": "proceed",
        "decided_on": date.today().isoformat(),
        "panel_members": "Ada Chair\nBen Member",
        **fields,
    }
    return panel.post(url, form, page=url)


def decided_world(data, make_browser, **fields: str) -> ReviewWorld:
    """``build_world`` with the written answer moderated, the gate answer verified and the panel's decision recorded."""
    world = build_world(data)
    moderate_as(data, world.submission_id, COMMISSIONERS["moderator"], NARRATIVE, 0.75)
    verify_gate_answers(data, world.submission_id)
    response = decide(make_browser, world.submission_id, **fields)
    assert response.status_code == 302, page_text(response)
    return world


def publish(make_browser, submission_id: int) -> None:
    """The round administrator publishes the latest decision to the applicant."""
    admin = signed_in(make_browser, COMMISSIONERS["round_admin"])
    page = f"/review/submissions/{submission_id}/decision"
    assert admin.post(f"/review/submissions/{submission_id}/publish", {}, page=page).status_code == 302
