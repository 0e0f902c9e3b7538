"""In a real Chromium: a moderator scores a narrative answer and sees the recommendation change."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.browser_helpers import live_data, serious_accessibility_problems, sign_in_commissioner
from tests.review_helpers import COMMISSIONERS, NARRATIVE, build_world

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def review_world(live_server):
    """The review rules round, added behind the running server next to the demo round."""
    return build_world(live_data(live_server))


def test_a_moderator_scores_a_narrative_answer_and_the_recommendation_changes(review_world, new_page):
    page = new_page()
    csp_violations = []
    page.on(
        "console",
        lambda message: csp_violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    sign_in_commissioner(page, COMMISSIONERS["moderator"])

    page.goto(f"/review/submissions/{review_world.submission_id}")
    # Without a consensus score the narrative counts as zero, below gate A's must-have minimum of 0.5.
    expect(page.locator("#recommendation")).to_have_text("Default to open procurement")
    answer = page.locator(f'[id="q-{NARRATIVE}"]')
    answer.get_by_role("link", name=f"Score this answer for {NARRATIVE}").click()
    page.wait_for_url(f"**/questions/{NARRATIVE}")
    assert serious_accessibility_problems(page) == []

    page.get_by_label("3 – Good").check()
    page.get_by_label("Rationale for the consensus score").fill(
        "Triggers, owners and the loss-sharing rule are all set out."
    )
    page.get_by_role("button", name="Record the consensus score").click()

    expect(page.get_by_role("status")).to_contain_text("The recommendation is now ‘Proceed’")
    expect(page.locator("#recommendation")).to_have_text("Proceed")
    page.goto(f"/review/submissions/{review_world.submission_id}")
    expect(page.locator("#recommendation")).to_have_text("Proceed")
    expect(answer).to_contain_text("Good (3)")
    assert csp_violations == []


def test_review_pages_have_no_serious_accessibility_problems(review_world, new_page):
    page = new_page()
    sign_in_commissioner(page, COMMISSIONERS["panel"])
    problems = {}
    for path in (
        f"/review/rounds/{review_world.round_id}",
        f"/review/rounds/{review_world.round_id}/compare",
        f"/review/submissions/{review_world.submission_id}",
        f"/review/submissions/{review_world.submission_id}/decision",
    ):
        page.goto(path)
        found = serious_accessibility_problems(page)
        if found:
            problems[path] = found
    assert problems == {}
