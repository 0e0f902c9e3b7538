"""Questionnaire forms built from questions, the conversion of what people type into answers, and invitations.

Answers are validated here (formats, ranges, known options); whether an answer is *required* is
checked only at submission, so people can save half-finished domains.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, TypeVar

from flask import current_app, get_template_attribute
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from wtforms import (
    EmailField,
    Field,
    Form,
    HiddenField,
    MultipleFileField,
    PasswordField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # new in WTForms 3.3; the stubs predate it
from wtforms.fields.core import UnboundField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from questionnaires import Question

from .ids import parse_id
from .passwords import password_problems
from .services.answers import fingerprint
from .text import CONTROL_CHARACTERS, has_control_characters

TEXT_MAX_LENGTH = 10_000
NUMBER_LIMIT = 1e12
_CONTROL_CHARACTERS = CONTROL_CHARACTERS


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def field_name(question_id: str) -> str:
    return "q-" + question_id


def base_name(question_id: str) -> str:
    return "base-" + question_id


def _no_control_characters(_form, field: Field) -> None:
    if field.data and _CONTROL_CHARACTERS.search(field.data):
        raise ValidationError("Remove the invisible control characters from your answer")


def no_control_characters(_form: Any, field: Field) -> None:
    if isinstance(field.data, str) and has_control_characters(field.data):
        raise ValidationError(f"{field.label.text} must not contain invisible control characters")


class _CleanTextMeta:
    """Every text box of the form refuses control characters, including boxes added later."""

    def bind_field(self, form: Any, unbound_field: UnboundField, options: dict[str, Any]) -> Field:
        field_class = unbound_field.field_class
        if issubclass(field_class, StringField) and not issubclass(field_class, HiddenField):
            validators = [*(unbound_field.kwargs.get("validators") or ()), no_control_characters]
            return unbound_field.bind(form=form, validators=validators, **options)
        return unbound_field.bind(form=form, **options)


class CleanTextForm(FlaskForm):
    Meta = type("Meta", (_CleanTextMeta,), {})


class CleanTextSubform(Form):
    Meta = type("Meta", (_CleanTextMeta,), {})


def _number_in_range(_form, field: Field) -> None:
    raw = (field.data or "").strip().replace(",", "")
    if not raw:
        return
    try:
        value = float(raw)
    except ValueError:
        raise ValidationError("Enter a number, like 540000") from None
    if not math.isfinite(value) or abs(value) >= NUMBER_LIMIT:
        raise ValidationError("Enter a number smaller than a trillion")


T = TypeVar("T")


def filled(data: T | None) -> T:
    """The data of a field its validators require, once the form has validated.

    WTForms types every field's data as optional, since it is None before validation.
    """
    if data is None:
        raise ValueError("a required field has no data: was the form validated?")
    return data


def choice_list(pairs) -> list[SelectChoice]:
    """(value, label) pairs as the options WTForms choice fields take."""
    return [SelectChoice(value, label) for value, label in pairs]


def messages_for(problems, anchor: str) -> list[str]:
    """The messages of a page's ``(anchor, message)`` problems that belong to the field ``anchor``.

    The error summary links each problem to its field by the anchor; the field shows the same message.
    """
    return [message for at, message in problems or () if at == anchor]


def choices_of(question: Question) -> list[tuple[str, str]]:
    """(value, label) of each option a choice question offers, as the form posts and shows them."""
    if question.type == "scale":
        return [(str(i), level) for i, level in enumerate(question.levels or [])]
    if question.type == "yesno":
        return [("yes", "Yes"), ("no", "No")]
    return [(o.value, o.label) for o in question.options or []]


class _ByIdentity:
    """Things built from parsed questions, found again by those questions' identity.

    Parsed definitions are cached and immutable, so the same question objects come back on every
    request.  Each entry keeps its questions alive, so an id in a key is never reused by another
    object; the cache is emptied when full, since some keys carry posted values.
    """

    def __init__(self, limit: int):
        self.limit = limit
        self._entries: dict[tuple, tuple[Any, Any]] = {}

    def get(self, questions: tuple[Question, ...], extra: Any, build):
        key = (tuple(id(question) for question in questions), extra)
        cached = self._entries.get(key)
        if cached is not None:
            return cached[1]
        built = build()
        if len(self._entries) >= self.limit:
            self._entries.clear()
        self._entries[key] = (questions, built)
        return built


_choice_blocks = _ByIdentity(limit=4096)


def choice_inputs(question: Question, data: Any) -> Markup:
    """The inputs of a choice question with ``data`` (the field's value or values) ticked.

    A domain page is mostly these blocks and a person's answers repeat, so each is rendered by
    the template once and then reused.
    """
    chosen = tuple(data or ()) if question.type == "multichoice" else (data,)

    def render() -> Markup:
        return get_template_attribute("provider/_choices.html", "choices")(question, field_name(question.id), chosen)

    return _choice_blocks.get((question,), chosen, render)


def answer_field(question: Question) -> Field:
    """The field a provider answers ``question`` with; evaluators give an adjusted answer in the same one."""
    label = question.text
    description = question.hint or ""
    if question.type in ("scale", "yesno", "choice"):
        return RadioField(
            label, choices=choice_list(choices_of(question)), validators=[Optional()], description=description
        )
    if question.type == "multichoice":
        return MultiCheckboxField(
            label, choices=choice_list(choices_of(question)), validators=[Optional()], description=description
        )
    if question.type == "number":
        return StringField(
            label,
            validators=[Optional(), Length(max=40, message="Enter a shorter number"), _number_in_range],
            description=description,
        )
    if question.type == "text":
        return TextAreaField(
            label,
            validators=[
                Optional(),
                Length(max=TEXT_MAX_LENGTH, message=f"Answer must be {TEXT_MAX_LENGTH:,} characters or fewer"),
                _no_control_characters,
            ],
            description=description,
        )
    if question.type == "evidence":
        return MultipleFileField("Add files", description=description)
    raise ValueError(f"unsupported question type {question.type!r} for {question.id}")  # pragma: no cover


class DomainForm(FlaskForm):
    """Subclassed per domain with one field per question plus its version marker."""


_form_classes = _ByIdentity(limit=1024)


def domain_form_class(questions: list[Question]) -> type[DomainForm]:
    def build() -> type[DomainForm]:
        attrs: dict[str, Any] = {}
        for question in questions:
            attrs[field_name(question.id)] = answer_field(question)
            attrs[base_name(question.id)] = HiddenField()
        return type("DomainForm", (DomainForm,), attrs)

    return _form_classes.get(tuple(questions), None, build)


class ShownField:
    """A field of a page shown with stored answers only: what the templates read from a WTForms field."""

    errors: tuple = ()

    def __init__(self, name: str, data: Any):
        self.name = name
        self.data = data

    def _value(self) -> str:
        return "" if self.data is None else str(self.data)


class ShownDomainForm:
    """The form of a domain (or member declarations) page as first opened, before anything is posted.

    Nothing is validated on such a page, so binding a WTForms form with a field per question (a
    tenth of the page's server time) buys nothing; the templates read these instead.  A posted page
    is always a real form.
    """

    errors: dict = {}

    def __init__(self, data: dict[str, Any]):
        self._data = data

    def __getitem__(self, name: str) -> ShownField:
        return ShownField(name, self._data.get(name))

    @property
    def csrf_token(self) -> Markup:
        return Markup('<input id="csrf_token" name="csrf_token" type="hidden" value="{}">').format(generate_csrf())


def field_values(question: Question, value: Any) -> list[str]:
    """A stored answer as the values a browser would post for its field."""
    shown = to_field_value(question, value)
    if shown is None:
        return []
    return [str(v) for v in shown] if isinstance(shown, list) else [str(shown)]


def initial_form_data(
    questions: Iterable[Question], stored: dict[str, Any], versions: dict[str, int]
) -> dict[str, Any]:
    """The field values and version markers of a page showing ``stored`` answers, as a form would hold them."""
    data: dict[str, Any] = {}
    for question in questions:
        value = stored.get(question.id)
        data[field_name(question.id)] = to_field_value(question, value)
        data[base_name(question.id)] = version_marker(versions.get(question.id, 0), value)
    return data


def to_field_value(question: Question, value: Any) -> Any:
    if value is None:
        return None
    if question.type == "scale":
        return str(value)
    if question.type == "yesno":
        return "yes" if value else "no"
    if question.type == "number":
        return f"{value:g}" if isinstance(value, float) else str(value)
    return value


def canonical_value(question: Question, raw: Any) -> Any:
    """The engine's encoding of a validated field value; None means unanswered."""
    if question.type in ("scale", "yesno", "choice") and isinstance(raw, str):
        # WTForms' Optional() accepts a blank value, clearing the "not a valid choice" error, so a
        # posted " " arrives here as valid: it means no choice was made.
        raw = raw.strip()
    if question.type == "scale":
        return int(raw) if raw not in (None, "", "None") else None
    if question.type == "yesno":
        return {"yes": True, "no": False}.get(raw)
    if question.type == "choice":
        return raw or None
    if question.type == "multichoice":
        # Keep the definition's option order so equal selections compare equal.
        chosen = set(raw or [])
        ordered = [o.value for o in question.options or [] if o.value in chosen]
        return ordered or None
    if question.type == "number":
        text = (raw or "").strip().replace(",", "")
        if not text:
            return None
        number = float(text)
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if question.type == "text":
        text = (raw or "").replace("\r\n", "\n").strip()
        return text or None
    return None


def version_marker(version: int, value: Any) -> str:
    """The 'version:fingerprint' a form carries for an answer, to tell on saving whether it changed meanwhile."""
    return f"{version}:{fingerprint(value)}"


def parse_base(raw: str | None) -> tuple[int, str | None]:
    """Split a 'version:fingerprint' marker; a missing or forged marker means 'version 0, unknown'."""
    if not raw or ":" not in raw:
        return 0, None
    version, _, digest = raw.partition(":")
    number = parse_id(version)
    return (0, None) if number is None else (number, digest or None)


_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class InvitationForm(CleanTextForm):
    email = EmailField(
        "Email address",
        validators=[
            DataRequired("Enter your colleague’s email address"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Regexp(_EMAIL, message="Enter an email address in the correct format, like name@example.nhs.uk"),
        ],
    )
    role = RadioField(
        "What will they do?",
        choices=choice_list(
            [
                ("contributor", "Contributor: answers questions and uploads evidence"),
                (
                    "lead",
                    "Lead: also invites colleagues; a lead of the lead organisation also assigns domains and submits",
                ),
            ]
        ),
        validators=[InputRequired("Choose what your colleague will do")],
    )


def _password_rules(form, field: Field) -> None:
    # What an attacker knows about the account: the view sets password_context (email, organisation);
    # the name comes from the same form.  The service checks again when it stores the password.
    context = (*getattr(form, "password_context", ()), getattr(getattr(form, "name", None), "data", None) or "")
    problems = password_problems(field.data or "", current_app.config["PASSWORD_MIN_LENGTH"], context=context)
    if problems:
        raise ValidationError(problems[0])


class AcceptInvitationForm(FlaskForm):
    # The invitation's email address and organisation name, which the password must not be built from.
    password_context: tuple[str, ...] = ()

    name = StringField(
        "Full name",
        validators=[
            DataRequired("Enter your full name"),
            Length(max=200, message="Name must be 200 characters or fewer"),
            _no_control_characters,
        ],
    )
    password = PasswordField(
        "Create a password",
        validators=[
            DataRequired("Enter a password"),
            Length(max=200, message="Password must be 200 characters or fewer"),
            _password_rules,
        ],
    )
    confirm = PasswordField(
        "Type the password again",
        validators=[
            DataRequired("Type your password again"),
            EqualTo("password", message="The two passwords do not match"),
        ],
    )
