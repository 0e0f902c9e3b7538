"""In a real Chromium: an evaluator adjusts a self-assessed answer and judges a file, then the moderator
records the consensus on both, and the engine reads them."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from assessor.models import Evidence
from tests.browser.browser_helpers import live_data, serious_accessibility_problems, sign_in_commissioner
from tests.review_helpers import COMMISSIONERS, build_world

pytestmark = pytest.mark.browser

MATURITY, EVIDENCE = "plan.maturity", "people.evidence"


@pytest.fixture(scope="module")
def verification_world(live_server):
    """The review rules round behind the running server, with the workforce plan attached."""
    data = live_data(live_server)
    world = build_world(data)
    with data() as session:
        session.add(
            Evidence(
                submission_id=world.submission_id,
                question_id=EVIDENCE,
                original_name="workforce-plan.pdf",
                stored_name=f"browser-{world.submission_id}-workforce",
                content_type="application/pdf",
                size=2048,
                sha256="c" * 64,
            )
        )
        session.commit()
    return world


def _question(world, question_id: str) -> str:
    return f"/review/submissions/{world.submission_id}/questions/{question_id}"


def test_an_evaluator_verifies_an_answer_and_judges_a_file_and_the_moderator_agrees_the_consensus(
    verification_world, new_page
):
    world = verification_world
    evaluator = new_page()
    sign_in_commissioner(evaluator, COMMISSIONERS["evaluator"])

    # The adjusted answer is revealed only once "Adjust" is chosen.
    evaluator.goto(_question(world, MATURITY))
    adjusted = evaluator.locator("#verdict-adjust-conditional")
    expect(adjusted).to_be_hidden()
    evaluator.get_by_label("Adjust: the evidence supports a different answer").check()
    expect(adjusted).to_be_visible()
    expect(evaluator.get_by_label("Adjust: the evidence supports a different answer")).to_have_attribute(
        "aria-controls", "verdict-adjust-conditional"
    )
    assert serious_accessibility_problems(evaluator) == []
    # Saved without a rationale, the adjustment is refused at the field and the choice is kept.
    evaluator.get_by_label("Draft agreed by officers").check()
    evaluator.get_by_role("button", name="Save your verdict").click()
    expect(evaluator.locator(".error-summary")).to_contain_text("Explain why the evidence supports a different answer")
    expect(adjusted).to_be_visible()
    expect(evaluator.get_by_label("Draft agreed by officers")).to_be_checked()
    evaluator.get_by_label("Your rationale").fill("The board minutes approve a draft agreed by officers only.")
    evaluator.get_by_role("button", name="Save your verdict").click()
    expect(evaluator.get_by_role("status").filter(has_text="Your verdict has been saved")).to_be_visible()
    expect(evaluator.locator(".evaluator-scores")).to_contain_text(
        "Verified answer: Level 3 of 5: Draft agreed by officers (adjusted from the provider's"
    )

    # The file is judged, saying where in it the evaluator relied.
    evaluator.goto(_question(world, EVIDENCE))
    expect(evaluator.get_by_role("link", name="workforce-plan.pdf")).to_be_visible()
    evaluator.get_by_label("Sufficient", exact=True).check()
    evaluator.get_by_label("Where in the evidence you relied on").fill("Section 3, page 12")
    evaluator.get_by_label("Your reason").fill("Every staff group has a costed plan.")
    evaluator.get_by_role("button", name="Save your verdict").click()
    expect(evaluator.locator(".evaluator-scores")).to_contain_text("Sufficient (relied on: Section 3, page 12)")

    moderator = new_page()
    sign_in_commissioner(moderator, COMMISSIONERS["moderator"])
    moderator.goto(_question(world, MATURITY))
    expect(moderator.locator("#engine-reads")).to_contain_text("The provider's unverified claim")
    moderator.get_by_label("Adjust: the evidence supports a different answer").check()
    moderator.get_by_label("Draft agreed by officers").check()
    moderator.get_by_label("Rationale for the consensus").fill("Agreed: only officers have signed the plan.")
    moderator.get_by_role("button", name="Record the consensus").click()
    expect(moderator.get_by_role("status")).to_contain_text(
        "Consensus recorded: Verified answer: Level 3 of 5: Draft agreed by officers"
    )
    engine_reads = moderator.locator("#engine-reads")
    expect(engine_reads).to_contain_text("The verified answer, which differs from the provider's")
    expect(engine_reads.locator("td")).to_have_text(
        ["Level 5 of 5: Approved and in delivery", "Level 3 of 5: Draft agreed by officers"]
    )

    moderator.goto(_question(world, EVIDENCE))
    moderator.get_by_label("Partly sufficient").check()
    moderator.get_by_label("Where in the evidence you relied on").fill("Section 3")
    moderator.get_by_label("Rationale for the consensus").fill("Costed, but bank staff are missing.")
    moderator.get_by_role("button", name="Record the consensus").click()
    expect(moderator.locator("#engine-reads")).to_contain_text(
        "A judgement of the evidence: the evaluators' consensus is ‘Partly sufficient (relied on: Section 3)’."
    )

    moderator.goto(f"/review/submissions/{world.submission_id}")
    for question_id in (MATURITY, EVIDENCE):
        expect(moderator.locator(f'[id="q-{question_id}"] .verification-mark')).to_have_text("Verified")
    expect(moderator.locator('[id="q-plan.board"] .verification-mark')).to_have_text("Not verified")
    assert serious_accessibility_problems(moderator) == []
