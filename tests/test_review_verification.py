"""Evaluators verify self-assessed answers and judge evidence on the question page; the moderator's
consensus of each kind is what the engine reads; the round says what must be verified before the
panel decides.

The review fixture (``review_helpers``): ``plan.board`` (yes/no, read by criterion A.board),
``plan.maturity`` (a five-level scale), ``people.workforce`` (a three-level scale) and the evidence
question ``people.evidence``; the shipped framework is used for its must-have gates G1 and G3.
"""

from __future__ import annotations

import csv
import io
import json
import re

from assessor.extensions import db
from assessor.models import (
    Answer,
    Applicant,
    ApplicantMember,
    AuditEvent,
    EvaluatorScore,
    Evidence,
    ModeratedScore,
    Organisation,
    Round,
    Submission,
    User,
)
from tests.review_helpers import (
    COMMISSIONERS,
    NARRATIVE,
    build_world,
    decide,
    declare_no_conflicts,
    moderate_as,
    page_text,
    signed_in,
    stored_summary,
    verify_gate_answers,
)

EVALUATOR, SECOND, MODERATOR = COMMISSIONERS["evaluator"], COMMISSIONERS["evaluator2"], COMMISSIONERS["moderator"]
EVIDENCE = "people.evidence"
PROVIDERS_MATURITY = "Level 5 of 5: Approved and in delivery"


def _url(submission_id: int, question_id: str) -> str:
    return f"/review/submissions/{submission_id}/questions/{question_id}"


def _evaluate(browser, submission_id: int, question_id: str, form: dict):
    url = _url(submission_id, question_id)
    return browser.post(f"{url}/evaluate", form, page=url)


def _moderate(browser, submission_id: int, question_id: str, form: dict, **kwargs):
    url = _url(submission_id, question_id)
    return browser.post(f"{url}/moderate", form, page=url, **kwargs)


def _verdicts(data, submission_id: int) -> dict[tuple[str, int], dict]:
    with data() as session:
        rows = session.scalars(db.select(EvaluatorScore).filter_by(submission_id=submission_id)).all()
        return {
            (r.question_id, r.evaluator_id): {
                "score": r.score,
                "answer": None if r.verified_answer_json is None else json.loads(r.verified_answer_json),
                "sufficiency": r.sufficiency,
                "location": r.evidence_location,
                "rationale": r.rationale,
            }
            for r in rows
        }


def _attach(data, submission_id: int, question_id: str, name: str) -> None:
    """A file the provider attached (its content is not needed: nobody downloads it here)."""
    with data() as session:
        session.add(
            Evidence(
                submission_id=submission_id,
                question_id=question_id,
                original_name=name,
                stored_name=f"{submission_id}-{question_id}-{name}"[:64],
                content_type="application/pdf",
                size=2048,
                sha256="b" * 64,
            )
        )
        session.commit()


def _checked(page: str, control_id: str) -> bool:
    tag = re.search(rf'<input[^>]*id="{re.escape(control_id)}"[^>]*>', page)
    assert tag, f"no control {control_id}"
    return " checked" in tag.group(0)


def _field_error(page: str, control_id: str) -> str:
    """The error message shown at the control (inside its form group), not only in the summary."""
    match = re.search(rf'<p class="error-message" id="{re.escape(control_id)}-error">(.*?)</p>', page, re.S)
    assert match, f"no error shown at {control_id}"
    return re.sub(r"<[^>]+>", "", match.group(1)).replace("Error:", "").strip()


def _answer_mark(page: str, question_id: str) -> str:
    """The verification mark of one answer on the submission page."""
    block = page[page.index(f'id="q-{question_id}"') :]
    block = block[: block.index("</div>\n<")] if "</div>\n<" in block else block
    match = re.search(r'class="verification-mark[^"]*">([^<]+)<', block)
    return match.group(1) if match else ""


# --------------------------------------------------------------------------------------------------
# Verifying an answer


