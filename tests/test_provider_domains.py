"""Domain pages: GOV.UK form patterns, input kept on error, conditional questions, hidden answers unscored."""

from __future__ import annotations

import html as html_lib
import re

from tests.provider_helpers import (
    DOMAINS,
    EASTBROOK,
    QUESTIONNAIRE,
    checked_values,
    element_with_id,
    page_form,
    post_page,
    question_box,
    result_of,
    stored_answer,
    submission_id,
)


def _labels(page: str) -> dict[str, str]:
    """Label text by the id of the control it names, tags stripped and whitespace collapsed."""
    found = {}
    for target, inner in re.findall(r'<label[^>]*for="([^"]+)"[^>]*>(.*?)</label>', page, re.S):
        found[target] = " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", inner)).split())
    return found


def test_questions_are_fieldsets_with_hints_and_levels_shown_in_full(demo, data, browser):
    sid = submission_id(data, EASTBROOK)
    browser.login("lead@eastbrook.example")
    strategy = DOMAINS["strategy"]
    page = browser.get(f"/provider/submissions/{sid}/sections/strategy").get_data(as_text=True)
    labels = _labels(page)
    assert f"Domain 1 of {len(QUESTIONNAIRE.joint_domains())} · {EASTBROOK}" in html_lib.unescape(page)

    scale_questions = [q for q in strategy.questions if q.type == "scale"]
    assert scale_questions
    for question in scale_questions:
        # Every maturity level is a radio option whose label carries the whole descriptor.
        for index, level in enumerate(question.levels):
            control_id = "q-" + question.id if index == 0 else f"q-{question.id}-{index}"
            control = element_with_id(page, control_id)
            assert control and 'type="radio"' in control and f'value="{index}"' in control
            assert f"Level {index + 1} of {len(question.levels)}" in labels[control_id]
            assert " ".join(level.split()) in labels[control_id]
    legends = [
        " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", t)).split())
        for t in re.findall(r'<legend class="fieldset-legend">(.*?)</legend>', page, re.S)
    ]
    for question in (q for q in strategy.questions if q.answered_by == "provider"):
        if question.type in ("scale", "yesno", "choice", "multichoice", "evidence"):
            assert any(legend.startswith(" ".join(question.text.split())) for legend in legends), question.id
        else:
            assert labels["q-" + question.id].startswith(" ".join(question.text.split()))
        if question.hint:
            assert element_with_id(page, f"q-{question.id}-hint"), question.id
            assert f'aria-describedby="q-{question.id}-hint' in page, question.id


def test_errors_are_summarised_with_links_and_what_was_typed_is_kept(demo, data, browser):
    sid = submission_id(data, EASTBROOK)
    browser.login("lead@eastbrook.example")
    url = f"/provider/submissions/{sid}/sections/strategy"
    page = browser.get(url).get_data(as_text=True)
    strategy = DOMAINS["strategy"]
    vision = next(q for q in strategy.questions if q.id == "strategy.vision")
    narrative = "Partners agreed the case for change at a joint board on 3 March; minutes attached."
    response = post_page(
        browser.client,
        url,
        page,
        {
            "q-strategy.vision": "2",
            "q-strategy.case_for_change": narrative,
            "q-strategy.population": "about half a million",
            "action": "save",
        },
    )
    assert response.status_code == 200
    shown = response.get_data(as_text=True)
    summary = shown[shown.index('class="error-summary"') : shown.index("</ul>", shown.index('class="error-summary"'))]
    links = re.findall(r'href="#([^"]+)"', summary)
    assert links == ["q-strategy.population"]
    for anchor in links:
        assert element_with_id(shown, anchor), f"the summary links to #{anchor} but no field has that id"
        assert f'id="{anchor}-error"' in shown
    assert "<title>Error:" in shown
    # What the person typed or chose is on the page again, including the invalid text to correct.
    assert checked_values(shown, "q-" + vision.id) == ["2"]
    assert narrative in html_lib.unescape(shown)
    assert 'value="about half a million"' in shown
    # Nothing is saved until the page is valid.
    assert stored_answer(data, sid, vision.id) is None
    assert stored_answer(data, sid, "strategy.case_for_change") is None

    fixed = post_page(
        browser.client,
        url,
        shown,
        {"q-strategy.population": "540,000", "action": "save"},
    )
    assert fixed.status_code == 302
    assert stored_answer(data, sid, "strategy.population") == 540000
    assert stored_answer(data, sid, vision.id) == 2
    assert stored_answer(data, sid, "strategy.case_for_change") == narrative


