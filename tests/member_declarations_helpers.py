"""Helpers for tests that need member declarations made the way a provider makes them."""

from __future__ import annotations

from assessor.models import Submission
from questionnaires import DEFAULT_QUESTIONNAIRE_PATH, load_questionnaire

QUESTIONNAIRE = load_questionnaire(DEFAULT_QUESTIONNAIRE_PATH)
DECLARATION_QUESTIONS = [q for d in QUESTIONNAIRE.member_domains() for q in d.questions]


def member_ids(data, sid: int) -> dict[str, int]:
    """Member organisation name -> id for the submission's applicant."""
    with data() as session:
        submission = session.get(Submission, sid)
        return {m.organisation.name: m.organisation_id for m in submission.applicant.members}


def member_declarations_url(sid: int, organisation_id: int) -> str:
    return f"/provider/submissions/{sid}/declarations/{organisation_id}"


def clean_declarations() -> dict[str, str]:
    """The form answers of an organisation with nothing adverse to declare: 'no' to every yes/no question."""
    return {"q-" + q.id: "no" for q in DECLARATION_QUESTIONS if q.type == "yesno"}


def declare_clean(browser, sid: int, organisation_id: int):
    """Make an organisation's declarations through its page, as one of its own users signed in to ``browser``."""
    url = member_declarations_url(sid, organisation_id)
    return browser.post(url, clean_declarations(), page=url)
