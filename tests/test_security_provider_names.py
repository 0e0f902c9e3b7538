"""Providers never learn which commissioner acted on their submission: they read "The evaluation team".

Security review F3: the provider's history showed "<evaluator> — Submission review started" (every
"submission." event reached providers, including commissioners' own), and the clarifications page
signed each question "Asked by <evaluator>".  The history is now an allow-list of full event names,
and every provider page names commissioners as the evaluation team.
"""

from __future__ import annotations

from assessor.extensions import db
from assessor.models import Submission
from assessor.services.submissions import change_history
from tests.review_helpers import COMMISSIONERS, NARRATIVE, PROVIDER_LEAD, build_world, page_text, signed_in

COMMISSIONER_NAMES = ("Evaluator Person", "Moderator Person", "Panel Person", "Round Admin Person")


def _commissioners_act(make_browser, world) -> None:
    evaluator = signed_in(make_browser, COMMISSIONERS["evaluator"])
    question = f"/review/submissions/{world.submission_id}/questions/{NARRATIVE}"
    # The first score starts the review ("submission.review_started", by the evaluator).
    assert (
        evaluator.post(f"{question}/evaluate", {"score": "3", "rationale": "Clear."}, page=question).status_code == 302
    )
    asked = evaluator.post(
        f"/review/submissions/{world.submission_id}/clarifications",
        {"clarification": "Which board approved the plan?", "about": NARRATIVE},
        page=question,
    )
    assert asked.status_code == 302
    moderator = signed_in(make_browser, COMMISSIONERS["moderator"])
    page = f"/review/submissions/{world.submission_id}"
    reopened = moderator.post(
        f"/review/submissions/{world.submission_id}/reopen", {"reason": "Please attach the agreement."}, page=page
    )
    assert reopened.status_code == 302


def test_provider_pages_name_no_commissioner(app, data, make_browser):
    world = build_world(data)
    _commissioners_act(make_browser, world)
    lead = signed_in(make_browser, PROVIDER_LEAD)

    history = page_text(lead.get(f"/provider/submissions/{world.submission_id}/history"))
    assert "The evaluation team" in history
    assert "Reopened the assessment for changes" in history and "Please attach the agreement." in history
    assert "Asked a clarification question" in history
    # The commissioners' own working is not the provider's business.
    assert "review started" not in history.lower()

    clarifications = page_text(lead.get(f"/provider/submissions/{world.submission_id}/clarifications"))
    assert "Which board approved the plan?" in clarifications
    assert "Asked by the evaluation team" in clarifications

    for url in (
        f"/provider/submissions/{world.submission_id}",
        f"/provider/submissions/{world.submission_id}/print",
        f"/provider/submissions/{world.submission_id}/history",
        f"/provider/submissions/{world.submission_id}/clarifications",
    ):
        page = page_text(lead.get(url))
        for name in COMMISSIONER_NAMES:
            assert name not in page, (url, name)


def test_provider_history_is_an_allow_list_of_full_event_names(app, data, make_browser):
    from assessor.services.submissions import PROVIDER_HISTORY_ACTIONS

    world = build_world(data)
    _commissioners_act(make_browser, world)
    assert all("." in action and not action.endswith(".") for action in PROVIDER_HISTORY_ACTIONS)
    assert "submission.review_started" not in PROVIDER_HISTORY_ACTIONS
    with app.app_context():
        entries, total = change_history(db.session.get_one(Submission, world.submission_id))
    assert total == len(entries) == 2  # the clarification asked and the reopening
    assert {entry.who for entry in entries} == {"The evaluation team"}
