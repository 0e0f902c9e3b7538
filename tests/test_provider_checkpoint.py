"""Answers carried forward from an earlier checkpoint round wait for the provider to confirm or change them."""

from __future__ import annotations

import html as html_lib
import re

from assessor.extensions import db
from assessor.models import Answer, Round, Submission
from scoring import visible_question_ids
from tests.member_declarations_helpers import declare_clean, member_ids
from tests.provider_helpers import (
    DOMAINS,
    EASTBROOK,
    QUESTIONNAIRE,
    audit,
    domain_form_data,
    page_form,
    post_page,
    submission_id,
)

PREVIOUS = "Northshire selection checkpoint 2025"


def _text(page: str) -> str:
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _carry_everything_forward(data, sid: int) -> dict[str, list[str]]:
    """Mark every shown answer as copied from an earlier round, as the checkpoint copy step leaves them.

    Returns the carried question ids of each domain."""
    with data() as session:
        submission = session.get(Submission, sid)
        earlier = Round(
            name=PREVIOUS,
            questionnaire_id=submission.round.questionnaire_id,
            framework_id=submission.round.framework_id,
            status="closed",
        )
        session.add(earlier)
        session.flush()
        submission.round.previous_round_id = earlier.id
        rows = session.scalars(db.select(Answer).filter_by(submission_id=sid)).all()
        shown = visible_question_ids(QUESTIONNAIRE, {r.question_id: r.value for r in rows if r.value is not None})
        carried: dict[str, list[str]] = {}
        for row in rows:
            if row.question_id in shown and row.value is not None:
                row.carried_from_round_id = earlier.id
                domain = QUESTIONNAIRE.domain_of(row.question_id)
                carried.setdefault(domain.id, []).append(row.question_id)
        session.commit()
        return carried


def _still_carried(data, sid: int) -> set[str]:
    with data() as session:
        return set(
            session.scalars(
                db.select(Answer.question_id).filter(
                    Answer.submission_id == sid, Answer.carried_from_round_id.is_not(None)
                )
            )
        )


def test_carried_forward_answers_must_be_confirmed_or_changed_before_submitting(demo, data, browser):
    sid = submission_id(data, EASTBROOK)
    browser.login("lead@eastbrook.example")
    for domain in QUESTIONNAIRE.joint_domains():
        url = f"/provider/submissions/{sid}/sections/{domain.id}"
        assert browser.post(url, {**domain_form_data(domain), "action": "save"}).status_code == 302
    for organisation_id in member_ids(data, sid).values():
        assert declare_clean(browser, sid, organisation_id).status_code == 302
    carried = _carry_everything_forward(data, sid)
    total = sum(len(ids) for ids in carried.values())
    assert total > 3

    overview = _text(browser.get(f"/provider/submissions/{sid}").get_data(as_text=True))
    assert f"{total} answers were carried forward from {PREVIOUS}; confirm or update them" in overview

    check_url = f"/provider/submissions/{sid}/check"
    check = browser.get(check_url).get_data(as_text=True)
    assert f"{total} carried-forward answers are not yet confirmed" in _text(check)
    assert check.count(f"(carried forward from {PREVIOUS})") == total
    refused = browser.post(f"/provider/submissions/{sid}/submit", {}, page=check_url, follow_redirects=True)
    assert "not yet confirmed" in _text(refused.get_data(as_text=True))
    assert audit(data, "submission.submitted", sid) == []

    # The domain page marks each carried-forward answer and offers a confirm box for it.
    strategy_ids = carried["strategy"]
    url = f"/provider/submissions/{sid}/sections/strategy"
    page = browser.get(url).get_data(as_text=True)
    assert _text(page).count(f"Carried forward from {PREVIOUS}: confirm or change") == len(strategy_ids)
    assert set(re.findall(r'name="confirm" value="([^"]+)"', page)) == set(strategy_ids)

    # Ticking one box confirms that answer alone, unchanged.
    ticked = strategy_ids[0]
    with data() as session:
        value_before = session.scalar(db.select(Answer).filter_by(submission_id=sid, question_id=ticked)).value
    assert post_page(browser.client, url, page, {"confirm": ticked, "action": "save"}).status_code == 302
    assert ticked not in _still_carried(data, sid)
    assert set(strategy_ids[1:]) <= _still_carried(data, sid)
    confirmed = audit(data, "answer.confirmed", sid)
    assert [(e["question"], e["how"], e["value"]) for e in confirmed] == [(ticked, "confirmed", value_before)]
    assert [e for e in audit(data, "answer.changed", sid) if e["question"] == ticked][-1]["new"] == value_before

    # Changing an answer settles it too.
    scale = next(q for q in DOMAINS["strategy"].questions if q.type == "scale" and q.id in strategy_ids[1:])
    page = browser.get(url).get_data(as_text=True)
    assert post_page(browser.client, url, page, {"q-" + scale.id: "0", "action": "save"}).status_code == 302
    assert scale.id not in _still_carried(data, sid)
    assert audit(data, "answer.confirmed", sid)[-1]["how"] == "changed"

    # "Confirm all answers on this page" settles the rest of each domain.
    for domain in QUESTIONNAIRE.joint_domains():
        if domain.id not in carried:
            continue
        domain_url = f"/provider/submissions/{sid}/sections/{domain.id}"
        page = browser.get(domain_url).get_data(as_text=True)
        response = post_page(browser.client, domain_url, page, {"action": "confirm-all"})
        assert response.status_code == 302
        assert not set(carried[domain.id]) & _still_carried(data, sid)
    assert _still_carried(data, sid) == set()
    assert len(audit(data, "answer.confirmed", sid)) == total

    assert "carried forward" not in browser.get(f"/provider/submissions/{sid}").get_data(as_text=True)
    assert "not yet confirmed" not in browser.get(check_url).get_data(as_text=True)
    assert browser.post(f"/provider/submissions/{sid}/submit", {}, page=check_url).status_code == 302
    assert audit(data, "submission.submitted", sid)[0]["new"] == "submitted"


def test_an_autosaved_change_settles_a_carried_forward_answer(demo, data, browser):
    sid = submission_id(data, EASTBROOK)
    browser.login("lead@eastbrook.example")
    strategy = DOMAINS["strategy"]
    url = f"/provider/submissions/{sid}/sections/strategy"
    assert browser.post(url, {**domain_form_data(strategy), "action": "save"}).status_code == 302
    carried = _carry_everything_forward(data, sid)["strategy"]
    scale = next(q for q in strategy.questions if q.type == "scale" and q.id in carried)
    form = page_form(browser.get(url).get_data(as_text=True))
    response = browser.client.post(
        f"/provider/submissions/{sid}/answers/{scale.id}",
        data={"q-" + scale.id: "1", "base-" + scale.id: form["base-" + scale.id], "csrf_token": form["csrf_token"]},
    )
    assert response.status_code == 200 and response.json["saved"]
    assert _still_carried(data, sid) == set(carried) - {scale.id}
    assert [(e["question"], e["how"]) for e in audit(data, "answer.confirmed", sid)] == [(scale.id, "changed")]
