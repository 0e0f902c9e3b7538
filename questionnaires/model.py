"""Typed definitions: what a questionnaire and a gateway framework may contain.

These classes are the contract between the YAML files, the scoring engine and the web forms.
Unknown keys are refused (``extra="forbid"``) so a typo in a definition is an error, not a silently
ignored setting.  Cross-references (show_if targets, criteria targets, duplicate ids) are checked by
``questionnaires.cross_checks`` because they need the whole file.
"""

from __future__ import annotations

from functools import cached_property
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z0-9._-]+$", min_length=1, max_length=100)]
GateIdentifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]+$", min_length=1, max_length=100)]
UnitScore = Annotated[float, Field(ge=0.0, le=1.0)]

_T = TypeVar("_T")

QUESTION_TYPES = ("scale", "yesno", "choice", "multichoice", "number", "text", "evidence")
QuestionType = Literal["scale", "yesno", "choice", "multichoice", "number", "text", "evidence"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Frozen models hash their fields, and list fields cannot be hashed; caches keyed on a
    # definition only need identity.
    def __hash__(self) -> int:
        return id(self)


class Option(Strict):
    value: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    label: Annotated[str, StringConstraints(min_length=1)]
    score: UnitScore = 0.0


class Band(Strict):
    min: float
    max: float | None = None
    score: UnitScore

    def contains(self, value: float) -> bool:
        return self.min <= value and (self.max is None or value < self.max)


class YesNoScores(Strict):
    yes: UnitScore = 1.0
    no: UnitScore = 0.0


class ShowIf(Strict):
    question: Identifier
    equals: Any = None
    in_: list[Any] | None = Field(default=None, alias="in")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _exactly_one_condition(self) -> ShowIf:
        if (self.equals is None) == (self.in_ is None):
            raise ValueError("show_if needs exactly one of 'equals' or 'in'")
        return self

    def holds(self, answer: Any) -> bool:
        if answer is None:
            return False
        targets = self.in_ if self.in_ is not None else [self.equals]
        # A multichoice answer is a list of chosen option values; comparing the whole list with one
        # value would never match, so the condition holds when any chosen value is a target.
        if isinstance(answer, (list, tuple, set, frozenset)):
            return any(chosen in targets for chosen in answer)
        return answer in targets


class Question(Strict):
    id: Identifier
    type: QuestionType
    text: Annotated[str, StringConstraints(min_length=1)]
    hint: str | None = None
    weight: Annotated[float, Field(ge=0.0)] = 1.0
    required: bool = True
    levels: list[Annotated[str, StringConstraints(min_length=1)]] | None = None
    scores: YesNoScores | None = None
    options: list[Option] | None = None
    bands: list[Band] | None = None
    unit: str | None = None
    show_if: ShowIf | None = None
    # Who answers: the provider (default); the round administrator once for the whole round (contract
    # parameters); or Gateway from the applicant record (alliance or single).  See docs/definitions.md.
    answered_by: Literal["provider", "round", "applicant"] = "provider"

    @property
    def scored(self) -> bool:
        return self.weight > 0

    @property
    def yes_no_scores(self) -> YesNoScores:
        return self.scores or YesNoScores()

    def option(self, value: str) -> Option | None:
        return next((o for o in self.options or () if o.value == value), None)


# The question types a per_member domain may hold: yes/no and choice declarations decide whether a
# member organisation's declarations are clear; text questions carry its explanations.
PER_MEMBER_TYPES = ("yesno", "choice", "text")
DECLARATION_TYPES = ("yesno", "choice")


class Domain(Strict):
    id: Identifier
    title: Annotated[str, StringConstraints(min_length=1)]
    weight: Annotated[float, Field(gt=0.0)] = 1.0
    description: str | None = None
    # A per_member domain is answered separately by every member organisation of the applicant
    # (declarations such as insolvency or convictions), is never scored into the overall, and is
    # read only by member_declarations criteria.
    per_member: bool = False
    questions: list[Question] = Field(min_length=1)

    def declaration_questions(self) -> list[Question]:
        """The questions that decide whether a member's declarations are clear (yes/no and choice)."""
        return [q for q in self.questions if q.type in DECLARATION_TYPES]


class Questionnaire(Strict):
    id: Identifier
    version: Annotated[str, StringConstraints(min_length=1, max_length=50)]
    title: Annotated[str, StringConstraints(min_length=1)]
    description: str | None = None
    domains: list[Domain] = Field(min_length=1)

    def questions(self) -> list[Question]:
        return [q for d in self.domains for q in d.questions]

    def question(self, question_id: str) -> Question | None:
        return self.question_index.get(question_id)

    @cached_property
    def question_index(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions()}

    def domain_of(self, question_id: str) -> Domain | None:
        return next((d for d in self.domains if any(q.id == question_id for q in d.questions)), None)

    def member_domains(self) -> list[Domain]:
        """Domains answered separately by each member organisation (``per_member: true``)."""
        return [d for d in self.domains if d.per_member]

    def joint_domains(self) -> list[Domain]:
        """Domains answered once, jointly, by the applicant; only these are scored."""
        return [d for d in self.domains if not d.per_member]

    @cached_property
    def member_question_ids(self) -> frozenset[str]:
        return frozenset(q.id for d in self.domains if d.per_member for q in d.questions)

    def is_per_member(self, question_id: str) -> bool:
        return question_id in self.member_question_ids


# Evaluators' judgement of an evidence question's files, worst first, with the score each gives the
# question.  An evidence_required criterion passes when the consensus judgement is at least its
# min_sufficiency.
SUFFICIENCY_SCORES: dict[str, float] = {"not_sufficient": 0.0, "partly": 0.5, "sufficient": 1.0}
SUFFICIENCY_LABELS: dict[str, str] = {
    "not_sufficient": "Not sufficient",
    "partly": "Partly sufficient",
    "sufficient": "Sufficient",
}
Sufficiency = Literal["not_sufficient", "partly", "sufficient"]

CriterionType = Literal[
    "question_min", "number_min", "domain_min", "overall_min", "evidence_required", "member_declarations"
]
OnFail = Literal["fail", "conditional"]


class Criterion(Strict):
    id: GateIdentifier
    type: CriterionType
    question: Identifier | None = None
    domain: Identifier | None = None
    min: float | None = None
    on_fail: OnFail = "fail"
    title: str | None = None
    rationale: str | None = None
    # evidence_required only: the least consensus judgement of the files that meets the criterion.
    min_sufficiency: Literal["partly", "sufficient"] | None = None

    @model_validator(mode="after")
    def _targets_match_type(self) -> Criterion:
        needs_question = self.type in ("question_min", "number_min", "evidence_required")
        needs_domain = self.type in ("domain_min", "member_declarations")
        needs_min = self.type not in ("evidence_required", "member_declarations")
        if needs_question and not self.question:
            raise ValueError(f"a {self.type} criterion needs 'question'")
        if not needs_question and self.question:
            raise ValueError(f"a {self.type} criterion takes no 'question'")
        if needs_domain and not self.domain:
            raise ValueError(f"a {self.type} criterion needs 'domain'")
        if not needs_domain and self.domain:
            raise ValueError(f"a {self.type} criterion takes no 'domain'")
        if needs_min and self.min is None:
            raise ValueError(f"a {self.type} criterion needs 'min'")
        if not needs_min and self.min is not None:
            article = "an" if self.type.startswith("e") else "a"
            raise ValueError(f"{article} {self.type} criterion takes no 'min'")
        if self.min_sufficiency is not None and self.type != "evidence_required":
            raise ValueError("only an evidence_required criterion takes 'min_sufficiency'")
        return self

    @property
    def required_sufficiency(self) -> str:
        """The least judgement of the evidence that meets an evidence_required criterion."""
        return self.min_sufficiency or "sufficient"

    # The validator above fixes which of question, domain and min each type of criterion has.  Code
    # that handles one type reads them through these, so that guarantee is stated once, here.

    @property
    def question_id(self) -> str:
        """The question a question_min, number_min or evidence_required criterion reads."""
        return _required(self.question, "question", self.type)

    @property
    def domain_id(self) -> str:
        """The domain a domain_min or member_declarations criterion reads."""
        return _required(self.domain, "domain", self.type)

    @property
    def minimum(self) -> float:
        """The threshold of every type of criterion except evidence_required and member_declarations."""
        return _required(self.min, "min", self.type)


def _required(value: _T | None, key: str, kind: str) -> _T:
    if value is None:
        raise ValueError(f"a {kind} criterion has no '{key}'")
    return value


class Gate(Strict):
    id: GateIdentifier
    title: Annotated[str, StringConstraints(min_length=1)]
    description: str | None = None
    # More than this many criteria unmet "with conditions" fail the gate: a long list of conditions
    # means the applicant is not ready.  None: no limit.
    max_conditional: Annotated[int, Field(ge=0)] | None = None
    criteria: list[Criterion] = Field(min_length=1)


class RagBand(Strict):
    min: Annotated[float, Field(ge=0.0, le=100.0)]
    label: Annotated[str, StringConstraints(min_length=1)]


class Framework(Strict):
    id: Identifier
    version: Annotated[str, StringConstraints(min_length=1, max_length=50)]
    title: str | None = None
    questionnaire: Identifier
    rag: list[RagBand] = Field(min_length=1)
    gates: list[Gate] = Field(min_length=1)

    def rag_label(self, overall: float | None) -> str | None:
        if overall is None:
            return None
        return next((band.label for band in self.rag if band.min <= overall), None)