def test_an_evaluator_confirms_one_answer_as_given_and_adjusts_another_to_what_the_evidence_supports(
    app, data, make_browser
):
    world = build_world(data)
    sid = world.submission_id
    evaluator = signed_in(make_browser, EVALUATOR)
    before = stored_summary(data, sid)

    # Confirming keeps the provider's answer, and needs no rationale.
    page = page_text(evaluator.get(_url(sid, "plan.board")))
    assert "Does the evidence support the provider's answer?" in page and "The provider answered ‘Yes’" in page
    assert _evaluate(evaluator, sid, "plan.board", {"verdict": "confirm", "rationale": ""}).status_code == 302
    page = page_text(evaluator.get(_url(sid, "plan.board")))
    assert "Verified answer: Yes (confirms the provider's answer)" in page
    assert "No rationale: the answer was confirmed as the provider gave it." in page
    assert _checked(page, "verdict-confirm")

    # Adjusting gives the answer the evidence supports, in the provider's own input, with a rationale.
    page = page_text(evaluator.get(_url(sid, "plan.maturity")))
    assert 'name="adjusted" type="radio" value="2"' in page and "Draft agreed by officers" in page
    response = _evaluate(
        evaluator,
        sid,
        "plan.maturity",
        {"verdict": "adjust", "adjusted": "2", "rationale": "The board minutes approve an outline only."},
    )
    assert response.status_code == 302
    page = page_text(evaluator.get(_url(sid, "plan.maturity")))
    assert (
        "Verified answer: Level 3 of 5: Draft agreed by officers "
        f"(adjusted from the provider's ‘{PROVIDERS_MATURITY}’)" in page
    )
    # The form holds the verdict given, to change it.
    assert _checked(page, "verdict-adjust") and _checked(page, "adjusted-2")

    assert _verdicts(data, sid) == {
        ("plan.board", world.users[EVALUATOR]): {
            "score": 1.0,
            "answer": True,
            "sufficiency": None,
            "location": None,
            "rationale": "",
        },
        ("plan.maturity", world.users[EVALUATOR]): {
            "score": 0.5,
            "answer": 2,
            "sufficiency": None,
            "location": None,
            "rationale": "The board minutes approve an outline only.",
        },
    }
    # An evaluator's verdict is not the consensus: the engine still reads the provider's answers.
    after = stored_summary(data, sid)
    assert (after["overall"], after["recommendation"]) == (before["overall"], before["recommendation"])
    overview = page_text(evaluator.get(f"/review/submissions/{sid}"))
    assert _answer_mark(overview, "plan.maturity") == "Not verified"
    page = page_text(evaluator.get(_url(sid, "plan.maturity")))
    assert "The provider's unverified claim" in page


def test_an_adjustment_without_a_rationale_or_a_usable_answer_is_refused_at_the_field_with_the_input_kept(
    app, data, make_browser
):
    world = build_world(data)
    sid = world.submission_id
    evaluator = signed_in(make_browser, EVALUATOR)

    response = _evaluate(evaluator, sid, "plan.maturity", {"verdict": "adjust", "adjusted": "1", "rationale": "  "})
    page = page_text(response)
    assert response.status_code == 200
    assert '<a href="#rationale">Explain why the evidence supports a different answer</a>' in page
    assert _field_error(page, "rationale") == "Explain why the evidence supports a different answer"
    assert _checked(page, "verdict-adjust") and _checked(page, "adjusted-1")

    # A level the question does not have, or none at all, is refused at the adjusted answer.
    response = _evaluate(
        evaluator, sid, "plan.maturity", {"verdict": "adjust", "adjusted": "9", "rationale": "Only an outline exists."}
    )
    page = page_text(response)
    assert '<a href="#adjusted">Choose the answer the evidence supports from those listed</a>' in page
    assert _field_error(page, "adjusted") == "Choose the answer the evidence supports from those listed"
    assert "Only an outline exists." in page
    response = _evaluate(evaluator, sid, "plan.board", {"verdict": "adjust", "rationale": "Minutes are unsigned."})
    page = page_text(response)
    assert _field_error(page, "adjusted") == "Give the answer the evidence supports"
    assert "Minutes are unsigned." in page and _checked(page, "verdict-adjust")

    # Nothing chosen at all: the summary links to the first choice.
    page = page_text(_evaluate(evaluator, sid, "plan.board", {"rationale": "Thinking about it."}))
    assert '<a href="#verdict-confirm">Choose whether to confirm the provider\'s answer or adjust it</a>' in page
    assert _verdicts(data, sid) == {}


