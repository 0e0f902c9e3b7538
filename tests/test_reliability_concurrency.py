"""Two people saving the same answer at the same moment, on the real database: no lost update."""

from __future__ import annotations

import threading
import time

from sqlalchemy import event

from assessor.extensions import db
from assessor.models import Answer, AuditEvent, Submission
from assessor.services.answers import fingerprint
from tests.security_helpers import add_user
from tests.web_client import Browser, csrf_token

QUESTION = "strategy.vision"  # a five-level scale: values 0..4


def _draft_id(data) -> int:
    with data() as session:
        return session.scalar(
            db.select(Submission.id).join(Submission.applicant).filter_by(name="Eastbrook Community Partnership")
        )


def _current(data, submission_id):
    with data() as session:
        row = session.scalar(db.select(Answer).filter_by(submission_id=submission_id, question_id=QUESTION))
        changes = session.scalar(
            db.select(db.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.submission_id == submission_id, AuditEvent.action == "answer.changed")
        )
        return (row.version, row.value) if row else (0, None), changes


def test_two_people_saving_the_same_answer_at_once_never_lose_an_update(demo, data):
    submission_id = _draft_id(data)
    add_user(data, "colleague@eastbrook.example", role="contributor", organisation="Eastbrook Community Health")
    people = []
    for email in ("lead@eastbrook.example", "colleague@eastbrook.example"):
        browser = Browser(demo.test_client())
        browser.login(email)
        token = csrf_token(browser.get(f"/provider/submissions/{submission_id}").get_data(as_text=True))
        people.append((browser, token))

    # Hold every read of the answer row for a moment so the two saves overlap inside the database.
    with demo.app_context():
        engine = db.engine

    def _pause_after_reading_the_answer(conn, cursor, statement, parameters, context, executemany):
        if (
            statement.lstrip().upper().startswith("SELECT")
            and "FROM answer" in statement
            and "question_id" in statement
        ):
            time.sleep(0.05)

    event.listen(engine, "after_cursor_execute", _pause_after_reading_the_answer)
    try:
        for round_number in range(6):
            (version, value), changes_before = _current(data, submission_id)
            base = f"{version}:{fingerprint(value)}"
            # Two different new values, both different from the stored one.
            choices = [v for v in range(5) if v != value][:2]
            barrier = threading.Barrier(2)
            results: list = [None, None]

            def save(index, barrier=barrier, results=results, choices=choices, base=base):
                browser, token = people[index]
                barrier.wait()
                results[index] = browser.client.post(
                    f"/provider/submissions/{submission_id}/answers/{QUESTION}",
                    data={f"q-{QUESTION}": str(choices[index]), f"base-{QUESTION}": base, "csrf_token": token},
                )

            threads = [threading.Thread(target=save, args=(i,)) for i in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)

            statuses = sorted(r.status_code for r in results)
            assert statuses == [200, 409], f"round {round_number}: {statuses}"
            winner = next(i for i, r in enumerate(results) if r.status_code == 200)
            loser = results[1 - winner].json
            (new_version, new_value), changes_after = _current(data, submission_id)
            assert new_value == choices[winner], "the stored answer is the one the winner was told was saved"
            assert new_version == version + 1 and changes_after == changes_before + 1
            # The person who lost is shown both answers, and what is now stored.
            assert loser["theirs"] == choices[winner] and loser["yours"] == choices[1 - winner]
    finally:
        event.remove(engine, "after_cursor_execute", _pause_after_reading_the_answer)
