"""Leads invite colleagues with single-use links that expire; the colleague sets a name and password."""

from __future__ import annotations

import hashlib
import html as html_lib
import re
from datetime import timedelta

from assessor.extensions import db
from assessor.models import Invitation, User
from assessor.passwords import password_problems
from tests.provider_helpers import audit, page_form

NEW_PERSON = "finance.director@eastbrook.example"
GOOD_PASSWORD = "copper kettle harbour 42"
LINK = re.compile(r'value="(https?://[^"]*/invitations/([^"]+))"')


def _invite(browser, email=NEW_PERSON, role="contributor"):
    page = browser.get("/provider/colleagues").get_data(as_text=True)
    return browser.client.post(
        "/provider/colleagues/invite",
        data={"email": email, "role": role, "csrf_token": page_form(page, "/provider/colleagues/invite")["csrf_token"]},
    )


def _invitation(data, email=NEW_PERSON) -> dict:
    with data() as session:
        row = session.scalars(db.select(Invitation).filter_by(email=email).order_by(Invitation.id.desc())).first()
        return {
            "token_hash": row.token_hash,
            "created_at": row.created_at,
            "expires_at": row.expires_at,
            "used_at": row.used_at,
            "role": row.role,
            "id": row.id,
        }


def test_a_lead_invites_a_colleague_who_creates_an_account_once(demo, data, browser, make_browser):
    browser.login("lead@eastbrook.example")
    created = _invite(browser)
    assert created.status_code == 200
    page = html_lib.unescape(created.get_data(as_text=True))
    assert "Gateway does not send emails" in page and "will not show this link again" in page
    assert created.headers["Cache-Control"] == "no-store"
    link, token = LINK.search(created.get_data(as_text=True)).groups()
    token = html_lib.unescape(token)

    # Only a digest of the token is kept, and the link lasts a week by default.
    stored = _invitation(data)
    assert stored["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert stored["expires_at"] - stored["created_at"] == timedelta(days=7)
    assert audit(data, "invitation.created")[-1]["email"] == NEW_PERSON
    colleagues = browser.get("/provider/colleagues").get_data(as_text=True)
    assert NEW_PERSON in colleagues and token not in colleagues

    invitee = make_browser()
    path = "/invitations/" + token
    form = invitee.get(path)
    assert form.status_code == 200 and NEW_PERSON in form.get_data(as_text=True)
    assert form.headers["Cache-Control"] == "no-store"

    # Password rules come from the product's password policy; what was typed stays on error.
    weak = "password1234"
    assert password_problems(weak)
    refused = invitee.post(path, {"name": "Ada Mensah", "password": weak, "confirm": weak})
    assert refused.status_code == 200
    text = html_lib.unescape(refused.get_data(as_text=True))
    assert password_problems(weak)[0] in text and 'href="#password"' in text
    assert 'value="Ada Mensah"' in refused.get_data(as_text=True)
    mismatch = invitee.post(path, {"name": "Ada Mensah", "password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD + "!"})
    assert "The two passwords do not match" in html_lib.unescape(mismatch.get_data(as_text=True))
    assert _invitation(data)["used_at"] is None

    accepted = invitee.post(path, {"name": "Ada Mensah", "password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD})
    assert accepted.status_code == 302
    home = invitee.get("/provider/").get_data(as_text=True)
    assert "Ada Mensah" in home and "Eastbrook Community Partnership" in home
    with data() as session:
        user = session.scalar(db.select(User).filter_by(email=NEW_PERSON))
        assert (user.role, user.organisation.name) == ("contributor", "Eastbrook Community Health")
    assert _invitation(data)["used_at"] is not None
    assert audit(data, "invitation.accepted")[-1]["_user"] == "Ada Mensah"

    # The link is spent: a second visit is refused, saying why.
    again = make_browser().get(path)
    assert again.status_code == 410 and "already been used" in html_lib.unescape(again.get_data(as_text=True))
    assert NEW_PERSON not in browser.get("/provider/colleagues").get_data(as_text=True).split("Invitations waiting")[1]
    make_browser().login(NEW_PERSON, GOOD_PASSWORD)


def test_expired_unknown_replaced_and_withdrawn_links_are_refused(demo, data, browser, make_browser):
    browser.login("lead@eastbrook.example")
    first_token = html_lib.unescape(LINK.search(_invite(browser).get_data(as_text=True)).group(2))
    second_token = html_lib.unescape(LINK.search(_invite(browser, role="lead").get_data(as_text=True)).group(2))
    visitor = make_browser()

    replaced = visitor.get("/invitations/" + first_token)
    assert replaced.status_code == 410 and "stopped working" in html_lib.unescape(replaced.get_data(as_text=True))
    assert visitor.get("/invitations/" + second_token).status_code == 200
    assert _invitation(data)["role"] == "lead"

    with data() as session:
        row = session.get(Invitation, _invitation(data)["id"])
        row.expires_at = row.created_at - timedelta(minutes=1)
        session.commit()
    expired = visitor.get("/invitations/" + second_token)
    assert expired.status_code == 410
    assert "Ask Olu Martins to send you a new one" in html_lib.unescape(expired.get_data(as_text=True))
    late = visitor.post(
        "/invitations/" + second_token,
        {"name": "Late", "password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD},
        page="/login",
    )
    assert late.status_code == 410
    with data() as session:
        assert session.scalar(db.select(User).filter_by(email=NEW_PERSON)) is None

    unknown = visitor.get("/invitations/" + "x" * 43)
    assert unknown.status_code == 404 and "not valid" in unknown.get_data(as_text=True)

    third_token = html_lib.unescape(LINK.search(_invite(browser).get_data(as_text=True)).group(2))
    colleagues = browser.get("/provider/colleagues").get_data(as_text=True)
    withdraw_url = f"/provider/colleagues/invitations/{_invitation(data)['id']}/withdraw"
    assert withdraw_url in colleagues
    assert browser.post(withdraw_url, {}, page="/provider/colleagues").status_code == 302
    assert visitor.get("/invitations/" + third_token).status_code == 410
    assert [e["reason"] for e in audit(data, "invitation.withdrawn")][-1] == "withdrawn by a lead"


def test_only_leads_invite_and_never_to_an_existing_account(demo, data, browser, make_browser):
    contributor = make_browser()
    contributor.login("cio@northshire-trust.example")
    assert contributor.get("/provider/colleagues").status_code == 403
    token = page_form(contributor.get("/provider/").get_data(as_text=True), "/logout")["csrf_token"]
    assert (
        contributor.client.post(
            "/provider/colleagues/invite", data={"email": NEW_PERSON, "role": "lead", "csrf_token": token}
        ).status_code
        == 403
    )

    browser.login("lead@eastbrook.example")
    malformed = _invite(browser, email="not-an-address")
    text = html_lib.unescape(malformed.get_data(as_text=True))
    assert "Enter an email address in the correct format" in text and 'href="#email"' in text
    with data() as session:
        assert session.scalar(db.select(db.func.count()).select_from(Invitation)) == 0
    # An address with an account in another organisation gets a link like any other (the form must
    # not reveal who has an account), but the link cannot make a second account.
    taken = _invite(browser, email="cio@northshire-trust.example")
    assert "already has a Gateway account" not in taken.get_data(as_text=True)
    link = html_lib.unescape(LINK.search(taken.get_data(as_text=True)).group(2))
    refused = make_browser().post(
        "/invitations/" + link, {"name": "Tom", "password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD}
    )
    assert refused.status_code == 409
    with data() as session:
        assert (
            session.scalar(db.select(db.func.count()).select_from(User).filter_by(email="cio@northshire-trust.example"))
            == 1
        )
    # Someone already signed in cannot use a link meant for a new person.
    assert browser.get("/invitations/anything").status_code == 409