# --------------------------------------------------------------------------------------------------
# Judging evidence


def test_evidence_is_judged_and_says_where_the_evaluator_relied_unless_it_is_not_sufficient(app, data, make_browser):
    world = build_world(data)
    sid = world.submission_id
    _attach(data, sid, EVIDENCE, "workforce-plan.pdf")
    first, second = signed_in(make_browser, EVALUATOR), signed_in(make_browser, SECOND)
    moderator = signed_in(make_browser, MODERATOR)
    assert _answer_mark(page_text(first.get(f"/review/submissions/{sid}")), EVIDENCE) == "Awaiting evaluation"

    page = page_text(first.get(_url(sid, EVIDENCE)))
    assert "workforce-plan.pdf" in page and "Is the evidence sufficient?" in page
    assert "the files await a judgement" in page

    response = _evaluate(
        first, sid, EVIDENCE, {"sufficiency": "sufficient", "location": " ", "rationale": "Covers every staff group."}
    )
    page = page_text(response)
    assert response.status_code == 200
    assert '<a href="#location">Say where in the evidence you relied on, such as a page or section</a>' in page
    assert _field_error(page, "location") == "Say where in the evidence you relied on, such as a page or section"
    assert "Covers every staff group." in page and _checked(page, "sufficiency-sufficient")
    # Partly sufficient needs it as well.
    page = page_text(_evaluate(first, sid, EVIDENCE, {"sufficiency": "partly", "rationale": "Some groups only."}))
    assert _field_error(page, "location") == "Say where in the evidence you relied on, such as a page or section"

    response = _evaluate(
        first,
        sid,
        EVIDENCE,
        {"sufficiency": "sufficient", "location": "Section 3, page 12", "rationale": "Covers every staff group."},
    )
    assert response.status_code == 302
    # Not sufficient needs no location: there may be nothing to point to.
    response = _evaluate(
        second, sid, EVIDENCE, {"sufficiency": "not_sufficient", "location": "", "rationale": "A draft, unsigned."}
    )
    assert response.status_code == 302
    assert {(k[0], v["sufficiency"], v["location"], v["score"]) for k, v in _verdicts(data, sid).items()} == {
        (EVIDENCE, "sufficient", "Section 3, page 12", 1.0),
        (EVIDENCE, "not_sufficient", None, 0.0),
    }
    page = page_text(moderator.get(_url(sid, EVIDENCE)))
    assert "Sufficient (relied on: Section 3, page 12)" in page and "Not sufficient" in page

    # The consensus judgement is what the engine reads: partly sufficient scores 0.5.
    response = _moderate(
        moderator,
        sid,
        EVIDENCE,
        {
            "consensus_sufficiency": "partly",
            "consensus_location": "Section 3",
            "consensus_rationale": "Signed, but two staff groups are missing.",
        },
        follow_redirects=True,
    )
    page = page_text(response)
    assert "Consensus recorded: Partly sufficient (relied on: Section 3)." in page
    assert (
        "A judgement of the evidence: the evaluators' consensus is ‘Partly sufficient (relied on: Section 3)’." in page
    )
    assert _checked(page, "consensus_sufficiency-partly")
    overview = page_text(moderator.get(f"/review/submissions/{sid}"))
    assert _answer_mark(overview, EVIDENCE) == "Verified"
    assert "Score used 0.50" in overview[overview.index(f'id="q-{EVIDENCE}"') :]


# --------------------------------------------------------------------------------------------------
# Blindness


