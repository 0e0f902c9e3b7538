"""Who may reach each route: the expected-access policy the security tests hold the app to.

Every endpoint in ``app.url_map`` must have an entry in ``POLICY``; a new route without one fails
the route × role matrix, so nobody can add a page and forget to decide who sees it.
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import date

from flask import url_for

from assessor.extensions import db
from assessor.models import ApplicantMember, Evidence, Organisation, Round, Submission, User
from assessor.passwords import hash_password
from tests.provider_helpers import minimal_pdf
from tests.web_client import DEMO_PASSWORD

ANYONE = "public"
SIGNED_IN = "signed_in"
PROVIDERS = "providers"
COMMISSIONERS = "commissioners"

PROVIDER_ROLES = frozenset({"contributor", "lead"})
COMMISSIONER_ROLES = frozenset({"evaluator", "moderator", "panel", "round_admin", "site_admin"})


@dataclass(frozen=True)
class Policy:
    """``audience`` passes the blueprint gate; ``roles`` narrows who may act once through it.

    ``lead_organisation_only``: only users of the applicant's lead organisation (alliance partners
    see the submission but may not act for the alliance).
    """

    audience: str
    roles: frozenset[str] | None = None
    lead_organisation_only: bool = False
    # The submission or round is named in the posted form rather than the URL.
    submission_in_form: bool = False
    round_in_form: bool = False
    # Signing out ends at the sign-in page; for other routes that would mean the session was lost.
    ends_session: bool = False
    # The URL names an object of the user's organisation (an invitation): other organisations' are hidden.
    organisation_object: bool = False
    # POSTs only by people of the member organisation named in the URL (its own declarations).
    post_by_named_organisation_only: bool = False
    # The page is about something that exists only in some states (a published decision): for people
    # allowed to use it, 404 means "not yet", which the walk cannot tell from a leak-free denial.
    may_not_exist_yet: bool = False


def _only(*roles: str) -> frozenset[str]:
    return frozenset(roles)


LEADS = _only("lead")
EVERY_COMMISSIONER = COMMISSIONER_ROLES  # site administrators may use every review page

POLICY: dict[str, Policy] = {
    "static": Policy(ANYONE),
    "auth.index": Policy(ANYONE),
    "auth.login": Policy(ANYONE),
    "auth.logout": Policy(SIGNED_IN, ends_session=True),
    # Anyone holding the link; signed-in people are told to sign out first (409), never shown the form.
    "auth.accept_invitation": Policy(ANYONE),
    # Provider pages: any user of a member organisation sees and edits the submission.
    "provider.home": Policy(PROVIDERS),
    "provider.overview": Policy(PROVIDERS),
    "provider.domain": Policy(PROVIDERS),
    "provider.autosave": Policy(PROVIDERS),
    "provider.download_evidence": Policy(PROVIDERS),
    "provider.check": Policy(PROVIDERS),
    "provider.submission_history": Policy(PROVIDERS),
    "provider.printable": Policy(PROVIDERS),
    "provider.clarifications": Policy(PROVIDERS),
    "provider.feedback_report": Policy(PROVIDERS),
    # Each member organisation makes its own declarations; every member may read them.
    "provider.member_declarations": Policy(PROVIDERS, post_by_named_organisation_only=True),
    # Acting for the applicant: a lead user of the lead organisation only, never an alliance partner.
    "provider.submit_submission": Policy(PROVIDERS, LEADS, lead_organisation_only=True),
    "provider.assign": Policy(PROVIDERS, LEADS, lead_organisation_only=True),
    "provider.make_representation": Policy(PROVIDERS, LEADS, lead_organisation_only=True, may_not_exist_yet=True),
    # Colleagues: the leads of each organisation manage their own organisation's people.
    "provider.colleagues": Policy(PROVIDERS, LEADS),
    "provider.invite": Policy(PROVIDERS, LEADS),
    "provider.withdraw": Policy(PROVIDERS, LEADS, organisation_object=True),
    # Commissioner pages: every commissioner reads every submission and round.
    "review.home": Policy(COMMISSIONERS),
    "review.dashboard": Policy(COMMISSIONERS),
    "review.compare": Policy(COMMISSIONERS),
    "review.export_submissions_csv": Policy(COMMISSIONERS),
    "review.export_answers_csv": Policy(COMMISSIONERS),
    "review.export_xlsx": Policy(COMMISSIONERS),
    "review.programme_report": Policy(COMMISSIONERS),
    "review.panel_pack": Policy(COMMISSIONERS),
    "review.submission": Policy(COMMISSIONERS),
    "review.question": Policy(COMMISSIONERS),
    "review.decision": Policy(COMMISSIONERS),
    "review.panel_report": Policy(COMMISSIONERS),
    "review.download_evidence": Policy(COMMISSIONERS),
    # ...while each action belongs to one part of the process.
    "review.new_round": Policy(COMMISSIONERS, _only("round_admin", "site_admin")),
    "review.manage_round": Policy(COMMISSIONERS, _only("round_admin", "site_admin")),
    "review.invite_provider": Policy(COMMISSIONERS, _only("round_admin", "site_admin")),
    "review.add_round_applicant": Policy(COMMISSIONERS, _only("round_admin", "site_admin")),
    "review.set_contract_parameters": Policy(COMMISSIONERS, _only("round_admin", "site_admin")),
    "review.evaluate_question": Policy(COMMISSIONERS, _only("evaluator", "site_admin")),
    "review.moderate_question": Policy(COMMISSIONERS, _only("moderator", "site_admin")),
    "review.ask_clarification": Policy(COMMISSIONERS, _only("evaluator", "moderator", "site_admin")),
    "review.reopen_submission": Policy(COMMISSIONERS, _only("moderator", "round_admin", "site_admin")),
    "review.record_decision": Policy(COMMISSIONERS, _only("panel", "site_admin")),
    # The audit trail names individual commissioners; evaluators score blind to each other.
    "review.submission_history": Policy(COMMISSIONERS, _only("moderator", "panel", "round_admin", "site_admin")),
    # Conflicts of interest: those who judge applicants declare; round admins review and mitigate.
    "review.conflict_declarations": Policy(COMMISSIONERS, _only("evaluator", "moderator", "panel", "site_admin")),
    "review.round_conflicts": Policy(COMMISSIONERS, _only("round_admin", "site_admin")),
    "review.mitigate_conflict": Policy(COMMISSIONERS, _only("round_admin", "site_admin")),
    "review.start_checkpoint": Policy(COMMISSIONERS, _only("round_admin", "site_admin")),
    "review.bank_holidays": Policy(COMMISSIONERS, _only("round_admin", "site_admin")),
    "review.remove_bank_holiday": Policy(COMMISSIONERS, _only("round_admin", "site_admin")),
    # Actions for the applicant come from reviewers; a decision's conditions are closed by those who decide.
    "review.add_action": Policy(COMMISSIONERS, _only("moderator", "panel", "round_admin", "site_admin")),
    "review.close_action": Policy(COMMISSIONERS, _only("moderator", "panel", "round_admin", "site_admin")),
    "review.close_condition": Policy(COMMISSIONERS, _only("panel", "round_admin", "site_admin")),
    # Publishing a decision and reviewing representations belong to the round administrator.
    "review.publish_decision": Policy(COMMISSIONERS, _only("round_admin", "site_admin")),
    "review.review_representation": Policy(COMMISSIONERS, _only("round_admin", "site_admin")),
    # Health checks for the load balancer: no data, no sign-in.
    "ops.healthz": Policy(ANYONE),
    "ops.readyz": Policy(ANYONE),
    # Background reports: a job is visible only to the person who asked for it (404 for anyone else).
    "jobs.status": Policy(SIGNED_IN),
    "jobs.download": Policy(SIGNED_IN),
    "jobs.retry_job": Policy(SIGNED_IN),
    # Asking for a job: one entry per kind, "jobs.new:<kind>".
    "jobs.new": Policy(SIGNED_IN),
    "jobs.new:panel_report": Policy(COMMISSIONERS, submission_in_form=True),
    "jobs.new:programme_summary": Policy(COMMISSIONERS, round_in_form=True),
    "jobs.new:panel_pack": Policy(COMMISSIONERS, round_in_form=True),
    "jobs.new:round_export": Policy(COMMISSIONERS, round_in_form=True),
}


@dataclass(frozen=True)
class Role:
    key: str
    email: str | None
    applicant: str | None = None  # the applicant whose submission is this provider's own

    @property
    def anonymous(self) -> bool:
        return self.email is None


ALLIANCE = "Northshire Care Alliance"
DRAFT_APPLICANT = "Eastbrook Community Partnership"
EXTRA_CONTRIBUTOR = "contributor@eastbrook.example"

# Organisation A is the alliance's lead organisation; organisation B applies alone with a draft.
ROLES = [
    Role("anonymous", None),
    Role("lead_a", "lead@northshire-trust.example", ALLIANCE),
    Role("contributor_a", "cio@northshire-trust.example", ALLIANCE),
    Role("alliance_partner", "gp@northshire-pcc.example", ALLIANCE),
    Role("lead_b", "lead@eastbrook.example", DRAFT_APPLICANT),
    Role("contributor_b", EXTRA_CONTRIBUTOR, DRAFT_APPLICANT),
    Role("evaluator", "evaluator@northshire-icb.example"),
    Role("moderator", "moderator@northshire-icb.example"),
    Role("panel", "panel@northshire-icb.example"),
    Role("round_admin", "admin@northshire-icb.example"),
    Role("site_admin", "siteadmin@gateway.example"),
]
ROLE_BY_KEY = {role.key: role for role in ROLES}


@dataclass
class SubmissionFacts:
    id: int
    applicant: str
    names: set[str]  # applicant and member organisation names: must never reach other providers
    evidence_id: int
    lead_organisation_id: int


@dataclass
class World:
    """The real ids of the demo round, and what each user is."""

    round_id: int
    submissions: dict[str, SubmissionFacts]
    users: dict[str, dict]  # email -> {"role", "organisation_id"}
    jobs: dict[str, str]  # email -> id of a finished job that user asked for
    invitations: dict[int, int]  # organisation id -> id of a pending invitation into it
    invitation_token: str
    missing_id: int
    holiday_id: int  # a listed bank holiday that no published period counted, so it can be removed

    def own(self, role: Role) -> SubmissionFacts | None:
        return self.submissions.get(role.applicant) if role.applicant else None


def prepare_world(data) -> World:
    """The demo round plus what it lacks: a contributor for organisation B, evidence on every
    submission, one finished report job per user, a pending invitation into organisations A and B, and
    a bank holiday far from any standstill period."""
    from assessor.models import BankHoliday, ReportJob
    from assessor.services.invitations import create_invitation
    from assessor.services.jobs import report_storage
    from assessor.services.submissions import storage

    with data() as session:
        eastbrook = session.scalar(db.select(Organisation).filter_by(name="Eastbrook Community Health"))
        if session.scalar(db.select(User).filter_by(email=EXTRA_CONTRIBUTOR)) is None:
            session.add(
                User(
                    email=EXTRA_CONTRIBUTOR,
                    name="Eastbrook Contributor",
                    role="contributor",
                    organisation_id=eastbrook.id,
                    password_hash=hash_password(DEMO_PASSWORD),
                    session_token=secrets.token_hex(16),
                )
            )
        submissions = {}
        for submission in session.scalars(db.select(Submission).order_by(Submission.id)).all():
            evidence = session.scalar(db.select(Evidence.id).filter_by(submission_id=submission.id, removed_at=None))
            if evidence is None:
                content = minimal_pdf(submission.applicant.name)
                row = Evidence(
                    submission_id=submission.id,
                    question_id="strategy.business_case",
                    original_name="business-case.pdf",
                    stored_name=storage().save(content),
                    content_type="application/pdf",
                    size=len(content),
                    sha256="0" * 64,
                )
                session.add(row)
                session.flush()
                evidence = row.id
            member_names = session.scalars(
                db.select(Organisation.name)
                .join(ApplicantMember, ApplicantMember.organisation_id == Organisation.id)
                .where(ApplicantMember.applicant_id == submission.applicant_id)
            ).all()
            submissions[submission.applicant.name] = SubmissionFacts(
                submission.id,
                submission.applicant.name,
                {submission.applicant.name, *member_names},
                evidence,
                submission.applicant.lead_organisation_id,
            )
        users, jobs = {}, {}
        for user in session.scalars(db.select(User)).all():
            users[user.email] = {"role": user.role, "organisation_id": user.organisation_id}
            job = ReportJob(
                id=str(uuid.uuid4()),
                kind="panel_report",
                params_json="{}",
                status="finished",
                progress="Ready",
                attempts=1,
                filename="report.pdf",
                content_type="application/pdf",
                stored_name=report_storage().save(minimal_pdf(user.email)),
                requested_by_id=user.id,
            )
            session.add(job)
            jobs[user.email] = job.id
        invitations, token = {}, ""
        for lead_email in (ROLE_BY_KEY["lead_a"].email, ROLE_BY_KEY["lead_b"].email):
            lead = session.scalar(db.select(User).filter_by(email=lead_email))
            invitation, token = create_invitation(lead, f"invited-{lead.id}@newcolleague.example", "contributor")
            invitations[lead.organisation_id] = invitation.id
        holiday_id = session.scalar(db.select(BankHoliday.id).filter_by(day=date(2099, 12, 25)))
        if holiday_id is None:
            holiday = BankHoliday(day=date(2099, 12, 25), name="Christmas Day")
            session.add(holiday)
            session.flush()
            holiday_id = holiday.id
        round_id = session.scalar(db.select(Round.id))
        missing = (session.scalar(db.select(db.func.max(Submission.id))) or 0) + 1000
        session.commit()
    return World(
        round_id=round_id,
        submissions=submissions,
        users=users,
        jobs=jobs,
        invitations=invitations,
        invitation_token=token,
        missing_id=missing,
        holiday_id=holiday_id,
    )


# --------------------------------------------------------------------------------------------------
# Expectations

LOGIN = "redirect to sign in"
ALLOWED = "allowed"


@dataclass(frozen=True)
class Case:
    """One request to make, and what the policy says must happen."""

    method: str
    url: str
    form: dict
    expect: str | frozenset[int]
    # "own", "other" (another applicant's), "private" (another person's), "missing", "mismatched"
    # (ids that exist but do not belong together) or "-" for a route without an object.
    about: str
    endpoint: str


def _role_passes(policy: Policy, user: dict, facts: SubmissionFacts | None, method: str = "GET") -> bool:
    if policy.roles is not None and user["role"] not in policy.roles:
        return False
    if policy.post_by_named_organisation_only and method != "GET" and facts is not None:
        return user["organisation_id"] == facts.lead_organisation_id
    if policy.lead_organisation_only and facts is not None:
        return user["organisation_id"] == facts.lead_organisation_id
    return True


def expectation(
    policy: Policy, role: Role, world: World, facts: SubmissionFacts | None, about: str, method: str = "GET"
):
    if policy.audience == ANYONE:
        # A public page about an object (an invitation link) that does not exist is a plain 404; a
        # signed-in person is stopped earlier, with "sign out first".
        return frozenset({404}) if about == "missing" and role.anonymous else ALLOWED
    if role.anonymous:
        return LOGIN
    user = world.users[role.email]
    passes = _role_passes(policy, user, facts, method)
    if policy.audience == PROVIDERS and user["role"] not in PROVIDER_ROLES:
        return frozenset({403})
    if policy.audience == COMMISSIONERS and user["role"] not in COMMISSIONER_ROLES:
        return frozenset({403})
    hidden = about in ("missing", "mismatched", "private") or (
        about == "other" and user["role"] not in COMMISSIONER_ROLES
    )
    if hidden:
        # Whether the role check or the object lookup comes first, neither discloses anything.
        return frozenset({404}) if passes else frozenset({403, 404})
    return ALLOWED if passes else frozenset({403})


SAMPLE_ARGUMENTS = {
    "domain_id": "strategy",
    "question_id": "strategy.vision",
    "filename": "app.css",
}
OBJECT_ARGUMENTS = {
    "submission_id",
    "evidence_id",
    "round_id",
    "job_id",
    "kind",
    "invitation_id",
    "token",
    "organisation_id",
    "holiday_id",
}


def _url(app, endpoint: str, values: dict) -> str:
    with app.test_request_context():
        return url_for(endpoint, **values)


def _submission_targets(rule, role: Role, world: World, with_evidence: bool):
    own = world.own(role)
    commissioner = not role.anonymous and world.users[role.email]["role"] in COMMISSIONER_ROLES
    for facts in world.submissions.values():
        about = "own" if commissioner or own is None or facts is own else "other"
        values = {"submission_id": facts.id}
        if with_evidence:
            values["evidence_id"] = facts.evidence_id
        if "organisation_id" in rule.arguments:
            values["organisation_id"] = facts.lead_organisation_id
        yield about, values, facts
    yield (
        "missing",
        {
            "submission_id": world.missing_id,
            **({"evidence_id": 1} if with_evidence else {}),
            **({"organisation_id": 1} if "organisation_id" in rule.arguments else {}),
        },
        None,
    )
    if "organisation_id" in rule.arguments:
        # A visible submission with an organisation that is not one of its members.
        mine = own or world.submissions[ALLIANCE]
        stranger = next(f for f in world.submissions.values() if f.lead_organisation_id != mine.lead_organisation_id)
        yield "mismatched", {"submission_id": mine.id, "organisation_id": stranger.lead_organisation_id}, mine
    if with_evidence:
        # A visible submission with another submission's evidence id: the pair must not resolve.
        mine = own or world.submissions[ALLIANCE]
        stranger = next(f for f in world.submissions.values() if f is not mine)
        yield "mismatched", {"submission_id": mine.id, "evidence_id": stranger.evidence_id}, mine


def _job_targets(role: Role, world: World):
    if role.anonymous:
        yield "own", {"job_id": next(iter(world.jobs.values()))}, None
        return
    yield "own", {"job_id": world.jobs[role.email]}, None
    stranger = next(email for email in world.jobs if email != role.email)
    # Another person's job is private even from a commissioner with the same rights.
    yield "private", {"job_id": world.jobs[stranger]}, None
    yield "missing", {"job_id": str(uuid.UUID(int=0))}, None


def _invitation_targets(role: Role, world: World):
    organisation = None if role.anonymous else world.users[role.email]["organisation_id"]
    mine = world.invitations.get(organisation)
    if mine is not None:
        yield "own", {"invitation_id": mine}, None
    for org, invitation_id in world.invitations.items():
        if org != organisation:
            yield ("other" if not role.anonymous else "own"), {"invitation_id": invitation_id}, None
    yield "missing", {"invitation_id": max(world.invitations.values()) + 1000}, None


def _policy_keys(rule) -> list[tuple[str, dict]]:
    if "kind" not in rule.arguments:
        return [(rule.endpoint, {})]
    from assessor.services.jobs import JOB_KINDS

    return [(f"{rule.endpoint}:{kind}", {"kind": kind}) for kind in sorted(JOB_KINDS)]


def cases_for(app, rule, role: Role, world: World) -> list[Case]:
    methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
    unknown = set(rule.arguments) - set(SAMPLE_ARGUMENTS) - OBJECT_ARGUMENTS
    if unknown:
        raise AssertionError(f"{rule.endpoint}: no sample value for {sorted(unknown)}; add one to SAMPLE_ARGUMENTS")
    cases = []
    for key, kind_values in _policy_keys(rule):
        if key not in POLICY:
            raise AssertionError(f"{key} has no access policy in tests/security_helpers.py")
        policy = POLICY[key]
        fixed = {name: SAMPLE_ARGUMENTS[name] for name in rule.arguments if name in SAMPLE_ARGUMENTS}
        fixed.update(kind_values)
        if "round_id" in rule.arguments:
            fixed["round_id"] = world.round_id
        if "submission_id" in rule.arguments or policy.submission_in_form:
            targets = list(_submission_targets(rule, role, world, "evidence_id" in rule.arguments))
        elif "job_id" in rule.arguments:
            targets = list(_job_targets(role, world))
        elif "invitation_id" in rule.arguments:
            targets = list(_invitation_targets(role, world))
        elif "token" in rule.arguments:
            targets = [
                ("-", {"token": world.invitation_token}, None),
                ("missing", {"token": "not-a-real-invitation-token"}, None),
            ]
        elif "holiday_id" in rule.arguments:
            targets = [
                ("own", {"holiday_id": world.holiday_id}, None),
                ("missing", {"holiday_id": world.holiday_id + 1000}, None),
            ]
        elif "round_id" in rule.arguments or policy.round_in_form:
            targets = [
                ("own", {"round_id": world.round_id}, None),
                ("missing", {"round_id": world.round_id + 1000}, None),
            ]
        else:
            targets = [("-", {}, None)]
        for about, values, facts in targets:
            form = {}
            if policy.submission_in_form:
                form = {"submission_id": str(values.pop("submission_id"))}
            if policy.round_in_form:
                form = {"round_id": str(values.pop("round_id"))}
            url = _url(app, rule.endpoint, {**fixed, **values})
            for method in methods:
                cases.append(
                    Case(
                        method,
                        url,
                        form if method != "GET" else {},
                        expectation(policy, role, world, facts, about, method),
                        about,
                        key,
                    )
                )
    return cases


def routes(app) -> list:
    """Every rule, sign-out last so the session survives the rest of the walk."""
    rules = list(app.url_map.iter_rules())
    endpoints = {rule.endpoint for rule in rules}
    missing = sorted(endpoint for endpoint in endpoints if endpoint not in POLICY)
    assert not missing, f"routes without an access policy in tests/security_helpers.py: {missing}"
    return sorted(rules, key=lambda r: (r.endpoint == "auth.logout", r.endpoint, r.rule))


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers.get("Location", "")


_CSRF_VALUE = re.compile(r'(name="csrf_token"[^>]*value=")[^"]*(")|(value=")[^"]*("[^>]*name="csrf_token")')
_NOTICE = re.compile(r'<div class="notice[^"]*" role="(?:status|alert)">.*?</div>', re.S)


def comparable_page(html: str) -> str:
    """The page without what legitimately varies between two requests: CSRF tokens (signed with a
    timestamp) and notices flashed by an earlier request."""
    html = _CSRF_VALUE.sub(lambda m: (m.group(1) or m.group(3)) + (m.group(2) or m.group(4)), html)
    return " ".join(_NOTICE.sub("", html).split())


class StubDocument:
    """Stands in for WeasyPrint's laid-out document where only access, not the PDF, is under test."""

    def __init__(self, pages=None):
        self.pages = pages if pages is not None else [object()]

    def copy(self, pages):
        return StubDocument(list(pages))

    def write_pdf(self, *args, **kwargs):
        return b"%PDF-1.7\n%%EOF\n"


