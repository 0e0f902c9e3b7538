"""A fingerprint of everything that determines a score, so a stored report can prove what it scored."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from typing import Any


def _canonical(value: Any) -> Any:
    # Tuples and lists are the same JSON; numpy scalars from a DataFrame must hash like plain numbers.
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if type(value).__module__ == "numpy":
        return _canonical(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"cannot fingerprint a non-finite number: {value!r}")
    return value


def _consensus(value: Any) -> Any:
    # Scores as floats, as they always were, so stored fingerprints stay valid; a judgement of
    # evidence is its word and a verified answer its canonical JSON.
    if isinstance(value, (str, Mapping)):
        return _canonical(value)
    return float(value)


def inputs_hash(
    questionnaire_hash: str,
    framework_hash: str,
    answers: Mapping[str, Any],
    moderation: Mapping[str, Any] | None,
    member_answers: Mapping[str, Mapping[str, Any]] | None = None,
) -> str:
    """sha256 hex of the canonical JSON of all scoring inputs.

    Keys are sorted and separators fixed so dict order and formatting never change the hash.
    Moderation scores are hashed as floats because 1 and 1.0 score identically; answers are hashed
    as given (the number 5 and 5.0 are different inputs, even though they score the same).
    An absent moderation mapping and an empty one are the same input.

    ``member_answers`` (member organisation -> answers) enter the payload only when there is at
    least one member, so every hash computed before members existed stays valid.  A member listed
    with no answers is a different input from no member at all (it fails its declarations).
    """
    payload = {
        "questionnaire": questionnaire_hash,
        "framework": framework_hash,
        "answers": _canonical(dict(answers or {})),
        "moderation": {str(k): _consensus(v) for k, v in (moderation or {}).items() if v is not None},
    }
    if member_answers:
        payload["members"] = {str(member): _canonical(dict(given or {})) for member, given in member_answers.items()}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