def test_verdicts_and_the_consensus_stay_hidden_from_an_evaluator_until_they_give_their_own(app, data, make_browser):
    world = build_world(data)
    sid = world.submission_id
    first, second = signed_in(make_browser, EVALUATOR), signed_in(make_browser, SECOND)
    moderator = signed_in(make_browser, MODERATOR)
    own_rationale = "SECRETVERDICT: minutes show officers agreed a draft."
    consensus_rationale = "SECRETCONSENSUS: an outline, no more."
    adjusted = {"verdict": "adjust", "adjusted": "2", "rationale": own_rationale}
    assert _evaluate(first, sid, "plan.maturity", adjusted).status_code == 302
    response = _moderate(
        moderator,
        sid,
        "plan.maturity",
        {"consensus_verdict": "adjust", "consensus_adjusted": "1", "consensus_rationale": consensus_rationale},
    )
    assert response.status_code == 302

    for url in (_url(sid, "plan.maturity"), f"/review/submissions/{sid}"):
        page = page_text(second.get(url))
        assert own_rationale not in page and consensus_rationale not in page, url
        assert "Verified answer:" not in page and "Level 2 of 5: Outline" not in page, url
        assert "hidden until you submit your own verdict for this answer" in page, url
    page = page_text(second.get(_url(sid, "plan.maturity")))
    assert "1 evaluator verdict hidden until you submit your own verdict" in page
    assert "What the engine uses" not in page
    # The self-score is the provider's, not the score of the answer verified in its place.
    assert re.search(r"<dt>Self-score</dt><dd>1.00</dd>", page)

    # Nor does the round's export: the self-score is the provider's, the score used is left blank.
    export = second.get(f"/review/rounds/{world.round_id}/export/answers.csv").get_data(as_text=True)
    [row] = [
        r
        for r in csv.DictReader(io.StringIO(export.lstrip("\ufeff")))
        if r["question_id"] == "plan.maturity" and r["submission_id"] == str(sid)
    ]
    assert (row["self_score"], row["moderated_score"], row["score_used"]) == ("1.0", "", "")

    # Nor do the criteria that read a consensus the evaluator may not see yet tell it.
    moderate_as(data, sid, MODERATOR, "plan.board", {"answer": False})
    overview = page_text(second.get(f"/review/submissions/{sid}"))
    assert "Shown once you have given your own verdict on plan.board" in overview
    assert (
        "verified"
        not in overview[overview.index("<h2>Why this recommendation</h2>") : overview.index("<h2>Domains</h2>")]
    )
    assert "verified" in page_text(moderator.get(f"/review/submissions/{sid}")).split("<h2>Domains</h2>")[0]

    # Once they give their own verdict, both are shown; a change after that needs a reason.
    assert _evaluate(second, sid, "plan.maturity", {"verdict": "confirm", "rationale": ""}).status_code == 302
    page = page_text(second.get(_url(sid, "plan.maturity")))
    assert own_rationale in page and consensus_rationale in page
    assert "Verified answer: Level 2 of 5: Outline" in page
    assert "Why are you changing your verdict?" in page
    response = _evaluate(second, sid, "plan.maturity", {"verdict": "adjust", "adjusted": "2", "rationale": "Agreed."})
    assert response.status_code == 409
    assert "explain why you are changing your verdict" in page_text(response)
    response = _evaluate(
        second,
        sid,
        "plan.maturity",
        {"verdict": "adjust", "adjusted": "2", "rationale": "Agreed.", "change_reason": "I had missed the minutes."},
    )
    assert response.status_code == 302
    page = page_text(moderator.get(_url(sid, "plan.maturity")))
    assert "changed after seeing other verdicts, from Verified answer: Level 5 of 5: Approved and in delivery" in page
    assert "I had missed the minutes." in page


# --------------------------------------------------------------------------------------------------
# The consensus feeds the engine


