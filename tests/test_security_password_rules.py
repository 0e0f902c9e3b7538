"""The rule that a password must not be built from the account's name, email address or organisation
holds wherever a password is set, not only in the unit test of the rule (review finding F4)."""

from __future__ import annotations

import ast
import html as html_lib
import re
from pathlib import Path

import pytest

from assessor.extensions import db
from assessor.models import Invitation, Organisation, User
from assessor.passwords import password_problems
from tests.provider_helpers import page_form

ASSESSOR = Path(__file__).resolve().parent.parent / "assessor"
NEWCOMER = "newbie@eastbrook.example"
GOOD_PASSWORD = "copper kettle harbour 42"
BUILT_FROM = "Password must not be built from your name, email address or organisation"
LINK = re.compile(r'value="https?://[^"]*/invitations/([^"]+)"')

# Organisation "Eastbrook Community Health", address newbie@eastbrook.example, name "Nia Newbie".
GUESSABLE = ["Eastbrook!2026", "E@stbr00k!2026", "eastbrook-2026!", "Newbie!!2026", "NiaNewbie2026", "Community!!2026"]


def _invitation_token(browser) -> str:
    browser.login("lead@eastbrook.example")
    page = browser.get("/provider/colleagues").get_data(as_text=True)
    created = browser.client.post(
        "/provider/colleagues/invite",
        data={
            "email": NEWCOMER,
            "role": "contributor",
            "csrf_token": page_form(page, "/provider/colleagues/invite")["csrf_token"],
        },
    )
    assert created.status_code == 200
    return html_lib.unescape(LINK.search(created.get_data(as_text=True)).group(1))


def _accounts(data, email=NEWCOMER) -> int:
    with data() as session:
        return session.scalar(db.select(db.func.count()).select_from(User).filter_by(email=email))


@pytest.mark.parametrize("password", GUESSABLE)
def test_accepting_an_invitation_refuses_a_password_built_from_the_account(demo, data, browser, make_browser, password):
    token = _invitation_token(browser)
    invitee = make_browser()
    path = "/invitations/" + token
    refused = invitee.post(path, {"name": "Nia Newbie", "password": password, "confirm": password})
    assert refused.status_code == 200
    assert BUILT_FROM in html_lib.unescape(refused.get_data(as_text=True))
    assert _accounts(data) == 0
    accepted = invitee.post(path, {"name": "Nia Newbie", "password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD})
    assert accepted.status_code == 302 and _accounts(data) == 1


def test_the_invitation_service_applies_the_rule_itself(demo, data, browser, app):
    """A view that forgets the form's context cannot store a guessable password."""
    from assessor.services.errors import InvitationRefused
    from assessor.services.invitations import accept_invitation

    token = _invitation_token(browser)
    with app.test_request_context():
        with pytest.raises(InvitationRefused, match=BUILT_FROM) as refused:
            accept_invitation(token, "Nia Newbie", "Eastbrook!2026")
        assert refused.value.status == 400
        db.session.rollback()
    assert _accounts(data) == 0
    with data() as session:
        assert session.scalar(db.select(Invitation).filter_by(email=NEWCOMER)).used_at is None


@pytest.mark.parametrize(
    "password, name",
    [("Eastbrook!2026", "Sam Porter"), ("Sam.Porter.2026", "Sam Porter"), ("P0rter!!2026!", "Sam Porter")],
)
def test_create_user_refuses_a_password_built_from_the_account(demo, data, app, password, name):
    with data() as session:
        organisation = session.scalar(db.select(Organisation.name).where(Organisation.name.like("Eastbrook%")))
    args = ["create-user", "--email", "sam.porter@eastbrook.example", "--name", name, "--role", "lead"]
    args += ["--organisation", organisation]
    refused = app.test_cli_runner().invoke(args=[*args, "--password", password])
    assert refused.exit_code != 0 and BUILT_FROM in refused.output
    assert _accounts(data, "sam.porter@eastbrook.example") == 0
    created = app.test_cli_runner().invoke(args=[*args, "--password", GOOD_PASSWORD])
    assert created.exit_code == 0, created.output
    assert _accounts(data, "sam.porter@eastbrook.example") == 1


def test_create_user_uses_the_configured_minimum_length(demo, data, app):
    app.config["PASSWORD_MIN_LENGTH"] = 30
    args = ["create-user", "--email", "long@northshire-icb.example", "--name", "Lee Long", "--role", "evaluator"]
    refused = app.test_cli_runner().invoke(args=[*args, "--password", GOOD_PASSWORD])
    assert refused.exit_code != 0 and "at least 30 characters" in refused.output


def test_no_chosen_password_is_hashed_without_the_rules():
    """hash_password skips the rules, so only code that hashes a password nobody chose may call it."""
    allowed = {("auth.py", "_dummy_hash"), ("cli_demo.py", "_demo_password_hash")}
    callers = set()
    for path in ASSESSOR.rglob("*.py"):
        if path.name == "passwords.py":
            continue
        tree = ast.parse(path.read_text())
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == (
                    "hash_password"
                ):
                    callers.add((path.name, function.name))
    assert callers <= allowed, callers - allowed


def test_look_alike_letters_and_run_together_names_do_not_hide_the_account():
    context = ("ann.lee@riverside.example", "Ann Lee", "Riverside ICP")
    assert password_problems("R1vers1de2026!", context=context)
    assert password_problems("AnnLee!2026xyz", context=context)
    assert password_problems("riverside kettle harbour lamp", context=context) == []
