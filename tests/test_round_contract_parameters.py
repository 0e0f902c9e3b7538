"""Contract parameters set by the commissioner on the round, and the applicant type from its record.

The round administrator answers the questions marked ``answered_by: round`` once for the whole round
(capitated population, services in scope, term, envelope), checked like a provider's answers; every
applicant sees them read-only and is scored with them.  The applicant type (alliance or single
organisation) comes from the round's record of the applicant and decides which questions are asked.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from datetime import date, timedelta

import pytest

from assessor.extensions import db
from assessor.models import Answer, AuditEvent, Definition, Round, RoundAnswer, Submission, User
from assessor.services.answers import save_answer
from assessor.services.errors import NotAllowed
from assessor.services.scores import EngineInputs, what_if_inputs
from questionnaires import DEFAULT_FRAMEWORK_PATH, DEFAULT_QUESTIONNAIRE_PATH, load_framework, load_questionnaire
from scoring import what_if
from tests.provider_helpers import (
    ALLIANCE,
    EASTBROOK,
    element_with_id,
    page_form,
    post_page,
    question_box,
    submission_id,
)
from tests.review_helpers import page_text
from tests.test_scoring_shipped_framework import submission

ROUND_ADMIN = "admin@northshire-icb.example"
EASTBROOK_LEAD = "lead@eastbrook.example"
DEMO_ROUND = "Northshire frailty and long-term conditions: capability assessment 2026"


def _text(page: str) -> str:
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _box(page: str, question_id: str) -> str:
    """Everything in the box of one question, up to the next question's box."""
    start = page.index(f'id="question-{question_id}"')
    ends = [i for i in (page.find('class="question', start), page.find("</fieldset>", start)) if i != -1]
    return page[start : min(ends)]


def _hidden(page: str, question_id: str) -> bool:
    tag = question_box(page, question_id)
    return " hidden" in tag or "hidden>" in tag


def _post_contract(admin, round_id: int, page: str, changes: dict):
    """Send the contract parameters form of the manage page ``page`` with ``changes`` typed in."""
    action = f"/review/rounds/{round_id}/contract"
    fields = page_form(page, action)
    for name, value in changes.items():
        fields.setlist(name, value if isinstance(value, list) else [value])
    return admin.client.post(action, data={name: fields.getlist(name) for name in fields})


def _round_answers(data, round_id: int) -> dict:
    with data() as session:
        rows = session.scalars(db.select(RoundAnswer).filter_by(round_id=round_id))
        return {row.question_id: row.value for row in rows}


def _criterion(data, sid: int, criterion_id: str) -> dict:
    with data() as session:
        result = json.loads(session.get(Submission, sid).result_json)
    return next(c for g in result["gates"] for c in g["criteria"] if c["id"] == criterion_id)


def _new_round(data, admin) -> tuple[int, dict[str, int]]:
    """A fresh round on the shipped definitions with an alliance and a single organisation."""
    with data() as session:
        questionnaire = session.scalar(db.select(Definition).filter_by(kind="questionnaire"))
        framework = session.scalar(db.select(Definition).filter_by(kind="framework"))
        ids = (questionnaire.id, framework.id)
    response = admin.post(
        "/review/rounds/new",
        {
            "name": "Coastal frailty 2027",
            "description": "Frail older people on the coast",
            "questionnaire_id": str(ids[0]),
            "framework_id": str(ids[1]),
            "deadline": (date.today() + timedelta(days=60)).isoformat(),
        },
    )
    assert response.status_code == 302
    with data() as session:
        round_id = session.scalar(db.select(Round.id).filter_by(name="Coastal frailty 2027"))
    manage = f"/review/rounds/{round_id}/manage"
    created = admin.get(manage).get_data(as_text=True)
    assert "Set its contract parameters and add the applicants next" in _text(created)
    for name, lead, kind, partners in (
        ("Coastal Alliance", "Coastal Acute Trust", "acute_trust", "Coastal Carers Network | Voluntary sector"),
        ("Harbour GP Federation", "Harbour GP Federation", "gp_federation", ""),
    ):
        added = admin.post(
            f"/review/rounds/{round_id}/applicants",
            {"applicant_name": name, "lead_name": lead, "lead_kind": kind, "partners": partners},
            page=manage,
        )
        assert added.status_code == 302
    with data() as session:
        submissions = {
            s.applicant.name: s.id for s in session.scalars(db.select(Submission).filter_by(round_id=round_id))
        }
    return round_id, submissions


