"""Questionnaire and gateway-framework definitions: typed models, YAML loader and validator.

This package is the only surface other code should import from; the modules inside it are free to
move things around between themselves.
"""

from .cross_checks import APPLICANT_TYPES
from .file_validation import validate_files
from .loader import (
    DEFAULT_FRAMEWORK_PATH,
    DEFAULT_QUESTIONNAIRE_PATH,
    DEFINITIONS_DIR,
    content_hash,
    load_framework,
    load_questionnaire,
    parse_framework,
    parse_questionnaire,
    summarise,
)
from .model import (
    DECLARATION_TYPES,
    PER_MEMBER_TYPES,
    QUESTION_TYPES,
    SUFFICIENCY_LABELS,
    SUFFICIENCY_SCORES,
    Band,
    Criterion,
    Domain,
    Framework,
    Gate,
    Option,
    Question,
    Questionnaire,
    RagBand,
    ShowIf,
    YesNoScores,
)
from .problems import DefinitionError, DefinitionProblem
from .yaml_reading import MAX_DEFINITION_BYTES, read_definition_text

__all__ = [
    "APPLICANT_TYPES",
    "DEFAULT_FRAMEWORK_PATH",
    "DEFAULT_QUESTIONNAIRE_PATH",
    "DEFINITIONS_DIR",
    "MAX_DEFINITION_BYTES",
    "DECLARATION_TYPES",
    "PER_MEMBER_TYPES",
    "QUESTION_TYPES",
    "SUFFICIENCY_LABELS",
    "SUFFICIENCY_SCORES",
    "Band",
    "Criterion",
    "DefinitionError",
    "DefinitionProblem",
    "Domain",
    "Framework",
    "Gate",
    "Option",
    "Question",
    "Questionnaire",
    "RagBand",
    "ShowIf",
    "YesNoScores",
    "content_hash",
    "load_framework",
    "load_questionnaire",
    "parse_framework",
    "parse_questionnaire",
    "read_definition_text",
    "summarise",
    "validate_files",
]
