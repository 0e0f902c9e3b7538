"""Plain-words messages: pydantic's validation errors, and values quoted back as the author wrote them.

Pydantic's own messages ("Input should be a valid string", "Extra inputs are not permitted") are
written for programmers.  The people who write definitions are not, so each error is rewritten to
name the key, quote the value as it stands in the YAML, and say what would be accepted instead
(with a "did you mean" for a mistyped key).  The small formatting helpers live here too because the
whole-file checks must word their messages the same way.
"""

from __future__ import annotations

import difflib
import math
import types
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any, TypeGuard, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from .problems import Loc, format_path
from .yaml_reading import Document

__all__ = ["format_number", "is_number", "plural", "show_value", "validate_model", "with_article"]

ModelT = TypeVar("ModelT", bound=BaseModel)

_RANGE_KINDS = ("greater_than_equal", "greater_than", "less_than_equal", "less_than")
_NUMBER_KINDS = ("float_type", "float_parsing", "int_type", "int_parsing", "finite_number")
_LENGTH_KINDS = ("string_too_short", "string_too_long", "too_short")
_BOOL_KINDS = ("bool_type", "bool_parsing")
_MAPPING_KINDS = ("model_type", "dict_type", "model_attributes_type")
_WRONG_TYPE_KINDS = ("string_type", *_NUMBER_KINDS, *_BOOL_KINDS, "list_type", *_MAPPING_KINDS)


# --------------------------------------------------------------------------------------------------
# Small formatting helpers