def test_the_round_admin_sets_the_contract_parameters_once_for_every_applicant(demo, data, make_browser):
    admin = make_browser()
    admin.login(ROUND_ADMIN)
    round_id, submissions = _new_round(data, admin)
    manage = f"/review/rounds/{round_id}/manage"
    page = admin.get(manage).get_data(as_text=True)
    assert "Contract parameters" in page
    assert "Not set yet: How many people does the contract cover" in _text(page)

    # An answer that is not a number is refused at its field, and what was typed stays there.
    refused = _post_contract(
        admin,
        round_id,
        page,
        {"q-strategy.capitated_population": "about forty thousand", "q-strategy.contract_term": "7"},
    )
    assert refused.status_code == 200
    shown = refused.get_data(as_text=True)
    summary = shown[shown.index('class="error-summary"') : shown.index("</ul>", shown.index('class="error-summary"'))]
    assert re.findall(r'href="#([^"]+)"', summary) == ["q-strategy.capitated_population"]
    assert "Enter a number, like 540000" in _text(summary)
    assert element_with_id(shown, "q-strategy.capitated_population-error")
    assert 'value="about forty thousand"' in shown and "<title>Error:" in shown
    assert _round_answers(data, round_id) == {}

    saved = _post_contract(
        admin,
        round_id,
        shown,
        {
            "q-strategy.capitated_population": "38,400",
            "q-strategy.contract_services": ["primary_care", "acute", "community"],
            "q-strategy.contract_term": "7",
            "q-strategy.contract_envelope": "395",
        },
    )
    assert saved.status_code == 302
    assert _round_answers(data, round_id) == {
        "strategy.capitated_population": 38400,
        "strategy.contract_services": ["primary_care", "acute", "community"],
        "strategy.contract_term": 7,
        "strategy.contract_envelope": 395,
    }
    reopened = admin.get(manage).get_data(as_text=True)
    assert "Contract parameters saved" in _text(reopened) and "Not set yet" not in reopened
    assert "Answered by Fiona Grant" in _text(_box(reopened, "strategy.contract_term"))
    with data() as session:
        events = session.scalars(db.select(AuditEvent).filter_by(action="round.answer_changed")).all()
        assert {e.detail["question"]: e.detail["new"] for e in events}["strategy.contract_term"] == 7

    # Every applicant is scored with them, once the dashboard refreshes the stored results.
    admin.get(f"/review/rounds/{round_id}")
    for sid in submissions.values():
        population = _criterion(data, sid, "G1.population")
        assert population["value"] == 38400 and not population["passed"]
        assert _criterion(data, sid, "G1.contract_years")["passed"]

    # A shorter term than the framework allows sends every applicant to open procurement.
    changed = _post_contract(
        admin, round_id, admin.get(manage).get_data(as_text=True), {"q-strategy.contract_term": "2"}
    )
    assert changed.status_code == 302
    with data() as session:
        assert all(session.get(Submission, sid).inputs_hash is None for sid in submissions.values())
    assert admin.get(f"/review/rounds/{round_id}").status_code == 200
    for sid in submissions.values():
        assert not _criterion(data, sid, "G1.contract_years")["passed"]
        with data() as session:
            assert session.get(Submission, sid).recommendation == "open_procurement"