def test_the_consensus_on_an_answer_replaces_the_providers_in_the_engine_until_it_confirms_it(app, data, make_browser):
    world = build_world(data)
    sid = world.submission_id
    moderate_as(data, sid, MODERATOR, NARRATIVE, 0.75)
    assert stored_summary(data, sid)["recommendation"] == "proceed"
    moderator = signed_in(make_browser, MODERATOR)

    # A consensus needs a rationale, even to adjust; the choice is kept.
    response = _moderate(moderator, sid, "plan.board", {"consensus_verdict": "adjust", "consensus_adjusted": "no"})
    page = page_text(response)
    assert '<a href="#consensus_rationale">Explain the consensus</a>' in page
    assert _checked(page, "consensus_verdict-adjust") and _checked(page, "consensus_adjusted-1")

    response = _moderate(
        moderator,
        sid,
        "plan.board",
        {
            "consensus_verdict": "adjust",
            "consensus_adjusted": "no",
            "consensus_rationale": "Only two of the three boards have minuted their approval.",
        },
        follow_redirects=True,
    )
    page = page_text(response)
    assert "Consensus recorded: Verified answer: No (adjusted from the provider's ‘Yes’)." in page
    assert "The recommendation is now ‘Proceed with conditions’" in page
    engine_reads = page[page.index('id="engine-reads"') :]
    engine_reads = engine_reads[: engine_reads.index("</dd>")]
    assert "The verified answer, which differs from the provider's" in engine_reads
    assert re.search(r"<td>Yes</td><td>No</td>", engine_reads)
    assert re.search(r"A.board Boards have approved</strong>: <span class=\"gate gate-fail\">Not met", page)
    assert stored_summary(data, sid)["recommendation"] == "proceed_with_conditions"
    # What would move the recommendation back is a change to what the evidence shows, not to the claim.
    overview = page_text(moderator.get(f"/review/submissions/{sid}"))
    what_if = overview[
        overview.index("<h2>What would change the recommendation</h2>") : overview.index("<h2>Gates</h2>")
    ]
    assert "evaluators verified this answer, so the evidence must support the change" in what_if
    assert "(the verified answer for <a" in what_if and "plan.board</a>" in what_if
    with data() as session:
        row = session.scalar(db.select(ModeratedScore).filter_by(submission_id=sid, question_id="plan.board"))
        assert (row.verified_answer_json, row.score) == ("false", 0.0)

    # Confirmed, the provider's answer stands and is verified.
    response = _moderate(
        moderator,
        sid,
        "plan.board",
        {"consensus_verdict": "confirm", "consensus_rationale": "The third board's minutes have arrived."},
        follow_redirects=True,
    )
    page = page_text(response)
    assert "The recommendation is now ‘Proceed’" in page
    assert "The verified answer: the evaluators confirmed the provider's ‘Yes’." in page
    assert _answer_mark(page_text(moderator.get(f"/review/submissions/{sid}")), "plan.board") == "Verified"


def _shipped_world(data) -> tuple[int, int]:
    """A submitted assessment in a round on the shipped questionnaire and framework, with a legal
    entity and reserves claimed and audited accounts attached and nothing else; returns (round id,
    submission id)."""
    from assessor.services.definitions import import_definition
    from assessor.services.scores import score
    from questionnaires import DEFAULT_FRAMEWORK_PATH, DEFAULT_QUESTIONNAIRE_PATH

    world = build_world(data)  # the people, besides its own round
    with data() as session:
        questionnaire, _ = import_definition(DEFAULT_QUESTIONNAIRE_PATH)
        framework, _ = import_definition(DEFAULT_FRAMEWORK_PATH)
        round_ = Round(
            name="Shipped framework round",
            description="",
            questionnaire_id=questionnaire.id,
            framework_id=framework.id,
            status="open",
        )
        organisation = Organisation(name="Northgate Integrated Care", kind="acute_trust")
        session.add_all([round_, organisation])
        session.flush()
        applicant = Applicant(name="Northgate Integrated Care", lead_organisation_id=organisation.id)
        session.add(applicant)
        session.flush()
        session.add(ApplicantMember(applicant_id=applicant.id, organisation_id=organisation.id))
        submission = Submission(round_id=round_.id, applicant_id=applicant.id, status="submitted")
        session.add(submission)
        session.flush()
        session.add(
            Answer(
                submission_id=submission.id,
                question_id="governance.legal_entity",
                value_json="true",
                version=1,
                updated_by_id=world.users[EVALUATOR],
            )
        )
        session.add(
            Answer(
                submission_id=submission.id,
                question_id="finance.reserves_pct",
                value_json="5.5",
                version=1,
                updated_by_id=world.users[EVALUATOR],
            )
        )
        session.flush()
        reviewers = session.scalars(db.select(User.id).where(User.role.in_(("evaluator", "moderator", "panel"))))
        declare_no_conflicts(session, round_.id, list(reviewers))
        session.commit()
        ids = (round_.id, submission.id)
    _attach(data, ids[1], "finance.annual_accounts", "accounts-2025.pdf")
    with data() as session:
        score(session.get(Submission, ids[1]))
        session.commit()
    return ids


