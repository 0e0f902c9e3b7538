"""The engine's named states: the outcome of a gate and the recommendation it leads to.

Each member's value is the string results have always carried, so a member equals that string,
prints and formats as it, and ``json.dumps`` writes it: stored summaries, exports and hashes stay
byte for byte the same.  Labels and orders are in ``scoring.results``.

RAG bands are not states: their labels are content, read from each framework's ``rag`` list.
"""

from __future__ import annotations

from enum import StrEnum


class GateOutcome(StrEnum):
    """A gate's outcome.  A criterion's ``on_fail`` (a plain string in the definition) names the outcome
    its failure leads to, ``fail`` or ``conditional``, so it is compared with these members' values."""

    PASS = "pass"  # noqa: S105 - a gate outcome, not a password
    CONDITIONAL = "conditional"
    FAIL = "fail"


class Recommendation(StrEnum):
    """The engine's recommendation, from the worst gate outcome; also the panel's decision outcomes."""

    PROCEED = "proceed"
    PROCEED_WITH_CONDITIONS = "proceed_with_conditions"
    OPEN_PROCUREMENT = "open_procurement"
