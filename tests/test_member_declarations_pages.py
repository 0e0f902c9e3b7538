"""Each member organisation makes its own declarations; the applicant cannot submit until all have."""

from __future__ import annotations

import html as html_lib
import json
import re

from assessor.extensions import db
from assessor.models import MemberAnswer, Submission
from tests.member_declarations_helpers import (
    DECLARATION_QUESTIONS,
    clean_declarations,
    member_declarations_url,
    member_ids,
)
from tests.provider_helpers import ALLIANCE, audit, page_form, post_page, question_box, set_status, submission_id

ALLIANCE_LEAD = "lead@northshire-trust.example"
TRUST = "Northshire Acute and Community NHS Trust"
PCC = "Northshire Primary Care Collaborative"
MENTAL_HEALTH = "Northshire Mental Health NHS Trust"
COUNCIL = "Northshire County Council Adult Social Care"
YESNO = [q for q in DECLARATION_QUESTIONS if q.type == "yesno"]
FIRST = YESNO[0]
FIRST_EXPLANATION = next(q for q in DECLARATION_QUESTIONS if q.show_if and q.show_if.question == FIRST.id)


def _text(page: str) -> str:
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _declared(data, sid: int, organisation_id: int) -> dict:
    with data() as session:
        rows = session.scalars(db.select(MemberAnswer).filter_by(submission_id=sid, organisation_id=organisation_id))
        return {row.question_id: row.value for row in rows}


def _forget_declarations(data, sid: int, organisation_ids: list[int]) -> None:
    with data() as session:
        for row in session.scalars(
            db.select(MemberAnswer).filter(
                MemberAnswer.submission_id == sid, MemberAnswer.organisation_id.in_(organisation_ids)
            )
        ):
            session.delete(row)
        session.commit()


def _status_row(overview: str, organisation_id: int) -> str:
    start = overview.index(f'id="declarations-{organisation_id}"')
    return _text(overview[start : overview.index("</tr>", start)])


