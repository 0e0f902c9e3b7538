"""Round administration: rounds pinned to definition versions, deadlines, and the applicants taking part."""

from __future__ import annotations

from datetime import date

from questionnaires import DefinitionError, parse_framework, parse_questionnaire

from ..extensions import db
from ..models import ORGANISATION_KINDS, Applicant, ApplicantMember, Definition, Organisation, Round, Submission, User
from ..states import RoundStatus, SubmissionStatus, VerificationScope
from ..text import has_control_characters
from .audit import record
from .errors import RoundProblem
from .scores import score


def create_round(
    name: str, description: str, questionnaire_id: int, framework_id: int, deadline: date | None, user: User
) -> Round:
    """A new open round; it keeps the exact questionnaire and framework versions chosen here."""
    _refuse_control_characters(name=("Round name", name), description=("Description", description))
    questionnaire = db.session.get(Definition, questionnaire_id)
    framework = db.session.get(Definition, framework_id)
    if questionnaire is None or questionnaire.kind != "questionnaire":
        raise RoundProblem(field="questionnaire_id", message="Choose a questionnaire version")
    if framework is None or framework.kind != "framework":
        raise RoundProblem(field="framework_id", message="Choose a framework version")
    try:
        parsed_questionnaire = parse_questionnaire(questionnaire.source, questionnaire.key)
        parsed_framework = parse_framework(framework.source, framework.key, questionnaire=parsed_questionnaire)
    except DefinitionError:
        raise RoundProblem(
            field="framework_id",
            message=f"Framework ‘{framework.key}’ version {framework.version} does not fit "
            f"questionnaire ‘{questionnaire.key}’ version {questionnaire.version}: "
            "choose a matching pair",
        ) from None
    if parsed_framework.questionnaire != parsed_questionnaire.id:
        raise RoundProblem(
            field="framework_id",
            message=f"Framework ‘{framework.key}’ is written for questionnaire "
            f"‘{parsed_framework.questionnaire}’, not ‘{questionnaire.key}’",
        )
    if deadline is not None and deadline < date.today():
        raise RoundProblem(field="deadline", message="The deadline must be today or later")
    round_ = Round(
        name=name.strip(),
        description=description.strip(),
        questionnaire_id=questionnaire.id,
        framework_id=framework.id,
        deadline=deadline,
        status=RoundStatus.OPEN,
    )
    db.session.add(round_)
    db.session.flush()
    record(
        "round.created",
        user=user,
        round=round_.id,
        name=round_.name,
        questionnaire={
            "key": questionnaire.key,
            "version": questionnaire.version,
            "sha256": questionnaire.content_hash,
        },
        framework={"key": framework.key, "version": framework.version, "sha256": framework.content_hash},
        deadline=deadline,
    )
    return round_


MAX_PERIOD_DAYS = 60


def update_round(
    round_: Round,
    deadline: date | None,
    status: str,
    user: User,
    standstill_days: int | None = None,
    further_period_days: int | None = None,
    verification_scope: str | None = None,
) -> None:
    """Save the round's settings; periods and the verification scope left as None stay as they are."""
    if status not in (RoundStatus.OPEN, RoundStatus.CLOSED):
        raise RoundProblem(field="status", message="Choose whether the round is open or closed")
    standstill_days = round_.standstill_days if standstill_days is None else standstill_days
    further_period_days = round_.further_period_days if further_period_days is None else further_period_days
    for field, value in (("standstill_days", standstill_days), ("further_period_days", further_period_days)):
        if not 0 <= value <= MAX_PERIOD_DAYS:
            raise RoundProblem(field=field, message=f"Enter a number of working days from 0 to {MAX_PERIOD_DAYS}")
    verification_scope = round_.verification_scope if verification_scope is None else verification_scope
    if verification_scope not in tuple(VerificationScope):
        raise RoundProblem(field="verification_scope", message="Choose what evaluators must verify")
    old = {
        "deadline": round_.deadline,
        "status": round_.status,
        "standstill_days": round_.standstill_days,
        "further_period_days": round_.further_period_days,
        "verification_scope": round_.verification_scope,
    }
    new = {
        "deadline": deadline,
        "status": status,
        "standstill_days": standstill_days,
        "further_period_days": further_period_days,
        "verification_scope": verification_scope,
    }
    round_.deadline, round_.status = deadline, status
    round_.standstill_days, round_.further_period_days = standstill_days, further_period_days
    round_.verification_scope = verification_scope
    record("round.updated", user=user, round=round_.id, old=old, new=new)