def _criterion(data, submission_id: int, criterion_id: str) -> tuple[str, str]:
    """(criterion status, its gate's outcome) in the stored engine result."""
    with data() as session:
        result = session.get(Submission, submission_id).result
    for gate in result["gates"]:
        for criterion in gate["criteria"]:
            if criterion["id"] == criterion_id:
                return criterion["status"], gate["outcome"]
    raise KeyError(criterion_id)


def test_in_the_shipped_framework_unfit_accounts_fail_g3_and_a_legal_entity_verified_as_no_fails_g1(
    app, data, make_browser
):
    _, sid = _shipped_world(data)
    moderator = signed_in(make_browser, MODERATOR)
    evaluator = signed_in(make_browser, EVALUATOR)

    # Attached but unjudged, the accounts leave G3's must-have awaiting evaluation; the claimed legal
    # entity passes G1's, unverified.
    assert _criterion(data, sid, "G3.annual_accounts")[0] == "awaiting_evaluation"
    assert _criterion(data, sid, "G1.legal_entity")[0] == "passed"

    judged = {"consensus_sufficiency": "sufficient", "consensus_location": "Auditor's report, page 2"}
    rationale = {"consensus_rationale": "Audited, signed, for the latest year."}
    assert _moderate(moderator, sid, "finance.annual_accounts", {**judged, **rationale}).status_code == 302
    assert _criterion(data, sid, "G3.annual_accounts")[0] == "passed"
    response = _moderate(
        moderator,
        sid,
        "finance.annual_accounts",
        {"consensus_sufficiency": "not_sufficient", "consensus_rationale": "Management accounts, not audited."},
        follow_redirects=True,
    )
    assert _criterion(data, sid, "G3.annual_accounts") == ("failed", "fail")
    page = page_text(response)
    assert "A judgement of the evidence: the evaluators' consensus is ‘Not sufficient’." in page
    assert re.search(r"G3.annual_accounts [^<]*</strong>: <span class=\"gate gate-fail\">Not met", page)

    response = _moderate(
        moderator,
        sid,
        "governance.legal_entity",
        {
            "consensus_verdict": "adjust",
            "consensus_adjusted": "no",
            "consensus_rationale": "The company is not yet registered.",
        },
    )
    assert response.status_code == 302
    assert _criterion(data, sid, "G1.legal_entity") == ("failed", "fail")

    # A number is adjusted in the provider's number input, and must be a number.
    page = page_text(evaluator.get(_url(sid, "finance.reserves_pct")))
    assert 'class="input input-number" id="adjusted"' in page and '<span class="input-suffix">%</span>' in page
    response = _evaluate(
        evaluator, sid, "finance.reserves_pct", {"verdict": "adjust", "adjusted": "lots", "rationale": "Accounts."}
    )
    page = page_text(response)
    assert _field_error(page, "adjusted") == "Enter a number, like 540000"
    assert 'value="lots"' in page
    response = _evaluate(
        evaluator,
        sid,
        "finance.reserves_pct",
        {"verdict": "adjust", "adjusted": "1.5", "rationale": "The audited accounts show reserves of 1.5%."},
    )
    assert response.status_code == 302
    assert _verdicts(data, sid)[("finance.reserves_pct", _user_id(data, EVALUATOR))] == {
        "score": 0.3,
        "answer": 1.5,
        "sufficiency": None,
        "location": None,
        "rationale": "The audited accounts show reserves of 1.5%.",
    }