def test_providers_see_the_contract_parameters_and_their_applicant_type_but_cannot_change_them(demo, data, browser):
    sid = submission_id(data, EASTBROOK)
    browser.login(EASTBROOK_LEAD)
    url = f"/provider/submissions/{sid}/sections/strategy"
    page = browser.get(url).get_data(as_text=True)
    population = _text(_box(page, "strategy.capitated_population"))
    assert "38,400 people" in population and "Set by the commissioner for this round" in population
    assert "7 years" in _text(_box(page, "strategy.contract_term"))
    assert "A single organisation" in _text(_box(page, "strategy.applicant_type"))
    for question_id in ("strategy.capitated_population", "strategy.contract_term", "strategy.applicant_type"):
        assert f'name="q-{question_id}"' not in page
    printed = _text(browser.get(f"/provider/submissions/{sid}/print").get_data(as_text=True))
    assert "38,400 people Set by the commissioner for this round" in printed
    assert "A single organisation From the commissioner's record of the application" in printed

    # Neither the autosave nor a forged field on the page changes them.
    autosave = browser.post(
        f"/provider/submissions/{sid}/answers/strategy.contract_term", {"q-strategy.contract_term": "2"}, page=url
    )
    assert autosave.status_code == 404
    posted = post_page(
        browser.client,
        url,
        page,
        {"q-strategy.vision": "2", "q-strategy.contract_term": "2", "q-strategy.applicant_type": "alliance"},
    )
    assert posted.status_code == 302
    with data() as session:
        stored = {a.question_id for a in session.scalars(db.select(Answer).filter_by(submission_id=sid))}
    assert "strategy.vision" in stored
    assert not stored & {"strategy.contract_term", "strategy.applicant_type"}
    again = browser.get(url).get_data(as_text=True)
    assert "7 years" in _text(_box(again, "strategy.contract_term"))

    # The service refuses as well, whatever calls it.
    with data() as session:
        submission = session.get(Submission, sid)
        lead = session.scalar(db.select(User).filter_by(email=EASTBROOK_LEAD))
        with pytest.raises(NotAllowed, match="set by the commissioner"):
            save_answer(submission, "strategy.contract_term", 2, base_version=0, base_fingerprint=None, user=lead)


def test_a_providers_stored_answer_to_a_contract_parameter_is_never_read(demo, data, browser):
    """An answer left over from a questionnaire that still asked the provider is ignored by pages and scores."""
    sid = submission_id(data, EASTBROOK)
    with data() as session:
        session.add(Answer(submission_id=sid, question_id="strategy.contract_term", value_json="2", version=1))
        session.get(Submission, sid).inputs_hash = None
        session.commit()
    browser.login(EASTBROOK_LEAD)
    page = browser.get(f"/provider/submissions/{sid}/sections/strategy").get_data(as_text=True)
    assert "7 years" in _text(_box(page, "strategy.contract_term"))
    browser.get(f"/provider/submissions/{sid}")  # scores afresh
    assert _criterion(data, sid, "G1.contract_years")["passed"]


def test_contract_parameters_cannot_change_once_the_panel_has_decided(demo, data, make_browser):
    with data() as session:
        round_id = session.scalar(db.select(Round.id).filter_by(name=DEMO_ROUND))
    before = _round_answers(data, round_id)
    admin = make_browser()
    admin.login(ROUND_ADMIN)
    manage = f"/review/rounds/{round_id}/manage"
    page = admin.get(manage).get_data(as_text=True)
    section = page[page.index('id="contract-parameters"') : page.index("Provider users")]
    assert "The panel has decided on 1 submission in this round" in _text(section)
    assert "<fieldset disabled" in section and "Save the contract parameters" not in section
    response = _post_contract(admin, round_id, page, {"q-strategy.contract_term": "2"})
    assert response.status_code == 302
    shown = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "can no longer change" in _text(shown)
    assert _round_answers(data, round_id) == before


def test_only_round_admins_set_contract_parameters(demo, data, make_browser):
    with data() as session:
        round_id = session.scalar(db.select(Round.id).filter_by(name=DEMO_ROUND))
    for email, home in (("moderator@northshire-icb.example", "/review/"), (EASTBROOK_LEAD, "/provider/")):
        person = make_browser()
        person.login(email)
        response = person.post(f"/review/rounds/{round_id}/contract", {"q-strategy.contract_term": "2"}, page=home)
        assert response.status_code == 403, email
    assert _round_answers(data, round_id)["strategy.contract_term"] == 7


