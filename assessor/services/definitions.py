"""Definitions stored in the database, parsed once per content hash."""

from __future__ import annotations

from pathlib import Path

from questionnaires import (
    Framework,
    Questionnaire,
    content_hash,
    parse_framework,
    parse_questionnaire,
    read_definition_text,
)

from ..extensions import db
from ..models import Definition, Round
from .errors import DefinitionConflict

# Parsed definitions keyed by content hash: a hash names exactly one content, so an entry never goes
# stale, and a page that already knows the hash needs neither the file's text nor a parse.
_questionnaires: dict[str, Questionnaire] = {}
_frameworks: dict[tuple[str, str], Framework] = {}
_CACHE_LIMIT = 64


def _remember(cache: dict, key, value):
    if len(cache) >= _CACHE_LIMIT:
        cache.pop(next(iter(cache), None), None)
    cache[key] = value
    return value


def _source(definition_id: int) -> str:
    return db.session.scalar(db.select(Definition.source).where(Definition.id == definition_id))


def _parsed_questionnaire(definition_id: int, digest: str) -> Questionnaire:
    cached = _questionnaires.get(digest)
    if cached is not None:
        return cached
    parsed = parse_questionnaire(_source(definition_id), f"definition {digest[:12]}")
    return _remember(_questionnaires, digest, parsed)


def questionnaire_for(round_: Round) -> Questionnaire:
    return _parsed_questionnaire(round_.questionnaire_id, round_.questionnaire_hash)


def framework_for(round_: Round) -> Framework:
    key = (round_.framework_hash, round_.questionnaire_hash)
    cached = _frameworks.get(key)
    if cached is not None:
        return cached
    parsed = parse_framework(
        _source(round_.framework_id),
        f"definition {round_.framework_hash[:12]}",
        questionnaire=questionnaire_for(round_),
    )
    return _remember(_frameworks, key, parsed)


def import_definition(path: str | Path, questionnaire: Questionnaire | None = None) -> tuple[Definition, bool]:
    """Store a definition file; returns (definition, created).  Same content again is a no-op."""
    path = Path(path)
    # The loader's reader checks the size before reading and turns bad encodings into a DefinitionError.
    text, _ = read_definition_text(path)
    if "gates:" in text and "domains:" not in text:
        if questionnaire is None:
            key = _framework_questionnaire_key(text, str(path))
            stored = db.session.scalar(
                db.select(Definition).filter_by(kind="questionnaire", key=key).order_by(Definition.id.desc())
            )
            if stored is not None:
                questionnaire = parse_questionnaire(stored.source, stored.key)
        framework = parse_framework(text, str(path), questionnaire=questionnaire)
        definition: Questionnaire | Framework = framework
        kind, title = "framework", framework.title or framework.id
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
    row = Definition(
        kind=kind, key=definition.id, version=definition.version, title=title, content_hash=digest, source=text
    )
    db.session.add(row)
    db.session.flush()
    return row, True


def _framework_questionnaire_key(text: str, source: str) -> str:
    return parse_framework(text, source).questionnaire