def format_number(value: float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def is_number(value: Any) -> TypeGuard[float]:
    # bool is an int subclass in Python, but `true` is never a sensible number in a definition;
    # .nan/.inf are reported once when read and would only make every comparison misleading.
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def show_value(value: Any) -> str:
    """A value as the author would have written it in YAML."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_number(value):
        return format_number(value)
    if isinstance(value, str):
        return f"'{value}'" if len(value) <= 60 else f"'{value[:57]}...'"
    if isinstance(value, float):
        return str(value)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return str(value)


def with_article(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def plural(count: int, word: str, plural_form: str | None = None) -> str:
    return f"{count} {word if count == 1 else (plural_form or word + 's')}"


# --------------------------------------------------------------------------------------------------
# Pydantic errors → plain words


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def _as_model(annotation: Any) -> type[BaseModel] | None:
    annotation = _unwrap(annotation)
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def _field(model: type[BaseModel], key: str) -> FieldInfo | None:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return info
    return None


def _annotation_at(root: type[BaseModel], loc: Loc) -> Any:
    """The declared type at a path, following model fields and list items; None if unknown."""
    annotation: Any = root
    for part in loc:
        if isinstance(part, int):
            annotation = _unwrap(annotation)
            if get_origin(annotation) is not list:
                return None
            annotation = get_args(annotation)[0]
        else:
            model = _as_model(annotation)
            info = _field(model, part) if model else None
            if info is None:
                return None
            annotation = info.annotation
    return annotation


def _allowed_keys(root: type[BaseModel], loc: Loc) -> list[str]:
    model = _as_model(_annotation_at(root, loc))
    if model is None:
        return []
    return [info.alias or name for name, info in model.model_fields.items()]


def _bounds(root: type[BaseModel], loc: Loc) -> dict[str, float]:
    if not loc or not isinstance(loc[-1], str):
        return {}
    model = _as_model(_annotation_at(root, loc[:-1]))
    info = _field(model, loc[-1]) if model else None
    found: dict[str, float] = {}
    for item in info.metadata if info else ():
        for name in ("ge", "gt", "le", "lt"):
            if getattr(item, name, None) is not None:
                found[name] = getattr(item, name)
    return found


def _subject(loc: Loc) -> str:
    """What the error is about, as the author would name it: the last key plus any list index after it."""
    tail: list[str | int] = []
    for part in reversed(loc):
        tail.insert(0, part)
        if isinstance(part, str):
            break
    return format_path(tuple(tail)) if tail else "the file"


def _not_text_hint(value: Any, raw: str | None) -> str:
    written = raw if raw is not None else show_value(value)
    if isinstance(value, bool):
        return f', but {written} is read as true/false; put it in quotes: "{written}"'
    if is_number(value) or isinstance(value, date):
        return f', but {written} is read as a {"number" if is_number(value) else "date"}; put it in quotes: "{written}"'
    return f", got {show_value(value)}"


def _range_message(subject: str, shown: str, bounds: Mapping[str, float]) -> str:
    """A value outside its allowed range, with the whole range when both ends are known."""
    low = bounds.get("ge", bounds.get("gt"))
    high = bounds.get("le", bounds.get("lt"))
    if low is not None and high is not None:
        return f"{subject} {shown} is outside {format_number(low)} to {format_number(high)}"
    if "gt" in bounds:
        return f"{subject} {shown} must be more than {format_number(bounds['gt'])}"
    if "ge" in bounds:
        return f"{subject} {shown} must be at least {format_number(bounds['ge'])}"
    if "lt" in bounds:
        return f"{subject} {shown} must be less than {format_number(bounds['lt'])}"
    # A range error always carries one bound, and it is none of the three above.
    return f"{subject} {shown} must be at most {format_number(bounds['le'])}"


def _length_message(kind: str, subject: str, ctx: Mapping[str, Any]) -> str:
    """Text too short or too long, or a list with too few entries."""
    if kind == "string_too_short":
        if ctx.get("min_length") == 1:
            return f"{subject} must not be empty"
        return f"{subject} must be at least {plural(ctx.get('min_length', 0), 'character')} long"
    if kind == "string_too_long":
        return f"{subject} is longer than {plural(ctx.get('max_length', 0), 'character')}"
    return f"{subject} needs at least {plural(ctx.get('min_length', 1), 'entry', 'entries')}"


def _wrong_type_message(kind: str, subject: str, value: Any, raw: str | None) -> str:
    """A value of the wrong kind: text, number, true/false, list or mapping."""
    if kind == "string_type":
        return f"{subject} should be text{_not_text_hint(value, raw)}"
    if kind in _NUMBER_KINDS:
        return f"{subject} should be a number, got {show_value(value)}"
    if kind in _BOOL_KINDS:
        return f"{subject} should be true or false, got {show_value(value)}"
    if kind == "list_type":
        return f"{subject} should be a list, got {show_value(value)}"
    return f"{subject} should be a mapping of keys to values, got {show_value(value)}"


def _message(error: ErrorDetails, root: type[BaseModel], raw: dict[Loc, str]) -> str:
    kind = error["type"]
    loc: Loc = tuple(error["loc"])
    value = error.get("input")
    ctx: dict[str, Any] = error.get("ctx") or {}
    subject = _subject(loc)
    # Numbers and true/false are quoted back as written (2026.10, yes), not as Python read them.
    written = raw.get(loc)
    shown = written if written and isinstance(value, (bool, int, float)) else show_value(value)

    if kind == "extra_forbidden":
        key = str(loc[-1])
        allowed = _allowed_keys(root, loc[:-1])
        guess = difflib.get_close_matches(key, allowed, n=1)
        hint = f", did you mean '{guess[0]}'?" if guess else ""
        return f"unknown key '{key}'{hint} (allowed: {', '.join(allowed)})"
    if kind == "missing":
        return f"missing required key '{loc[-1]}'"
    if kind in _RANGE_KINDS:
        return _range_message(subject, shown, _bounds(root, loc) or ctx)
    if kind in _WRONG_TYPE_KINDS:
        return _wrong_type_message(kind, subject, value, raw.get(loc))
    if kind == "literal_error":
        expected = ctx.get("expected", "the allowed values")
        if isinstance(value, (list, dict)) or value is None:
            return f"{subject} should be one of {expected}, got {shown}"
        return f"{subject} {shown} is not one of {expected}"
    if kind == "string_pattern_mismatch":
        letters = "letters" if "A-Z" in str(ctx.get("pattern", "")) else "lower-case letters"
        return f"{subject} {shown} may only contain {letters}, digits, '.', '_' and '-'"
    if kind in _LENGTH_KINDS:
        return _length_message(kind, subject, ctx)
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return str(ctx["error"])
    message = str(error.get("msg", "invalid value"))
    return f"{subject}: {message}" if loc else message


def validate_model(model: type[ModelT], doc: Document) -> ModelT | None:
    """The model built from the document, or None with every pydantic error added to its report."""
    # strict: YAML already gives real types, so a quoted "2" weight or a `yes` option value is a
    # mistake to report, not something to coerce quietly.
    try:
        return model.model_validate(doc.data, strict=True)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(error["loc"])
            # A missing key has no place in the file; the mapping it is missing from does.
            where = loc[:-1] if error["type"] == "missing" else loc
            doc.report.add(where, _message(error, model, doc.raw))
        return None
