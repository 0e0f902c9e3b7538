"""Definitions stored in the database, parsed once per content hash."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from questionnaires.loader import _read_text, content_hash, parse_framework, parse_questionnaire
from questionnaires.model import Framework, Questionnaire

from ..extensions import db
from ..models import Definition, Round


class DefinitionConflict(ValueError):
    """A changed file imported under an id and version that already exist."""


@lru_cache(maxsize=64)
def _parsed_questionnaire(digest: str, source: str) -> Questionnaire:
    return parse_questionnaire(source, f"definition {digest[:12]}")


@lru_cache(maxsize=64)
def _parsed_framework(digest: str, source: str, questionnaire_digest: str, questionnaire_source: str) -> Framework:
    questionnaire = _parsed_questionnaire(questionnaire_digest, questionnaire_source)
    return parse_framework(source, f"definition {digest[:12]}", questionnaire=questionnaire)


def questionnaire_for(round_: Round) -> Questionnaire:
    definition = round_.questionnaire
    return _parsed_questionnaire(definition.content_hash, definition.source)


def framework_for(round_: Round) -> Framework:
    q, f = round_.questionnaire, round_.framework
    return _parsed_framework(f.content_hash, f.source, q.content_hash, q.source)


def import_definition(path: str | Path, questionnaire: Questionnaire | None = None) -> tuple[Definition, bool]:
    """Store a definition file; returns (definition, created).  Same content again is a no-op."""
    path = Path(path)
    # The loader's reader checks the size before reading and turns bad encodings into a DefinitionError.
    text, _ = _read_text(path)
    if "gates:" in text and "domains:" not in text:
        if questionnaire is None:
            key = _framework_questionnaire_key(text, str(path))
            stored = db.session.scalar(
                db.select(Definition).filter_by(kind="questionnaire", key=key).order_by(Definition.id.desc())
            )
            if stored is not None:
                questionnaire = parse_questionnaire(stored.source, stored.key)
        definition = parse_framework(text, str(path), questionnaire=questionnaire)
        kind, title = "framework", definition.title or definition.id
    else:
        definition = parse_questionnaire(text, str(path))
        kind, title = "questionnaire", definition.title
    digest = content_hash(definition)
    existing = db.session.scalar(
        db.select(Definition).filter_by(kind=kind, key=definition.id, version=definition.version)
    )
    if existing is not None:
        if existing.content_hash != digest:
            raise DefinitionConflict(
                f"{path}: {kind} {definition.id!r} version {definition.version!r} is already imported with "
                "different content; bump the version to import the change"
            )
        return existing, False
    row = Definition(kind=kind, key=definition.id, version=definition.version, title=title,
                     content_hash=digest, source=text)
    db.session.add(row)
    db.session.flush()
    return row, True


def _framework_questionnaire_key(text: str, source: str) -> str:
    return parse_framework(text, source).questionnaire
