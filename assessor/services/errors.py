"""The one way a service says no: a ``Refused`` carrying one or more ``Problem``\\ s.

A problem names the *logical* field it is about (``"outcome"``, ``"closure_note"``,
``"conditions[0].text"``), never an HTML id: pages decide where on the form a message is shown
(``assessor.refusals``).  A problem with no field is about the action as a whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    field: str | None
    message: str


class Refused(Exception):
    """The service will not carry out the action as asked; ``problems`` say why, in the order to show them.

    ``status`` is the HTTP status a page that only reports the refusal should carry.
    """

    status: int = 400

    def __init__(
        self,
        message: str | None = None,
        *,
        field: str | None = None,
        problems: Iterable[Problem] = (),
        status: int | None = None,
    ):
        found = ([Problem(field, message)] if message is not None else []) + list(problems)
        if not found:
            raise ValueError("A refusal needs at least one problem")
        super().__init__("; ".join(problem.message for problem in found))
        self.problems: tuple[Problem, ...] = tuple(found)
        if status is not None:
            self.status = status

    @property
    def message(self) -> str:
        """The first problem's message: what a page with room for one message shows."""
        return self.problems[0].message


class NotAllowed(Refused):
    """The action is refused in the submission's current state, or its input is not acceptable."""


class RoundProblem(Refused):
    """A round or applicant cannot be saved as given."""


class DecisionRefused(Refused):
    """A panel decision cannot be recorded as given."""


class InvitationRefused(Refused):
    """An invitation cannot be created or used; the message tells the person what to do."""


class DefinitionConflict(Refused):
    """A definition with the same key and version but different content is already stored."""