def stub_pdf_layout(monkeypatch) -> None:
    import weasyprint

    # Every report path lays out with HTML.render; the templates are still rendered to HTML first.
    monkeypatch.setattr(weasyprint.HTML, "render", lambda self, *args, **kwargs: StubDocument())
    monkeypatch.setattr(weasyprint.HTML, "write_pdf", lambda self, *args, **kwargs: b"%PDF-1.7\n%%EOF\n")


def add_user(
    data, email: str, role: str = "lead", organisation: str = "Test Provider Trust", password: str = DEMO_PASSWORD
) -> int:
    """An account for tests that need one without the whole demo round."""
    with data() as session:
        org_id = None
        if role in PROVIDER_ROLES:
            org = session.scalar(db.select(Organisation).filter_by(name=organisation))
            if org is None:
                org = Organisation(name=organisation, kind="acute_trust")
                session.add(org)
                session.flush()
            org_id = org.id
        user = User(
            email=email,
            name=email.split("@")[0],
            role=role,
            organisation_id=org_id,
            password_hash=hash_password(password),
            session_token=secrets.token_hex(16),
        )
        session.add(user)
        session.commit()
        return user.id


def redis_reachable(url: str = "redis://127.0.0.1:6379") -> bool:
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        return bool(Redis.from_url(url, socket_connect_timeout=1).ping())
    except RedisError:
        return False