def _organisation(name: str, kind: str) -> Organisation:
    existing = db.session.scalar(db.select(Organisation).filter_by(name=name))
    if existing is not None:
        return existing
    organisation = Organisation(name=name, kind=kind)
    db.session.add(organisation)
    db.session.flush()
    return organisation


def _kind(text: str) -> str | None:
    wanted = text.strip().lower()
    return next(
        (key for key, label in ORGANISATION_KINDS.items() if key != "commissioner" and wanted in (key, label.lower())),
        None,
    )


def _refuse_control_characters(**fields: tuple[str, str]) -> None:
    """Names go on every page, report and export of the round; one with an invisible control character
    would break the XLSX export for everyone, so it is refused here whatever the way in (form or command)."""
    for field, (label, text) in fields.items():
        if has_control_characters(text):
            raise RoundProblem(field=field, message=f"{label} must not contain invisible control characters")


def parse_partners(lines: list[str]) -> list[tuple[str, str | None]]:
    """Partner lines of the form ``Organisation name | kind``; the kind may be left out for an
    organisation Gateway already knows."""
    partners: dict[str, str | None] = {}
    for number, line in enumerate(lines, start=1):
        name, _, kind_text = line.partition("|")
        name = name.strip()
        if not name:
            continue
        if len(name) > 200:
            raise RoundProblem(
                field="partners", message=f"Partner on line {number}: the name must be 200 characters or fewer"
            )
        kind = _kind(kind_text) if kind_text.strip() else None
        if kind_text.strip() and kind is None:
            raise RoundProblem(
                field="partners",
                message=f"Partner on line {number}: ‘{kind_text.strip()}’ is not a kind of organisation Gateway knows",
            )
        known = db.session.scalar(db.select(Organisation.id).filter_by(name=name)) is not None
        if kind is None and not known:
            raise RoundProblem(
                field="partners",
                message=f"Partner on line {number}: say what kind of organisation "
                f"{name} is, for example ‘{name} | GP federation’",
            )
        partners[name] = kind
    return list(partners.items())


def add_applicant(
    round_: Round, applicant_name: str, lead_name: str, lead_kind: str, partner_lines: list[str], user: User
) -> Submission:
    """An applicant (alone or as an alliance) and its empty draft in ``round_``.

    Organisations are matched by exact name, so an organisation in several alliances stays one.
    """
    applicant_name, lead_name = applicant_name.strip(), lead_name.strip()
    _refuse_control_characters(
        applicant_name=("Applicant name", applicant_name),
        lead_name=("Lead organisation", lead_name),
        partners=("Partner organisations", "\n".join(partner_lines)),
    )
    if lead_kind not in ORGANISATION_KINDS or lead_kind == "commissioner":
        raise RoundProblem(field="lead_kind", message="Choose what kind of organisation the lead is")
    partners = [(name, kind) for name, kind in parse_partners(partner_lines) if name != lead_name]
    lead = _organisation(lead_name, lead_kind)
    if lead.kind == "commissioner":
        raise RoundProblem(field="lead_name", message="A commissioning organisation cannot apply")
    taken = db.session.scalar(
        db.select(Submission.id)
        .join(Submission.applicant)
        .where(Submission.round_id == round_.id, Applicant.lead_organisation_id == lead.id)
    )
    if taken is not None:
        raise RoundProblem(field="lead_name", message=f"{lead.name} already leads an applicant in this round")
    applicant = Applicant(name=applicant_name, lead_organisation_id=lead.id)
    db.session.add(applicant)
    db.session.flush()
    members = [lead] + [_organisation(name, kind or "") for name, kind in partners]
    for organisation in members:
        db.session.add(ApplicantMember(applicant_id=applicant.id, organisation_id=organisation.id))
    submission = Submission(round_id=round_.id, applicant_id=applicant.id, status=SubmissionStatus.DRAFT)
    db.session.add(submission)
    db.session.flush()
    db.session.refresh(submission)
    score(submission)
    record(
        "round.applicant_added",
        user=user,
        submission_id=submission.id,
        round=round_.id,
        applicant=applicant.name,
        lead=lead.name,
        partners=[o.name for o in members[1:]],
    )
    return submission