def test_each_member_declares_for_itself_and_submission_waits_for_all(demo, data, make_browser):
    sid = submission_id(data, ALLIANCE)
    members = member_ids(data, sid)
    set_status(data, sid, "draft")
    _forget_declarations(data, sid, [members[PCC], members[MENTAL_HEALTH], members[COUNCIL]])

    lead = make_browser()
    lead.login(ALLIANCE_LEAD)
    overview = lead.get(f"/provider/submissions/{sid}").get_data(as_text=True)
    assert "Member declarations" in overview
    # Every member organisation is listed, whether or not it has started.
    assert set(re.findall(r'id="declarations-(\d+)"', overview)) == {str(i) for i in members.values()}
    assert "Complete" in _status_row(overview, members[TRUST])
    for name in (PCC, MENTAL_HEALTH, COUNCIL):
        assert "Not started" in _status_row(overview, members[name])
        assert "Nobody yet" in _status_row(overview, members[name])

    # Check your answers names each member still to declare, linked to its page; submitting is refused.
    check_url = f"/provider/submissions/{sid}/check"
    check = lead.get(check_url).get_data(as_text=True)
    assert "3 member organisations have not completed their declarations" in _text(check)
    for name in (PCC, MENTAL_HEALTH, COUNCIL):
        assert f'href="{member_declarations_url(sid, members[name])}"' in check
    assert f'href="{member_declarations_url(sid, members[TRUST])}"' not in check
    refused = lead.post(f"/provider/submissions/{sid}/submit", {}, page=check_url, follow_redirects=True)
    assert "must complete its declarations" in _text(refused.get_data(as_text=True))
    assert audit(data, "submission.submitted", sid) == []

    # The lead organisation's lead reads a partner's declarations but cannot make them.
    partner_page = lead.get(member_declarations_url(sid, members[PCC])).get_data(as_text=True)
    assert "<fieldset disabled" in partner_page and "Save declarations" not in partner_page
    forbidden = lead.post(
        member_declarations_url(sid, members[PCC]),
        clean_declarations(),
        page=member_declarations_url(sid, members[PCC]),
    )
    assert forbidden.status_code == 403
    assert _declared(data, sid, members[PCC]) == {}

    # A partner's contributor answers its own declarations; an adverse answer asks for an explanation.
    gp = make_browser()
    gp.login("gp@northshire-pcc.example")
    own_url = member_declarations_url(sid, members[PCC])
    own = gp.get(own_url).get_data(as_text=True)
    assert "<fieldset disabled" not in own and "hidden" in question_box(own, FIRST_EXPLANATION.id)
    adverse = {**clean_declarations(), "q-" + FIRST.id: "yes"}
    response = gp.post(own_url, adverse, page=own_url)
    assert response.status_code == 302 and response.headers["Location"].startswith(own_url)
    reopened = gp.get(own_url).get_data(as_text=True)
    assert "hidden" not in question_box(reopened, FIRST_EXPLANATION.id)
    assert _declared(data, sid, members[PCC])[FIRST.id] is True
    changes = [e for e in audit(data, "declaration.changed", sid) if e["question"] == FIRST.id]
    assert changes == [
        {
            "organisation": PCC,
            "organisation_id": members[PCC],
            "question": FIRST.id,
            "old": None,
            "new": True,
            "version": 1,
            "_user": "Dr Helen Marsh",
        }
    ]
    still = lead.get(f"/provider/submissions/{sid}").get_data(as_text=True)
    assert "In progress" in _status_row(still, members[PCC])
    history = _text(lead.get(f"/provider/submissions/{sid}/history").get_data(as_text=True))
    assert "Changed a member declaration" in history and PCC in history

    # ...but never another member's: the trust's declarations stay as they were.
    trust_before = _declared(data, sid, members[TRUST])
    trust_url = member_declarations_url(sid, members[TRUST])
    assert "<fieldset disabled" in gp.get(trust_url).get_data(as_text=True)
    assert gp.post(trust_url, adverse, page=trust_url).status_code == 403
    assert _declared(data, sid, members[TRUST]) == trust_before

    # Two copies of the page: the later save of a changed explanation meets the earlier one's change.
    first_copy = gp.get(own_url).get_data(as_text=True)
    second_copy = gp.get(own_url).get_data(as_text=True)
    field = "q-" + FIRST_EXPLANATION.id
    kept = "Creditor arrangement in 2024, completed in full in 2025."
    assert post_page(gp.client, own_url, second_copy, {field: kept}).status_code == 302
    clash = post_page(gp.client, own_url, first_copy, {field: "A different account of the same arrangement."})
    assert clash.status_code == 200
    assert "changed this answer while you were editing" in _text(clash.get_data(as_text=True))
    assert _declared(data, sid, members[PCC])[FIRST_EXPLANATION.id] == kept

    done = lead.get(f"/provider/submissions/{sid}").get_data(as_text=True)
    assert "Complete" in _status_row(done, members[PCC]) and "Dr Helen Marsh" in _status_row(done, members[PCC])

    # Once every member has declared, the lead submits; afterwards declarations are read-only.
    for email, name in (("mh@northshire-mh.example", MENTAL_HEALTH), ("asc@northshire-council.example", COUNCIL)):
        member = make_browser()
        member.login(email)
        url = member_declarations_url(sid, members[name])
        assert member.post(url, clean_declarations(), page=url).status_code == 302
    check = lead.get(check_url).get_data(as_text=True)
    assert "have not completed" not in check and "has not completed" not in check
    assert lead.post(f"/provider/submissions/{sid}/submit", {}, page=check_url).status_code == 302
    with data() as session:
        assert session.get(Submission, sid).status == "submitted"
    after = gp.get(own_url).get_data(as_text=True)
    assert "<fieldset disabled" in after and "Save declarations" not in after
    assert (
        gp.client.post(
            own_url, data={**clean_declarations(), "csrf_token": page_form(after, "/logout").get("csrf_token")}
        ).status_code
        == 409
    )


def test_a_member_outside_the_applicant_has_no_declarations_page(demo, data, browser):
    sid = submission_id(data, ALLIANCE)
    eastbrook_org = next(iter(member_ids(data, submission_id(data, "Eastbrook Community Partnership")).values()))
    browser.login(ALLIANCE_LEAD)
    assert browser.get(member_declarations_url(sid, eastbrook_org)).status_code == 404