def _user_id(data, email: str) -> int:
    with data() as session:
        return session.scalar(db.select(User.id).filter_by(email=email))


# --------------------------------------------------------------------------------------------------
# What the round requires before a decision


def test_the_rounds_verification_scope_decides_what_must_be_verified_before_the_panel_decides(app, data, make_browser):
    from assessor.services import verification
    from assessor.services.definitions import framework_for
    from assessor.services.scores import score

    world = build_world(data)
    sid = world.submission_id
    moderate_as(data, sid, MODERATOR, NARRATIVE, 0.75)
    verify_gate_answers(data, sid)
    admin = signed_in(make_browser, COMMISSIONERS["round_admin"])
    manage = f"/review/rounds/{world.round_id}/manage"
    page = page_text(admin.get(manage))
    assert "What evaluators must verify before the panel decides" in page
    assert _checked(page, "verification_scope") and not _checked(page, "verification_scope-all_weighted")

    # Every weighted answer: both workforce and maturity self-assessments must now be verified too.
    form = {"deadline": "", "status": "open", "verification_scope": "all_weighted"}
    assert admin.post(manage, form).status_code == 302
    assert _checked(page_text(admin.get(manage)), "verification_scope-all_weighted")
    with data() as session:
        event = session.scalars(db.select(AuditEvent).filter_by(action="round.updated")).one()
        assert (event.detail["old"]["verification_scope"], event.detail["new"]["verification_scope"]) == (
            "gate_answers",
            "all_weighted",
        )
        submission = session.get(Submission, sid)
        _, result = score(submission)
        blocking = verification.status(result, framework_for(submission.round), submission.round).blocking_message()
        session.rollback()
    assert blocking == (
        "2 self-assessed answers are not yet verified: "
        "the recommendation is not final until evaluators have checked them."
    )
    response = decide(make_browser, sid)
    assert response.status_code == 200 and blocking in page_text(response)
    overview = page_text(admin.get(f"/review/submissions/{sid}"))
    status = overview[overview.index('id="verification-status"') :]
    status = status[: status.index("</dd>")]
    assert blocking in status and "plan.maturity</a>" in status and "people.workforce</a>" in status
    assert "The round requires every answer that counts towards a score" in status
    # Half the weighted score (people) and the board's approval are not verified yet.
    assert re.search(r'id="verified-share">\d+%<', overview)

    # Back to the default: only the answers gate criteria read, which are verified, so the panel may decide.
    form["verification_scope"] = "gate_answers"
    assert admin.post(manage, form).status_code == 302
    assert "Nothing awaits verification: the panel may decide." in page_text(admin.get(f"/review/submissions/{sid}"))
    assert decide(make_browser, sid).status_code == 302


def test_a_round_setting_left_unchosen_keeps_the_scope_and_an_unknown_one_is_refused(app, data, make_browser):
    world = build_world(data)
    admin = signed_in(make_browser, COMMISSIONERS["round_admin"])
    manage = f"/review/rounds/{world.round_id}/manage"
    assert (
        admin.post(manage, {"deadline": "", "status": "open", "verification_scope": "all_weighted"}).status_code == 302
    )
    assert admin.post(manage, {"deadline": "", "status": "closed"}).status_code == 302
    response = admin.post(manage, {"deadline": "", "status": "closed", "verification_scope": "nothing"})
    assert response.status_code == 200
    assert '<a href="#verification_scope">Choose what evaluators must verify</a>' in page_text(response)
    with data() as session:
        assert session.get(Round, world.round_id).verification_scope == "all_weighted"
