"""A round administrator invites the first user of an applicant's organisation."""

from __future__ import annotations

import re

from assessor.models import Invitation, Organisation, User
from tests.web_client import csrf_token

NEW_APPLICANT = {
    "applicant_name": "Westmoor Health Partnership",
    "lead_name": "Westmoor Community Trust",
    "lead_kind": "community_trust",
    "partners": "Westmoor Hospice | Voluntary sector",
}


def test_round_admin_invites_the_first_lead_who_then_sees_the_new_draft(demo, data, make_browser):
    admin = make_browser()
    admin.login("admin@northshire-icb.example")
    manage = "/review/rounds/1/manage"
    assert admin.post("/review/rounds/1/applicants", NEW_APPLICANT, page=manage).status_code == 302
    with data() as session:
        organisation_id = session.query(Organisation).filter_by(name="Westmoor Community Trust").one().id

    invite = "/review/rounds/1/invite"
    form_page = admin.get(invite).get_data(as_text=True)
    assert "Westmoor Community Trust" in form_page and "Westmoor Hospice" in form_page
    created = admin.post(
        invite, {"organisation_id": str(organisation_id), "email": "ceo@westmoor.example", "role": "lead"}
    )
    page = created.get_data(as_text=True)
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    link = re.search(r'value="(http[^"]+/invitations/[^"]+)"', page).group(1)
    with data() as session:
        invitation = session.query(Invitation).filter_by(email="ceo@westmoor.example").one()
        assert (invitation.organisation_id, invitation.role) == (organisation_id, "lead")

    newcomer = make_browser()
    path = link.split("localhost", 1)[1]
    accept = newcomer.get(path).get_data(as_text=True)
    accepted = newcomer.client.post(
        path,
        data={
            "csrf_token": csrf_token(accept),
            "name": "Morgan Hale",
            "password": "lantern-orchard-river-2027",
            "confirm": "lantern-orchard-river-2027",
        },
    )
    assert accepted.status_code == 302, accepted.get_data(as_text=True)[:2000]
    home = newcomer.get("/provider/").get_data(as_text=True)
    assert "Westmoor Health Partnership" in home
    with data() as session:
        user = session.query(User).filter_by(email="ceo@westmoor.example").one()
        assert (user.role, user.organisation_id) == ("lead", organisation_id)


def test_only_organisations_in_the_round_can_be_chosen_and_other_roles_cannot_invite(demo, data, make_browser):
    with data() as session:
        outsider = Organisation(name="Unrelated Care Ltd", kind="voluntary")
        session.add(outsider)
        session.commit()
        outsider_id = outsider.id
    admin = make_browser()
    admin.login("admin@northshire-icb.example")
    refused = admin.post(
        "/review/rounds/1/invite",
        {"organisation_id": str(outsider_id), "email": "someone@unrelated.example", "role": "lead"},
    )
    assert refused.status_code == 200
    assert "Choose the organisation the person works for" in refused.get_data(as_text=True)
    with data() as session:
        assert session.query(Invitation).filter_by(email="someone@unrelated.example").count() == 0

    evaluator = make_browser()
    evaluator.login("evaluator@northshire-icb.example")
    assert evaluator.get("/review/rounds/1/invite").status_code == 403
