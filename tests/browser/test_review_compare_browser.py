"""In a real Chromium with JavaScript switched off: a commissioner pages, filters, sorts and charts the
comparison of a round with more applicants than fit on one page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.browser_helpers import live_data, serious_accessibility_problems, sign_in_commissioner
from tests.review_helpers import COMMISSIONERS, add_scored_applicants, build_world

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def big_round(live_server):
    data = live_data(live_server)
    world = build_world(data)
    made = add_scored_applicants(data, world.round_id, 70)
    return world, sorted((m for m in made if m["status"] != "draft"), key=lambda m: (m["name"].casefold(), m["id"]))


def test_paging_filtering_and_charting_work_without_javascript(big_round, chromium, live_server):
    world, applicants = big_round
    context = chromium.new_context(
        base_url=live_server.url, java_script_enabled=False, locale="en-GB", viewport={"width": 1100, "height": 900}
    )
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        sign_in_commissioner(page, COMMISSIONERS["panel"])
        page.goto(f"/review/rounds/{world.round_id}/compare")
        status = page.get_by_role("status")
        expect(status).to_have_text("71 applicants; page 1 of 2.")

        first, later = applicants[0], applicants[-1]  # on page 1 and page 2 of the name order
        ticked = [box.get_attribute("value") for box in page.locator('input[name="show"]:checked').all()]
        for value in ticked:  # the three charted until someone chooses
            page.locator(f"#show-{value}").uncheck()
        # Tick one on page 1 and move to page 2 without charting: the tick goes along.
        page.get_by_label(f"Chart {first['name']}").check()
        page.get_by_role("button", name="Next page").click()
        expect(status).to_have_text("71 applicants; page 2 of 2.")
        expect(page.locator('.pagination [aria-current="page"]')).to_have_text("Page 2")
        page.get_by_label(f"Chart {later['name']}").check()
        page.get_by_role("button", name="Chart the ticked applicants").click()
        expect(status).to_have_text("71 applicants; page 2 of 2.")
        expect(page.get_by_text("Charted: ")).to_have_text(f"Charted: {first['name']}; {later['name']}.")
        page.get_by_role("button", name="Page 1", exact=True).click()
        expect(status).to_have_text("71 applicants; page 1 of 2.")
        expect(page.get_by_label(f"Chart {first['name']}")).to_be_checked()

        # Enter in the filter box filters; the chosen applicants stay charted.
        page.get_by_label("Applicant name contains").fill("westmoor")
        page.get_by_label("Applicant name contains").press("Enter")
        westmoor = [a for a in applicants if "westmoor" in a["name"].casefold()]
        expect(status).to_have_text(f"{len(westmoor)} of 71 applicants match ‘westmoor’.")
        expect(page.get_by_text("Charted: ")).to_have_text(f"Charted: {first['name']}; {later['name']}.")

        # A tick made just before choosing a column heading is kept and charted with the others.
        extra = next(a for a in westmoor if a not in (first, later))
        page.get_by_label(f"Chart {extra['name']}").check()
        page.get_by_role("button", name="Plan", exact=True).click()
        expect(page.get_by_role("columnheader", name="Plan")).to_have_attribute("aria-sort", "descending")
        best = max(westmoor, key=lambda a: a["plan"])
        table = page.get_by_role("region", name="Domain scores per applicant")
        expect(table.get_by_role("rowheader").first).to_have_text(best["name"])
        charted = sorted((first, later, extra), key=lambda a: (a["name"].casefold(), a["id"]))
        expect(page.get_by_text("Charted: ")).to_have_text("Charted: " + "; ".join(a["name"] for a in charted) + ".")
        expect(page.get_by_label(f"Chart {extra['name']}")).to_be_checked()

        # Unticking and sorting again takes it off the chart.
        page.get_by_label(f"Chart {extra['name']}").uncheck()
        page.get_by_role("button", name="Plan", exact=True).click()
        expect(page.get_by_role("columnheader", name="Plan")).to_have_attribute("aria-sort", "ascending")
        expect(page.get_by_text("Charted: ")).to_have_text(f"Charted: {first['name']}; {later['name']}.")
    finally:
        context.close()


def test_a_paged_and_filtered_comparison_has_no_serious_accessibility_problems(big_round, new_page):
    world, _ = big_round
    page = new_page()
    csp_violations = []
    page.on(
        "console",
        lambda message: csp_violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    sign_in_commissioner(page, COMMISSIONERS["panel"])
    problems = {}
    for query in (
        "page=2",
        "applicant=north&sort=domain:people&order=asc",
        "applicant=nobody",
        "sort=domain:plan&order=desc&sort_by=domain:plan&picked=1",
    ):
        page.goto(f"/review/rounds/{world.round_id}/compare?{query}")
        expect(page.get_by_role("status")).to_contain_text(re.compile("applicant"))
        found = serious_accessibility_problems(page)
        if found:
            problems[query] = found
    assert problems == {}
    assert csp_violations == []
