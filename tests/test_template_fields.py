"""The form-field macros every page builds its fields from (templates/macros.html), and the rules the
pages state that live in Python (the follow-up months of a rating)."""

from __future__ import annotations

import re

import pytest

from assessor import create_app
from assessor.services.decisions import FOLLOW_UP_MONTHS, follow_up_months


@pytest.fixture(scope="module")
def render(tmp_path_factory):
    app = create_app(
        {
            "ENV_NAME": "testing",
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("uploads")),
            "RATELIMIT_STORAGE_URI": "memory://",
            "SERVER_NAME": "localhost",
        }
    )

    def render(source: str, **context) -> str:
        with app.test_request_context():
            html = app.jinja_env.from_string('{% import "macros.html" as m %}' + source).render(**context)
        return re.sub(r">\s+<", "><", html.strip())

    return render


def test_a_field_shows_each_of_its_problems_and_is_marked_in_error(render):
    html = render(
        '{{ m.text_input("owner", "Owner", "Ann", maxlength=200, errors=problems | messages_for("owner")) }}',
        problems=[("owner", "Say who owns it"), ("text", "Not this one"), ("owner", "And this")],
    )
    assert html == (
        '<div class="form-group form-group-error"><label class="label" for="owner">Owner</label>'
        '<p class="error-message"><span class="visually-hidden">Error:</span> Say who owns it</p>'
        '<p class="error-message"><span class="visually-hidden">Error:</span> And this</p>'
        '<input class="input" id="owner" name="owner" value="Ann" maxlength="200"></div>'
    )


def test_a_field_without_problems_has_no_error_message(render):
    html = render('{{ m.date_input("due_on", "Due", "2027-01-02", hint="For example, 2027-01-29.", inline=true) }}')
    assert html == (
        '<div class="form-group inline-group"><label class="label" for="due_on">Due</label>'
        '<p class="hint" id="due_on-hint">For example, 2027-01-29.</p>'
        '<input class="input input-date" type="date" id="due_on" name="due_on" value="2027-01-02"'
        ' aria-describedby="due_on-hint"></div>'
    )


def test_a_linked_error_describes_the_control_and_the_error_bar_can_be_left_off(render):
    html = render(
        '{{ m.textarea("reason", "Reason", "<b>", optional=true, hint="Why", hint_tag="div",'
        ' errors="Give a reason", error_id="reason-error", mark_error=false) }}'
    )
    assert html == (
        '<div class="form-group">'
        '<label class="label" for="reason">Reason <span class="optional">(optional)</span></label>'
        '<div class="hint" id="reason-hint">Why</div>'
        '<p class="error-message" id="reason-error"><span class="visually-hidden">Error:</span> Give a reason</p>'
        '<textarea class="textarea" id="reason" name="reason" rows="3"'
        ' aria-describedby="reason-hint reason-error">&lt;b&gt;</textarea></div>'
    )


def test_radio_ids_follow_the_value_the_position_or_a_list(render):
    options = [("pass", "Pass"), ("fail", "Fail")]
    by_value = render('{{ m.radios("gate-A", options, "fail") }}', options=options)
    assert re.findall(r'id="([^"]+)"', by_value) == ["gate-A-pass", "gate-A-fail"]
    assert 'value="fail" checked>' in by_value and 'value="pass">' in by_value
    by_index = render('{{ m.radios("outcome", options, ids="index", inline=true) }}', options=options)
    assert re.findall(r'id="([^"]+)"', by_index) == ["outcome-0", "outcome-1"]
    assert by_index.startswith('<div class="radios radios-inline">') and "checked" not in by_index
    listed = render('{{ m.radios("conflict-3", options, ids=["conflict-3", "conflict-3-yes"]) }}', options=options)
    assert re.findall(r'id="([^"]+)"', listed) == ["conflict-3", "conflict-3-yes"]


def test_a_radio_group_is_a_fieldset_described_by_its_hint(render):
    html = render(
        '{% call(value, label) m.radio_group("score", "Score", [(1, "Weak"), (2, "Good")], "2", hint="Pick one",'
        ' hint_id="score-hint", errors=["Choose a score"]) %}<strong>{{ value }}</strong> {{ label }}{% endcall %}'
    )
    assert html.startswith(
        '<div class="form-group form-group-error"><fieldset class="fieldset" aria-describedby="score-hint">'
        '<legend class="fieldset-legend">Score</legend><p class="hint" id="score-hint">Pick one</p>'
        '<p class="error-message"><span class="visually-hidden">Error:</span> Choose a score</p>'
    )
    assert '<input class="choice-input" type="radio" id="score-2" name="score" value="2" checked>' in html
    assert '<label class="choice-label" for="score-2"><strong>2</strong> Good</label>' in html


def test_the_follow_up_months_come_from_the_rule_in_python():
    assert follow_up_months("Red") == FOLLOW_UP_MONTHS["Red"] == 6
    assert follow_up_months("Amber/Red") == 9
    assert follow_up_months("Amber") is None and follow_up_months(None) is None
