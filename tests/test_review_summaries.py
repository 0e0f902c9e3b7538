"""Providers' saves leave the stored summary stale; commissioners' dashboard and exports never show it stale."""

from __future__ import annotations

import csv
import io
import re
import threading
import time

import pytest

from assessor.extensions import db
from assessor.models import Answer, Submission, User
from tests.review_helpers import COMMISSIONERS, OUTSIDER, build_world, consensus_verdict, page_text, signed_in
from tests.web_client import csrf_token

QUESTION = "plan.maturity"  # a five-level scale in the review fixture questionnaire


def _autosave(browser, submission_id: int, value: int) -> None:
    page = browser.get(f"/provider/submissions/{submission_id}/sections/plan").get_data(as_text=True)
    base = re.search(rf'name="base-{re.escape(QUESTION)}"[^>]*value="([^"]*)"', page).group(1)
    response = browser.client.post(
        f"/provider/submissions/{submission_id}/answers/{QUESTION}",
        data={f"q-{QUESTION}": str(value), f"base-{QUESTION}": base, "csrf_token": csrf_token(page)},
    )
    assert response.status_code == 200 and response.json["saved"], response.get_data(as_text=True)


def _dashboard_progress(browser, round_id: int, submission_id: int) -> str:
    page = page_text(browser.get(f"/review/rounds/{round_id}"))
    row = next(r for r in page.split("<tr") if f'href="/review/submissions/{submission_id}"' in r)
    return re.search(r"<td>(\d+ of \d+)</td>", row).group(1)


def _inputs_hash(data, submission_id: int) -> str | None:
    with data() as session:
        return session.get(Submission, submission_id).inputs_hash


