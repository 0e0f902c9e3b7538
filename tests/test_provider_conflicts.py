"""No lost update: two colleagues editing one answer each see the other's value and choose."""

from __future__ import annotations

import html as html_lib
import re

from tests.provider_helpers import (
    ALLIANCE,
    DOMAINS,
    answer_version,
    audit,
    checked_values,
    level_label,
    page_form,
    post_page,
    set_status,
    stored_answer,
    submission_id,
)

QUESTION = next(q for q in DOMAINS["it"].questions if q.type == "scale" and not q.show_if)
NUMBER = next(q for q in DOMAINS["it"].questions if q.type == "number")


def _open_alliance(data) -> int:
    sid = submission_id(data, ALLIANCE)
    set_status(data, sid, "draft")  # as if the commissioners had reopened it
    return sid


def _text(page: str) -> str:
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_full_page_saves_by_two_colleagues_never_overwrite_silently(demo, data, make_browser):
    sid = _open_alliance(data)
    url = f"/provider/submissions/{sid}/sections/it"
    priya, tom = make_browser(), make_browser()
    priya.login("lead@northshire-trust.example")
    tom.login("cio@northshire-trust.example")
    original = stored_answer(data, sid, QUESTION.id)
    lowest, highest = 0, len(QUESTION.levels) - 1
    theirs, mine = (lowest, highest) if original != lowest else (highest, lowest)
    their_page = priya.get(url).get_data(as_text=True)
    my_page = tom.get(url).get_data(as_text=True)

    assert post_page(priya.client, url, their_page, {"q-" + QUESTION.id: str(theirs)}).status_code == 302
    assert stored_answer(data, sid, QUESTION.id) == theirs

    # Tom saves from the page he loaded before Priya's change, also changing another answer.
    response = post_page(tom.client, url, my_page, {"q-" + QUESTION.id: str(mine), "q-" + NUMBER.id: "42"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    text = _text(page)
    assert "Priya Shah changed this answer" in text
    assert f"Priya Shah’s answer: {level_label(QUESTION, theirs)}" in text
    assert f"Your answer: {level_label(QUESTION, mine)}" in text
    assert checked_values(page, "q-" + QUESTION.id) == [str(mine)], "Tom's own choice stays in the field"
    assert 'href="#resolve-' + QUESTION.id + '-theirs"' in page
    assert stored_answer(data, sid, QUESTION.id) == theirs, "Priya's answer must not be overwritten"
    assert stored_answer(data, sid, NUMBER.id) == 42, "the rest of Tom's page is saved"

    # Saving again without choosing is not a choice.
    again = post_page(tom.client, url, page)
    assert again.status_code == 200 and "Choose which answer to keep" in again.get_data(as_text=True)
    assert stored_answer(data, sid, QUESTION.id) == theirs

    # Tom keeps his own answer, deliberately.
    version_before = answer_version(data, sid, QUESTION.id)
    kept = post_page(tom.client, url, again.get_data(as_text=True), {"resolve-" + QUESTION.id: "mine"})
    assert kept.status_code == 302
    assert stored_answer(data, sid, QUESTION.id) == mine
    assert answer_version(data, sid, QUESTION.id) == version_before + 1

    # Priya, still on her page, changes the answer again: now she meets Tom's, and keeps it.
    stale = page_form(their_page)
    assert stale["base-" + QUESTION.id] != page_form(priya.get(url).get_data(as_text=True))["base-" + QUESTION.id]
    clash = post_page(priya.client, url, their_page, {"q-" + QUESTION.id: str(theirs)})
    assert clash.status_code == 200 and "Tom Okafor changed this answer" in _text(clash.get_data(as_text=True))
    resolved = post_page(priya.client, url, clash.get_data(as_text=True), {"resolve-" + QUESTION.id: "theirs"})
    assert resolved.status_code == 302
    assert stored_answer(data, sid, QUESTION.id) == mine

    changes = [e for e in audit(data, "answer.changed", sid) if e["question"] == QUESTION.id]
    assert [(e["_user"], e["old"], e["new"]) for e in changes] == [
        ("Priya Shah", original, theirs),
        ("Tom Okafor", theirs, mine),
    ]


def test_autosave_conflict_answers_409_with_both_values(demo, data, make_browser):
    sid = _open_alliance(data)
    url = f"/provider/submissions/{sid}/sections/it"
    save_url = f"/provider/submissions/{sid}/answers/{QUESTION.id}"
    priya, tom = make_browser(), make_browser()
    priya.login("lead@northshire-trust.example")
    tom.login("cio@northshire-trust.example")
    original = stored_answer(data, sid, QUESTION.id)
    theirs, mine = [level for level in range(len(QUESTION.levels)) if level != original][:2]
    their_form = page_form(priya.get(url).get_data(as_text=True))
    my_form = page_form(tom.get(url).get_data(as_text=True))

    def autosave(client, form, value, base=None):
        return client.post(
            save_url,
            data={
                "q-" + QUESTION.id: str(value),
                "csrf_token": form["csrf_token"],
                "base-" + QUESTION.id: base or form["base-" + QUESTION.id],
            },
        )

    first = autosave(priya.client, their_form, theirs)
    assert first.status_code == 200 and first.json["saved"] is True

    clash = autosave(tom.client, my_form, mine)
    assert clash.status_code == 409
    body = clash.json
    assert (body["theirs"], body["yours"], body["by"]) == (theirs, mine, "Priya Shah")
    assert body["theirs_text"] == level_label(QUESTION, theirs)
    assert body["yours_text"] == level_label(QUESTION, mine)
    assert body["theirs_field"] == [str(theirs)], "the script can put their answer back into the field"
    assert stored_answer(data, sid, QUESTION.id) == theirs

    # Choosing to keep his own answer re-sends it against the version he has now seen.
    chosen = autosave(tom.client, my_form, mine, base=body["base"])
    assert chosen.status_code == 200 and chosen.json["saved"] is True
    assert stored_answer(data, sid, QUESTION.id) == mine

    # A value the field cannot hold is refused with the message the page would show.
    bad = tom.client.post(
        f"/provider/submissions/{sid}/answers/{NUMBER.id}",
        data={
            "q-" + NUMBER.id: "twelve",
            "csrf_token": my_form["csrf_token"],
            "base-" + NUMBER.id: my_form["base-" + NUMBER.id],
        },
    )
    assert bad.status_code == 422 and bad.json["error"].startswith("Enter a number")