def _visible(page: str, question_id: str) -> bool:
    return " hidden" not in question_box(page, question_id) and "hidden>" not in question_box(page, question_id)


def test_follow_up_questions_appear_when_their_condition_holds_and_hidden_answers_do_not_count(demo, data, browser):
    sid = submission_id(data, EASTBROOK)
    browser.login("lead@eastbrook.example")
    url = f"/provider/submissions/{sid}/sections/strategy"
    page = browser.get(url).get_data(as_text=True)
    follow_up = next(q for q in DOMAINS["strategy"].questions if q.show_if)
    trigger = follow_up.show_if.question
    assert not _visible(page, follow_up.id)
    # The page tells the script which answer reveals the follow-up, for an instant reveal.
    assert f'data-show-if-question="q-{trigger}"' in question_box(page, follow_up.id)

    # Without JavaScript the follow-up shows once the trigger is saved, and "continue" stops there.
    response = post_page(browser.client, url, page, {"q-" + trigger: follow_up.show_if.equals, "action": "continue"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{url}#q-{follow_up.id}")
    page = browser.get(url).get_data(as_text=True)
    assert _visible(page, follow_up.id)

    # A scored follow-up in another domain: its answer counts only while its question is shown.
    it = DOMAINS["it"]
    dependent = next(q for q in it.questions if q.show_if and q.type == "scale" and q.weight > 0)
    controller = dependent.show_if.question
    it_url = f"/provider/submissions/{sid}/sections/it"

    def save(changes):
        form = browser.get(it_url).get_data(as_text=True)
        assert post_page(browser.client, it_url, form, {**changes, "action": "save"}).status_code == 302
        result = result_of(data, sid)
        return result.domain("it").score, result.question(dependent.id)

    top, bottom = str(len(dependent.levels) - 1), "0"
    shown_top, detail = save({"q-" + controller: "yes", "q-" + dependent.id: top})
    assert detail.visible and detail.answered
    shown_bottom, _ = save({"q-" + dependent.id: bottom})
    assert shown_top != shown_bottom

    # Hidden, the question no longer counts, whatever answer it still holds.
    hidden_bottom, detail = save({"q-" + controller: "no"})
    assert not detail.visible and detail.contribution == 0
    page = browser.get(it_url).get_data(as_text=True)
    assert not _visible(page, dependent.id)
    autosaved = browser.client.post(
        f"/provider/submissions/{sid}/answers/{dependent.id}",
        data={
            "q-" + dependent.id: top,
            "base-" + dependent.id: page_form(page)["base-" + dependent.id],
            "csrf_token": page_form(page)["csrf_token"],
        },
    )
    assert autosaved.status_code == 200 and stored_answer(data, sid, dependent.id) == int(top)
    assert result_of(data, sid).domain("it").score == hidden_bottom

    # The full page does not save answers to questions it is not showing.
    page = browser.get(it_url).get_data(as_text=True)
    assert post_page(browser.client, it_url, page, {"q-" + dependent.id: bottom, "action": "save"}).status_code == 302
    assert stored_answer(data, sid, dependent.id) == int(top)
    check = browser.get(f"/provider/submissions/{sid}/check").get_data(as_text=True)
    assert f"#q-{dependent.id}" not in check