def test_a_checkpoint_carries_the_contract_parameters_forward_but_not_a_providers_answer_to_one(
    demo, data, make_browser
):
    eastbrook = submission_id(data, EASTBROOK)
    with data() as session:
        demo_round = session.scalar(db.select(Round).filter_by(name=DEMO_ROUND))
        round_id, questionnaire_id, framework_id = demo_round.id, demo_round.questionnaire_id, demo_round.framework_id
        session.add(Answer(submission_id=eastbrook, question_id="strategy.contract_term", value_json="2", version=1))
        session.commit()
    admin = make_browser()
    admin.login(ROUND_ADMIN)
    response = admin.post(
        "/review/rounds/new",
        {
            "name": "Northshire preferred bidder checks",
            "questionnaire_id": str(questionnaire_id),
            "framework_id": str(framework_id),
            "previous_round_id": str(round_id),
            "checkpoint_label": "Preferred bidder",
        },
    )
    assert response.status_code == 302, page_text(response)
    with data() as session:
        checkpoint = session.scalar(db.select(Round).filter_by(name="Northshire preferred bidder checks"))
        carried = session.scalars(db.select(Submission).filter_by(round_id=checkpoint.id)).all()
        drafts = {s.applicant.name: s.id for s in carried}
        checkpoint_id = checkpoint.id
    assert _round_answers(data, checkpoint_id) == _round_answers(data, round_id)
    with data() as session:
        copied = {a.question_id for a in session.scalars(db.select(Answer).filter_by(submission_id=drafts[EASTBROOK]))}
    assert "strategy.contract_term" not in copied
    # The checkpoint's contract parameters belong to it: no decision there yet, so they can change.
    page = admin.get(f"/review/rounds/{checkpoint_id}/manage").get_data(as_text=True)
    assert "Save the contract parameters" in page
    assert _criterion(data, drafts[ALLIANCE], "G1.contract_years")["passed"]


# --------------------------------------------------------------------------------------------------
# Applicant type


def test_single_organisations_are_asked_about_subcontractors_and_alliances_about_partners(demo, data, make_browser):
    single = make_browser()
    single.login(EASTBROOK_LEAD)
    eastbrook = submission_id(data, EASTBROOK)
    alliance = make_browser()
    alliance.login("lead@northshire-trust.example")
    northshire = submission_id(data, ALLIANCE)
    for domain, partner_questions, subcontractor_question in (
        (
            "governance",
            ("governance.membership_rules", "governance.mutual_accountability", "governance.partner_count"),
            "governance.subcontractor_accountability",
        ),
        ("culture", ("culture.collaboration", "culture.leader_relationships"), "culture.subcontractor_relationships"),
    ):
        own = single.get(f"/provider/submissions/{eastbrook}/sections/{domain}").get_data(as_text=True)
        theirs = alliance.get(f"/provider/submissions/{northshire}/sections/{domain}").get_data(as_text=True)
        for question_id in partner_questions:
            assert _hidden(own, question_id) and not _hidden(theirs, question_id), question_id
        assert not _hidden(own, subcontractor_question) and _hidden(theirs, subcontractor_question)
    # What is left to answer before submitting never includes a question the applicant is not asked.
    check = _text(single.get(f"/provider/submissions/{eastbrook}/check").get_data(as_text=True))
    assert "How do partners hold each other to account" not in check
    assert "How will you hold the providers you subcontract to accountable" in check


def test_what_it_would_take_never_asks_to_change_a_contract_parameter():
    """The engine would raise a too-short term to meet the term gate; the term is the commissioner's, so
    no suggestion is made, as for member declarations."""
    questionnaire = load_questionnaire(DEFAULT_QUESTIONNAIRE_PATH)
    framework = load_framework(DEFAULT_FRAMEWORK_PATH, questionnaire)
    answers, moderation, members = submission({d.id: 1.0 for d in questionnaire.joint_domains()}, "single")
    answers["strategy.contract_term"] = 2
    engine = what_if(questionnaire, framework, answers, moderation, member_answers=members)
    assert engine is not None and [c.question_id for c in engine.changes] == ["strategy.contract_term"]
    inputs = EngineInputs(questionnaire, framework, answers, moderation, members, "inputs")
    assert what_if_inputs(inputs) is None
    # A provider's own answer is still suggested as before.
    answers["strategy.contract_term"] = 7
    answers["governance.legal_entity"] = False
    found = what_if_inputs(EngineInputs(questionnaire, framework, answers, moderation, members, "inputs"))
    assert found is not None and [c.question_id for c in found.changes] == ["governance.legal_entity"]
