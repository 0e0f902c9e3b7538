"""What every provider page needs: the submission and domain its URL names, and the upload limit."""

from __future__ import annotations

from flask import abort, current_app
from flask_login import current_user

from questionnaires import Domain, Questionnaire

from ..models import Submission
from ..services import access

NOT_EDITABLE = "This submission has been sent and can no longer be changed."


def max_upload() -> int:
    return int(current_app.config["MAX_UPLOAD_BYTES"])


def submission_for(submission_id: int) -> Submission:
    """The submission if the signed-in person may see it; a 404 otherwise."""
    return access.submission_for(current_user, submission_id)


def domains(questionnaire: Questionnaire) -> list[Domain]:
    """The domains the applicant answers jointly, each on a page of its own.

    A per-member domain (declarations each member organisation makes for itself) is stored per
    organisation, not as a joint answer, so it has no joint domain page.
    """
    return questionnaire.joint_domains()


def domain_or_404(questionnaire: Questionnaire, domain_id: str) -> Domain:
    domain = next((d for d in domains(questionnaire) if d.id == domain_id), None)
    if domain is None:
        abort(404)
    return domain
