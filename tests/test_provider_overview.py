"""The overview: progress per domain, status, deadline, who answered; leads assign domains."""

from __future__ import annotations

import html as html_lib
import re

from assessor.extensions import db
from assessor.models import Round, User
from tests.provider_helpers import (
    ALLIANCE,
    DOMAINS,
    EASTBROOK,
    audit,
    domain_form_data,
    page_form,
    post_page,
    required_before_any_answer,
    set_status,
    submission_id,
)


def _domain_block(page: str, domain_id: str) -> str:
    start = page.index(f'id="domain-{domain_id}"')
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", page[start : page.index("</li>", start)])).split())


def _required_shown_without_answers(domain) -> int:
    # With nothing answered no follow-up question is showing; Eastbrook is a single organisation.
    return len(required_before_any_answer(domain))


def test_overview_shows_progress_status_deadline_and_who_answered(demo, data, browser):
    sid = submission_id(data, EASTBROOK)
    browser.login("lead@eastbrook.example")
    strategy, it = DOMAINS["strategy"], DOMAINS["it"]
    scale_ids = [q.id for q in strategy.questions if q.type == "scale" and q.required and not q.show_if][:3]
    url = f"/provider/submissions/{sid}/sections/strategy"
    post_page(
        browser.client,
        url,
        browser.get(url).get_data(as_text=True),
        {"q-" + qid: "1" for qid in scale_ids} | {"action": "save"},
    )
    it_url = f"/provider/submissions/{sid}/sections/it"
    assert browser.post(it_url, {**domain_form_data(it), "action": "save"}).status_code == 302

    page = browser.get(f"/provider/submissions/{sid}").get_data(as_text=True)
    with data() as session:
        deadline = session.scalar(db.select(Round.deadline))
    assert deadline.strftime("%d %B %Y") in page

    block = _domain_block(page, "strategy")
    assert "In progress" in block
    assert f"{len(scale_ids)} of {_required_shown_without_answers(strategy)} required questions answered" in block
    assert "Answers by Olu Martins (3)" in block and "by Olu Martins" in block
    assert "Nobody yet" in block

    # Answering "yes" to a trigger adds its follow-up to what is required, so count after answers.
    it_required = sum(1 for q in it.questions if q.required and (q.show_if is None or q.show_if.equals is True))
    block = _domain_block(page, "it")
    assert "Complete" in block and f"{it_required} of {it_required} required questions answered" in block
    for domain_id in ("governance", "workforce", "culture", "finance"):
        assert "Not started" in _domain_block(page, domain_id)
        assert "None yet" in _domain_block(page, domain_id)


def test_lead_assigns_domains_to_named_colleagues_in_any_member_organisation(demo, data, browser, make_browser):
    sid = submission_id(data, ALLIANCE)
    set_status(data, sid, "draft")
    browser.login("lead@northshire-trust.example")
    overview = browser.get(f"/provider/submissions/{sid}").get_data(as_text=True)
    assign_url = f"/provider/submissions/{sid}/sections/finance/assign"
    assert assign_url in overview

    page = browser.get(assign_url).get_data(as_text=True)
    with data() as session:
        people = {u.email: u.id for u in session.scalars(db.select(User))}
    # Colleagues from the partner organisations are offered, people from other applicants are not.
    assert f'value="{people["gp@northshire-pcc.example"]}"' in page
    assert f'value="{people["lead@eastbrook.example"]}"' not in page

    def choose(user_id):
        form = page_form(browser.get(assign_url).get_data(as_text=True))
        return browser.client.post(assign_url, data={"csrf_token": form["csrf_token"], "assignee": str(user_id)})

    assert choose(people["gp@northshire-pcc.example"]).status_code == 302
    assert "Dr Helen Marsh" in _domain_block(
        browser.get(f"/provider/submissions/{sid}").get_data(as_text=True), "finance"
    )
    refused = choose(people["lead@eastbrook.example"])
    assert refused.status_code == 200 and "Not a valid choice" in refused.get_data(as_text=True)
    assert choose("nobody").status_code == 302
    # Stored under the event's original name and keys, from when domains were called sections...
    assert [(e["_user"], e["section"], e["old"], e["new"]) for e in audit(data, "section.assigned", sid)] == [
        ("Priya Shah", "finance", None, "Dr Helen Marsh"),
        ("Priya Shah", "finance", "Dr Helen Marsh", None),
    ]
    # ...and told in today's words on the history page.
    history = browser.get(f"/provider/submissions/{sid}/history").get_data(as_text=True)
    assert history.count("Assigned a domain") == 2 and "Assigned a section" not in history

    assert choose(people["gp@northshire-pcc.example"]).status_code == 302
    partner = make_browser()
    partner.login("gp@northshire-pcc.example")
    home = partner.get("/provider/").get_data(as_text=True)
    assert "Domains assigned to you" in home
    assert f"/provider/submissions/{sid}/sections/finance" in home
    domain_page = partner.get(f"/provider/submissions/{sid}/sections/finance").get_data(as_text=True)
    assert "Assigned to <strong>Dr Helen Marsh</strong> (you)" in domain_page

    # Partners and contributors edit answers but do not hand out work.
    assert partner.get(assign_url).status_code == 403
    contributor = make_browser()
    contributor.login("cio@northshire-trust.example")
    assert contributor.get(assign_url).status_code == 403
    assert assign_url not in contributor.get(f"/provider/submissions/{sid}").get_data(as_text=True)

    # Once submitted, the assignment is part of the record.
    set_status(data, sid, "submitted")
    assert browser.get(assign_url).status_code == 409