def test_the_round_dashboard_names_members_whose_declarations_are_not_clear(demo, data, make_browser):
    from assessor.models import MemberAnswer, Organisation, Submission
    from assessor.services.scores import score

    with data() as session:
        southvale = session.query(Submission).join(Submission.applicant).filter_by(name="Southvale GP Federation").one()
        organisation = session.query(Organisation).filter_by(name="Southvale GP Federation").one()
        row = (
            session.query(MemberAnswer)
            .filter_by(
                submission_id=southvale.id, organisation_id=organisation.id, question_id="declarations.insolvency"
            )
            .one()
        )
        row.value_json = "true"
        session.flush()
        score(southvale)
        session.commit()
    reviewer = make_browser()
    reviewer.login("moderator@northshire-icb.example")
    page = reviewer.get("/review/rounds/1").get_data(as_text=True)
    assert "Declarations not clear: Southvale GP Federation" in page
    # Eastbrook's draft has no declarations yet, which is not clear either; the others declared cleanly.
    assert "Declarations not clear: Eastbrook Community Health" in page
    assert page.count("Declarations not clear") == 2


def test_the_printable_version_includes_every_members_declarations(demo, data, make_browser):
    from assessor.models import Submission

    with data() as session:
        sid = session.query(Submission).join(Submission.applicant).filter_by(name="Northshire Care Alliance").one().id
    partner = make_browser()
    partner.login("gp@northshire-pcc.example")
    page = partner.get(f"/provider/submissions/{sid}/print").get_data(as_text=True)
    printed = page[page.index("Member declarations") :]
    for member in (
        "Northshire Acute and Community NHS Trust",
        "Northshire Primary Care Collaborative",
        "Northshire Mental Health NHS Trust",
        "Northshire County Council Adult Social Care",
    ):
        assert f"<h3>{member}</h3>" in printed
    # The demo members all declared "No" to every exclusion ground; no explanation box was asked.
    assert printed.count(">No</span>") == 4 * 5


def test_a_discretionary_ground_asks_for_evidence_of_self_cleaning_and_leaves_the_panel_a_condition(
    demo, data, make_browser
):
    sid = submission_id(data, ALLIANCE)
    members = member_ids(data, sid)
    set_status(data, sid, "draft")
    gp = make_browser()
    gp.login("gp@northshire-pcc.example")
    url = member_declarations_url(sid, members[PCC])
    page = gp.get(url).get_data(as_text=True)
    text = _text(page)
    # Both kinds of ground are on the member's one page, each under its own heading.
    assert "Member declarations: mandatory grounds for exclusion" in text
    assert "Member declarations: discretionary grounds for exclusion" in text
    assert "hidden" in question_box(page, "declarations.insolvency_self_cleaning")

    response = gp.post(url, {**clean_declarations(), "q-declarations.insolvency": "yes"}, page=url)
    assert response.status_code == 302 and response.headers["Location"].startswith(url)
    reopened = gp.get(url).get_data(as_text=True)
    for explanation in ("declarations.insolvency_detail", "declarations.insolvency_self_cleaning"):
        assert "hidden" not in question_box(reopened, explanation)
    evidence = "Every creditor was paid in full in March 2025; the 2025 audited accounts are unqualified."
    saved = post_page(
        gp.client,
        url,
        reopened,
        {
            "q-declarations.insolvency_detail": "A company voluntary arrangement agreed in 2024.",
            "q-declarations.insolvency_self_cleaning": evidence,
        },
    )
    assert saved.status_code == 302
    assert _declared(data, sid, members[PCC])["declarations.insolvency_self_cleaning"] == evidence

    # The eligibility gate becomes conditional, not failed: the panel weighs the evidence.
    with data() as session:
        result = json.loads(session.get(Submission, sid).result_json)
    eligibility = next(g for g in result["gates"] if g["id"] == "G1")
    criteria = {c["id"]: c["passed"] for c in eligibility["criteria"]}
    assert criteria["G1.mandatory_exclusions"] and not criteria["G1.discretionary_exclusions"]
    assert eligibility["outcome"] == "conditional"
