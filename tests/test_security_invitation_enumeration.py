"""The invitation forms must not tell anyone which addresses have Gateway accounts, and are limited
per person (review finding F8)."""

from __future__ import annotations

import html as html_lib
import re

import pytest

from assessor.extensions import db
from assessor.models import Invitation, Organisation, User
from tests.provider_helpers import page_form
from tests.web_client import DEMO_PASSWORD

LINK = re.compile(r'value="https?://[^"]*/invitations/([^"]+)"')
GOOD_PASSWORD = "copper kettle harbour 42"
# A competing applicant's lead, a commissioner, a site administrator: all have accounts elsewhere.
ELSEWHERE = ["lead@southvale-gpfed.example", "evaluator@northshire-icb.example", "siteadmin@gateway.example"]
NOBODY = "nobody@southvale-gpfed.example"


def _invite(browser, email, role="contributor"):
    page = browser.get("/provider/colleagues").get_data(as_text=True)
    return browser.client.post(
        "/provider/colleagues/invite",
        data={"email": email, "role": role, "csrf_token": page_form(page, "/provider/colleagues/invite")["csrf_token"]},
    )


def _neutral(text: str, email: str) -> str:
    """The page with what must differ (the address, the token, times, the request id) taken out."""
    text = html_lib.unescape(text).replace(email, "EMAIL")
    text = LINK.sub('value="LINK"', text)
    text = re.sub(r"/invitations/[A-Za-z0-9_-]+", "/invitations/TOKEN", text)
    text = re.sub(r"\d{1,2} \w+ \d{4}( at)? \d{2}:\d{2}", "WHEN", text)
    # Signed CSRF tokens carry the second they were made: payload.timestamp.signature.
    return re.sub(r"[\w-]{10,}\.[\w-]{4,}\.[\w-]{10,}", "CSRF", text)


def _account(data, email):
    with data() as session:
        user = session.scalar(db.select(User).filter_by(email=email))
        return (user.password_hash, user.organisation_id, user.role) if user else None


def _rows(data, model, **where) -> int:
    with data() as session:
        return session.scalar(db.select(db.func.count()).select_from(model).filter_by(**where))


@pytest.mark.parametrize("existing", ELSEWHERE)
def test_inviting_an_address_with_an_account_elsewhere_looks_like_inviting_a_new_one(
    demo, data, browser, make_browser, existing
):
    browser.login("lead@eastbrook.example")
    before = _account(data, existing)
    pages, links = {}, {}
    for email in (NOBODY, existing):
        created = _invite(browser, email)
        assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
        text = created.get_data(as_text=True)
        pages[email] = _neutral(text, email)
        links[email] = "/invitations/" + html_lib.unescape(LINK.search(text).group(1))
    assert pages[existing] == pages[NOBODY]
    assert "already" not in pages[existing]

    # Opening the link (in another browser) looks the same too.
    opened = {}
    for email, link in links.items():
        response = make_browser().get(link)
        assert response.status_code == 200
        opened[email] = _neutral(response.get_data(as_text=True), email)
    assert opened[existing] == opened[NOBODY]

    # Using it cannot make a second account, nor touch the existing one.
    taken = make_browser().post(
        links[existing], {"name": "Someone", "password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD}
    )
    assert taken.status_code == 409 and "Sign in instead" in taken.get_data(as_text=True)
    assert _rows(data, User, email=existing) == 1 and _account(data, existing) == before
    with data() as session:
        assert session.scalar(db.select(Invitation).filter_by(email=existing)).used_at is None
    make_browser().login(existing, DEMO_PASSWORD)


def test_a_colleague_already_in_the_organisation_is_named_as_such(demo, data, browser):
    """The lead's colleagues page lists these people already, so saying so gives nothing away."""
    browser.login("lead@eastbrook.example")
    with data() as session:
        organisation = session.scalar(
            db.select(Organisation)
            .join(User, User.organisation_id == Organisation.id)
            .filter(User.email == "lead@eastbrook.example")
        )
        colleague = User(
            email="colleague@eastbrook.example",
            name="Kit Colleague",
            role="contributor",
            organisation_id=organisation.id,
            password_hash="x",
            session_token="t" * 32,
        )
        session.add(colleague)
        session.commit()
        name = organisation.name
    refused = _invite(browser, "colleague@eastbrook.example")
    assert f"colleague@eastbrook.example already has a Gateway account in {name}" in html_lib.unescape(
        refused.get_data(as_text=True)
    )
    assert _rows(data, Invitation) == 0


def test_a_lead_can_create_only_so_many_invitations(demo, data, app, browser, make_browser):
    app.config["INVITATION_RATE_LIMIT"] = "3 per hour"
    browser.login("lead@eastbrook.example")
    codes = [_invite(browser, f"person{n}@example.org").status_code for n in range(4)]
    assert codes == [200, 200, 200, 429]
    assert _rows(data, Invitation) == 3
    # The limit is the person's, not everyone's.
    other = make_browser()
    other.login("lead@southvale-gpfed.example")
    assert _invite(other, "someone@southvale-gpfed.example").status_code == 200


def test_a_round_administrator_can_create_only_so_many_invitations(demo, data, app, make_browser):
    app.config["INVITATION_RATE_LIMIT"] = "2 per hour"
    admin = make_browser()
    admin.login("admin@northshire-icb.example")
    with data() as session:
        organisation_id = session.scalar(db.select(Organisation.id).filter_by(name="Southvale GP Federation"))
    invite = "/review/rounds/1/invite"
    codes = [
        admin.post(
            invite, {"organisation_id": str(organisation_id), "email": f"p{n}@southvale-gpfed.example", "role": "lead"}
        ).status_code
        for n in range(3)
    ]
    assert codes == [200, 200, 429]
    assert admin.get(invite).status_code == 200