def _run_at_once(*jobs, failures: list[BaseException]) -> None:
    """Run each job in its own thread and wait for all; a job records what went wrong in ``failures``."""
    threads = [threading.Thread(target=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not failures, failures


def test_the_dashboard_shows_a_draft_s_progress_right_after_the_provider_autosaves(app, data, make_browser):
    world = build_world(data)
    commissioner = signed_in(make_browser, COMMISSIONERS["moderator"])
    assert _dashboard_progress(commissioner, world.round_id, world.draft_id) == "0 of 4"

    _autosave(signed_in(make_browser, OUTSIDER), world.draft_id, 3)
    # The save itself no longer rescores: the stored summary is marked out of date...
    assert _inputs_hash(data, world.draft_id) is None
    # ...and the commissioner's next look brings it up to date.
    assert _dashboard_progress(commissioner, world.round_id, world.draft_id) == "1 of 4"
    assert _inputs_hash(data, world.draft_id) is not None


def test_the_submissions_export_refreshes_stale_summaries_before_writing_them_out(app, data, make_browser):
    world = build_world(data)
    _autosave(signed_in(make_browser, OUTSIDER), world.draft_id, 2)
    commissioner = signed_in(make_browser, COMMISSIONERS["moderator"])
    response = commissioner.get(f"/review/rounds/{world.round_id}/export/submissions.csv")
    assert response.status_code == 200
    rows = {int(row["submission_id"]): row for row in csv.DictReader(io.StringIO(response.data.decode("utf-8-sig")))}
    assert rows[world.draft_id]["answered"] == "1"


def test_a_refresh_never_stores_a_summary_older_than_a_save_still_in_progress(app, data):
    """The dashboard refreshing a draft while its provider's save is mid-transaction.

    The refresh must wait for the save and score its answer, or leave the summary stale for the
    next reader; it must never store a summary without that answer and call it up to date.
    """
    from assessor.services.answers import save_answer
    from assessor.services.scores import engine_inputs, refresh_summaries, summary_out_of_date

    world = build_world(data)
    with data() as session:
        draft = session.get(Submission, world.draft_id)
        summary_out_of_date(draft)  # stale before the save starts, so the refresh picks it up
        session.commit()

    saved_not_committed = threading.Event()
    failures: list[BaseException] = []

    def provider_saves():
        try:
            with data() as session:
                draft = session.get(Submission, world.draft_id)
                user = session.scalar(db.select(User).filter_by(email=OUTSIDER))
                save_answer(draft, QUESTION, 4, base_version=0, base_fingerprint=None, user=user)
                summary_out_of_date(draft)
                saved_not_committed.set()
                time.sleep(0.5)  # long enough for the refresh to reach the submission
                session.commit()
        except BaseException as error:  # reported by the main thread
            failures.append(error)
            saved_not_committed.set()

    def commissioner_refreshes():
        try:
            saved_not_committed.wait(10)
            with data():
                refresh_summaries(world.round_id)
        except BaseException as error:
            failures.append(error)

    _run_at_once(provider_saves, commissioner_refreshes, failures=failures)

    with data() as session:
        assert (
            session.scalar(db.select(Answer.value_json).filter_by(submission_id=world.draft_id, question_id=QUESTION))
            == "4"
        )
        draft = session.get(Submission, world.draft_id)
        stored = draft.inputs_hash
        fresh = engine_inputs(draft).inputs_hash
    assert stored in (None, fresh), "a summary without the committed answer was stored as up to date"
    with data():
        refresh_summaries(world.round_id)
    assert _inputs_hash(data, world.draft_id) == fresh


@pytest.mark.parametrize("reader", ["dashboard", "export"])
def test_reading_summaries_that_are_up_to_date_rescores_nothing(app, data, make_browser, reader):
    world = build_world(data)
    with data() as session:
        before = {s.id: s.scored_at for s in session.scalars(db.select(Submission))}
    commissioner = signed_in(make_browser, COMMISSIONERS["moderator"])
    url = (
        f"/review/rounds/{world.round_id}"
        if reader == "dashboard"
        else f"/review/rounds/{world.round_id}/export/submissions.csv"
    )
    assert commissioner.get(url).status_code == 200
    with data() as session:
        assert {s.id: s.scored_at for s in session.scalars(db.select(Submission))} == before


def test_two_moderators_scoring_one_submission_at_once_leave_a_summary_with_both_scores(app, data):
    """Each moderation rescores; the later commit must not store a summary that misses the earlier score."""
    from assessor.services.moderation import moderate
    from assessor.services.scores import engine_inputs, score

    # Already under review, so neither moderation changes the submission's status (which would lock its row).
    world = build_world(data, status="under_review")
    first_scored = threading.Event()
    failures: list[BaseException] = []

    def moderator(question_id: str, value, wait_for=None, hold_open=0.0):
        try:
            if wait_for is not None:
                wait_for.wait(10)
            with data() as session:
                submission = session.get(Submission, world.submission_id)
                user = session.scalar(db.select(User).filter_by(email=COMMISSIONERS["moderator"]))
                verdict = consensus_verdict(submission, question_id, value)
                moderate(submission, question_id, verdict, "Agreed at the moderation meeting.", user)
                score(submission)
                if wait_for is None:
                    first_scored.set()
                time.sleep(hold_open)  # still uncommitted while the other moderator scores
                session.commit()
        except BaseException as error:
            failures.append(error)
            first_scored.set()

    _run_at_once(
        lambda: moderator("plan.narrative", 0.75, hold_open=0.5),
        lambda: moderator("plan.maturity", {"answer": 1}, wait_for=first_scored),
        failures=failures,
    )

    with data() as session:
        submission = session.get(Submission, world.submission_id)
        fresh = engine_inputs(submission)
        assert fresh.moderation == {"plan.narrative": 0.75, "plan.maturity": {"answer": 1}}
        assert submission.inputs_hash == fresh.inputs_hash, "the stored summary misses a moderated score"


def test_saving_a_domain_page_marks_the_summary_stale_only_when_an_answer_changed(app, data, make_browser):
    from tests.provider_helpers import post_page

    world = build_world(data)
    provider = signed_in(make_browser, OUTSIDER)
    url = f"/provider/submissions/{world.draft_id}/sections/plan"
    scored = _inputs_hash(data, world.draft_id)
    assert scored is not None

    unchanged = post_page(provider.client, url, provider.get(url).get_data(as_text=True))
    assert unchanged.status_code == 302
    assert _inputs_hash(data, world.draft_id) == scored, "saving nothing new left the summary as it was"

    changed = post_page(provider.client, url, provider.get(url).get_data(as_text=True), {f"q-{QUESTION}": "2"})
    assert changed.status_code == 302
    assert _inputs_hash(data, world.draft_id) is None
    commissioner = signed_in(make_browser, COMMISSIONERS["moderator"])
    assert _dashboard_progress(commissioner, world.round_id, world.draft_id) == "1 of 4"


def test_attaching_a_file_on_a_domain_page_marks_the_summary_stale(app, data, make_browser):
    import io

    from tests.provider_helpers import evidence_of, minimal_pdf, post_page

    world = build_world(data)
    provider = signed_in(make_browser, OUTSIDER)
    url = f"/provider/submissions/{world.draft_id}/sections/people"
    assert _inputs_hash(data, world.draft_id) is not None
    response = post_page(
        provider.client,
        url,
        provider.get(url).get_data(as_text=True),
        {"q-people.evidence": (io.BytesIO(minimal_pdf("workforce plan")), "workforce-plan.pdf")},
    )
    assert response.status_code == 302
    assert [e["name"] for e in evidence_of(data, world.draft_id)] == ["workforce-plan.pdf"]
    assert _inputs_hash(data, world.draft_id) is None
