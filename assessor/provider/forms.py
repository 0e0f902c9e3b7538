"""Forms only the provider pages use; the questionnaire forms themselves are shared, in ``assessor.forms``."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.validators import InputRequired

from ..forms import choice_list
from ..models import User

NOBODY = "nobody"


def assignment_form_class(domain_title: str, people: list[User]) -> type[FlaskForm]:
    """A form choosing who answers one domain, from ``people`` or nobody."""
    # Everyone who can answer a domain works for one of the applicant's organisations.
    choices = [
        (str(person.id), f"{person.name} ({person.organisation.name if person.organisation else ''})")
        for person in people
    ]
    choices.append((NOBODY, "Nobody for now"))

    class AssignmentForm(FlaskForm):
        assignee = RadioField(
            f"Who will answer ‘{domain_title}’?",
            choices=choice_list(choices),
            validators=[InputRequired("Choose who will answer this domain")],
        )

    return AssignmentForm
