"""Definition loader: every validation rule, with the exact problem (line, path, message) it produces.

Broken definitions are written inline: a fixed header followed by a body, so that each expected line
number can be read off as ``HEAD + n`` where n is the body line the fault is on.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from questionnaires import (
    DEFAULT_FRAMEWORK_PATH,
    DEFAULT_QUESTIONNAIRE_PATH,
    DefinitionError,
    DefinitionProblem,
    Framework,
    Questionnaire,
    ShowIf,
    content_hash,
    load_framework,
    load_questionnaire,
    parse_framework,
    parse_questionnaire,
    summarise,
    validate_files,
)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"

Q_HEADER = """\
id: test
version: "1"
title: Test questionnaire
domains:
  - id: d1
    title: Domain one
    questions:
"""
HEAD = Q_HEADER.count("\n")  # body line n is file line HEAD + n


def more_items(text: str) -> str:
    """Further top-level list entries (domains after d1, gates after G1), written at column 0."""
    return textwrap.indent(textwrap.dedent(text).lstrip("\n"), "  ")


def questionnaire_text(body: str) -> str:
    """Header plus questions for domain d1; the body is written at column 0 for readability."""
    return Q_HEADER + textwrap.indent(textwrap.dedent(body).lstrip("\n"), "      ")


def problems_in(text: str, parse=parse_questionnaire, **kwargs) -> list[tuple[int | None, str, str]]:
    with pytest.raises(DefinitionError) as caught:
        parse(text, "t.yaml", **kwargs)
    return [(p.line, p.path, p.message) for p in caught.value.problems]


def q_problems(body: str) -> list[tuple[int | None, str, str]]:
    return problems_in(questionnaire_text(body))


VALID_BODY = """
- id: q.yes
  type: yesno
  text: Do you?
  scores: {yes: 1, no: 0.25}
- id: q.scale
  type: scale
  text: How far?
  levels: [none, some, all]
- id: q.choice
  type: choice
  text: Which?
  options:
    - {value: a, label: A, score: 1}
    - {value: b, label: B}
- id: q.multi
  type: multichoice
  text: Which ones?
  options:
    - {value: x, label: X, score: 0.5}
    - {value: y, label: Y, score: 0.5}
- id: q.number
  type: number
  text: How many?
  unit: people
  bands:
    - {min: 0, max: 10, score: 0}
    - {min: 10, max: 50, score: 0.5}
    - {min: 50, score: 1}
- id: q.text
  type: text
  text: Describe.
  weight: 0
- id: q.evidence
  type: evidence
  text: Upload.
  required: false
- id: q.followup
  type: text
  text: Why not?
  show_if: {question: q.yes, equals: false}
- id: q.picked
  type: text
  text: Tell us about x or y.
  show_if: {question: q.multi, in: [x, y]}
- id: q.scaled
  type: text
  text: Tell us more.
  show_if: {question: q.scale, in: [1, 2]}
"""


@pytest.fixture(scope="module")
def questionnaire() -> Questionnaire:
    text = questionnaire_text(VALID_BODY) + more_items("""
          - id: d2
            title: Domain two
            questions:
              - {id: q.other, type: yesno, text: Other}
        """)
    return parse_questionnaire(text)


# --------------------------------------------------------------------------------------------------
# Valid definitions


def test_valid_questionnaire_loads_with_every_question_type(questionnaire):
    assert [q.type for q in questionnaire.questions()][:7] == [
        "yesno",
        "scale",
        "choice",
        "multichoice",
        "number",
        "text",
        "evidence",
    ]
    assert questionnaire.question("q.yes").yes_no_scores.no == 0.25
    # The `in` alias reaches the model's in_ field.
    assert questionnaire.question("q.picked").show_if.in_ == ["x", "y"]


def test_scores_keys_yes_and_no_are_not_turned_into_booleans(questionnaire):
    # YAML 1.1 reads a bare `yes:` key as True; the loader keeps keys as written.
    assert questionnaire.question("q.yes").scores.yes == 1.0


def test_show_if_on_multichoice_holds_when_any_chosen_value_matches():
    condition = ShowIf(question="q.multi", in_=["x"])
    assert condition.holds(["y", "x"])
    assert not condition.holds(["y"])
    assert ShowIf(question="q.multi", equals="x").holds(["x"])
    assert ShowIf(question="q.yes", equals=False).holds(False)
    assert not ShowIf(question="q.yes", equals=False).holds(None)


# --------------------------------------------------------------------------------------------------
# Problem formatting


def test_problem_str_has_file_line_path_and_message():
    problem = DefinitionProblem("acr.yaml", 42, "domains[2].questions[4].bands[1]", "bands overlap: x")
    assert str(problem) == "acr.yaml:42: domains[2].questions[4].bands[1]: bands overlap: x"
    assert str(DefinitionProblem("acr.yaml", None, "", "too big")) == "acr.yaml: too big"
    assert str(DefinitionProblem("acr.yaml", 3, "", "bad tag")) == "acr.yaml:3: bad tag"


def test_definition_error_lists_every_problem_one_per_line():
    problems = [DefinitionProblem("a.yaml", 1, "id", "one"), DefinitionProblem("a.yaml", 2, "title", "two")]
    error = DefinitionError(problems)
    assert error.problems == problems
    assert str(error) == "a.yaml:1: id: one\na.yaml:2: title: two"


# --------------------------------------------------------------------------------------------------
# Pydantic errors translated to plain words, on the right line


def test_unknown_key_names_the_allowed_keys_on_the_key_line():
    assert q_problems("""
        - id: q1
          type: yesno
          text: Do you?
          colour: red
    """) == [
        (
            HEAD + 4,
            "domains[0].questions[0].colour",
            "unknown key 'colour' (allowed: id, type, text, hint, weight, required, levels, scores, "
            "options, bands, unit, show_if, answered_by)",
        )
    ]


def test_unknown_key_suggests_a_close_match():
    [(line, path, message)] = q_problems("""
        - id: q1
          type: yesno
          text: Do you?
          wieght: 2
    """)
    assert (line, path) == (HEAD + 4, "domains[0].questions[0].wieght")
    assert message.startswith("unknown key 'wieght', did you mean 'weight'? (allowed: id, type, ")


def test_missing_key_points_at_the_mapping_it_is_missing_from():
    assert q_problems("""
        - id: q1
          type: yesno
        - id: q2
          type: yesno
          text: Fine
    """) == [(HEAD + 1, "domains[0].questions[0]", "missing required key 'text'")]


def test_missing_top_level_key():
    assert problems_in("id: x\nversion: '1'\ntitle: T\n") == [(1, "", "missing required key 'domains'")]


def test_score_outside_unit_range():
    assert q_problems("""
        - id: q1
          type: choice
          text: Which?
          options:
            - {value: a, label: A, score: 1.5}
            - {value: b, label: B}
    """) == [(HEAD + 5, "domains[0].questions[0].options[0].score", "score 1.5 is outside 0 to 1")]


def test_negative_question_weight_and_zero_domain_weight():
    text = questionnaire_text("- {id: q1, type: yesno, text: Do you, weight: -1}\n").replace(
        "    title: Domain one\n", "    title: Domain one\n    weight: 0\n"
    )
    assert problems_in(text) == [
        (7, "domains[0].weight", "weight 0 must be more than 0"),
        (9, "domains[0].questions[0].weight", "weight -1 must be at least 0"),
    ]


def test_unknown_question_type():
    assert q_problems("""
        - {id: q1, type: scael, text: Do you}
    """) == [
        (
            HEAD + 1,
            "domains[0].questions[0].type",
            "type 'scael' is not one of 'scale', 'yesno', 'choice', 'multichoice', 'number', 'text' or 'evidence'",
        )
    ]


def test_identifier_pattern():
    assert q_problems("""
        - {id: Q 1, type: yesno, text: Do you}
    """) == [
        (
            HEAD + 1,
            "domains[0].questions[0].id",
            "id 'Q 1' may only contain lower-case letters, digits, '.', '_' and '-'",
        )
    ]


def test_unquoted_version_number_is_refused_with_a_quoting_hint():
    text = Q_HEADER.replace('version: "1"', "version: 2026.10") + "      - {id: q1, type: yesno, text: Do}\n"
    # 2026.10 would become 2026.1 if coerced, so the loader insists on quotes instead.
    assert problems_in(text) == [
        (2, "version", 'version should be text, but 2026.10 is read as a number; put it in quotes: "2026.10"')
    ]


def test_bare_yes_as_option_value_is_refused_with_a_quoting_hint():
    assert q_problems("""
        - id: q1
          type: choice
          text: Which?
          options:
            - {value: yes, label: Yes please}
            - {value: maybe, label: Maybe}
    """) == [
        (
            HEAD + 5,
            "domains[0].questions[0].options[0].value",
            'value should be text, but yes is read as true/false; put it in quotes: "yes"',
        )
    ]


def test_quoted_number_is_not_coerced():
    assert q_problems("""
        - {id: q1, type: yesno, text: Do you, weight: "2"}
    """) == [(HEAD + 1, "domains[0].questions[0].weight", "weight should be a number, got '2'")]


def test_empty_questions_list():
    text = Q_HEADER.replace("    questions:\n", "    questions: []\n")
    assert problems_in(text) == [(7, "domains[0].questions", "questions needs at least 1 entry")]


def test_nan_is_reported_once():
    assert q_problems("""
        - {id: q1, type: yesno, text: Do you, weight: .nan}
    """) == [
        (
            HEAD + 1,
            "domains[0].questions[0].weight",
            ".nan is read as a number that cannot be used (not-a-number or infinity); write a real number, "
            "or put it in quotes if it is text",
        )
    ]


def test_anchors_and_merge_keys_can_share_settings():
    questionnaire = parse_questionnaire(
        questionnaire_text("""
        - id: q1
          type: scale
          text: First
          levels: &levels [low, mid, high]
        - &base {id: q2, type: scale, text: Second, levels: *levels}
        - <<: *base
          id: q3
    """)
    )
    assert [q.levels for q in questionnaire.questions()] == [["low", "mid", "high"]] * 3
    assert questionnaire.question("q3").text == "Second"


def test_empty_text_is_refused():
    assert q_problems("""
        - {id: q1, type: yesno, text: ""}
    """) == [(HEAD + 1, "domains[0].questions[0].text", "text must not be empty")]


def test_duplicate_yaml_key_is_refused_on_the_second_key_line():
    assert q_problems("""
        - id: q1
          type: yesno
          text: Do you?
          text: Do you really?
    """) == [(HEAD + 4, "domains[0].questions[0].text", "duplicate key 'text' (already given on line 10)")]


# --------------------------------------------------------------------------------------------------
# Whole-file checks: ids


def test_duplicate_domain_id():
    text = questionnaire_text("- {id: q1, type: yesno, text: Do}\n") + more_items("""
          - id: d1
            title: Again
            questions:
              - {id: q2, type: yesno, text: Do}
        """)
    assert problems_in(text) == [
        (9, "domains[1].id", "duplicate domain id 'd1' (already used at domains[0].id, line 5)")
    ]


def test_duplicate_question_id_across_domains():
    text = questionnaire_text("- {id: q1, type: yesno, text: Do}\n") + more_items("""
          - id: d2
            title: Two
            questions:
              - {id: q1, type: yesno, text: Again}
        """)
    assert problems_in(text) == [
        (
            12,
            "domains[1].questions[0].id",
            "duplicate question id 'q1' (already used at domains[0].questions[0].id, line 8)",
        )
    ]


def test_duplicate_option_value():
    assert q_problems("""
        - id: q1
          type: choice
          text: Which?
          options:
            - {value: a, label: A}
            - {value: a, label: A again}
    """) == [
        (
            HEAD + 6,
            "domains[0].questions[0].options[1].value",
            "duplicate option value 'a' (already used by options[0])",
        )
    ]


# --------------------------------------------------------------------------------------------------
# Whole-file checks: type-specific keys


def test_scale_needs_levels():
    assert q_problems("""
        - {id: q1, type: scale, text: How far}
    """) == [(HEAD + 1, "domains[0].questions[0]", "a scale question needs 'levels' (at least 2 levels)")]


def test_scale_needs_at_least_two_levels():
    assert q_problems("""
        - id: q1
          type: scale
          text: How far?
          levels: [only]
    """) == [(HEAD + 4, "domains[0].questions[0].levels", "a scale question needs at least 2 levels, got 1")]


def test_choice_needs_options():
    assert q_problems("""
        - {id: q1, type: choice, text: Which}
    """) == [(HEAD + 1, "domains[0].questions[0]", "a choice question needs 'options' (at least 2 options)")]


def test_multichoice_needs_at_least_two_options():
    assert q_problems("""
        - id: q1
          type: multichoice
          text: Which?
          options:
            - {value: a, label: A}
    """) == [(HEAD + 4, "domains[0].questions[0].options", "a multichoice question needs at least 2 options, got 1")]


@pytest.mark.parametrize(
    "question, key, message",
    [
        (
            "{id: q1, type: yesno, text: T, levels: [a, b]}",
            "levels",
            "'levels' does not apply to a yesno question (only to scale questions)",
        ),
        (
            "{id: q1, type: scale, text: T, levels: [a, b], bands: [{min: 0, score: 1}]}",
            "bands",
            "'bands' does not apply to a scale question (only to number questions)",
        ),
        (
            "{id: q1, type: text, text: T, unit: kg}",
            "unit",
            "'unit' does not apply to a text question (only to number questions)",
        ),
        (
            "{id: q1, type: evidence, text: T, scores: {yes: 1}}",
            "scores",
            "'scores' does not apply to an evidence question (only to yesno questions)",
        ),
        (
            "{id: q1, type: number, text: T, options: [{value: a, label: A}, {value: b, label: B}]}",
            "options",
            "'options' does not apply to a number question (only to choice and multichoice questions)",
        ),
    ],
)
def test_keys_that_do_not_belong_to_the_type(question, key, message):
    assert q_problems(f"- {question}\n") == [(HEAD + 1, f"domains[0].questions[0].{key}", message)]


def test_band_min_must_be_below_max():
    assert q_problems("""
        - id: q1
          type: number
          text: How many?
          bands:
            - {min: 10, max: 5, score: 0}
    """) == [(HEAD + 5, "domains[0].questions[0].bands[0]", "band min 10 must be less than its max 5")]


def test_bands_must_be_ordered_by_min():
    assert q_problems("""
        - id: q1
          type: number
          text: How many?
          bands:
            - {min: 10, max: 20, score: 1}
            - {min: 0, max: 10, score: 0}
    """) == [
        (
            HEAD + 6,
            "domains[0].questions[0].bands[1]",
            "bands must be in order of min: this band starts at 0, below bands[0] which starts at 10",
        )
    ]


def test_bands_must_not_overlap():
    assert q_problems("""
        - id: q1
          type: number
          text: How many?
          bands:
            - {min: 0, max: 10, score: 0}
            - {min: 5, max: 20, score: 1}
    """) == [
        (
            HEAD + 6,
            "domains[0].questions[0].bands[1]",
            "bands overlap: bands[0] covers 0 up to 10, but this band starts at 5",
        )
    ]


def test_open_ended_band_must_be_last():
    assert q_problems("""
        - id: q1
          type: number
          text: How many?
          bands:
            - {min: 0, score: 0}
            - {min: 10, score: 1}
    """) == [
        (
            HEAD + 6,
            "domains[0].questions[0].bands[1]",
            "bands overlap: bands[0] has no max, so it already covers 10 and everything above it",
        )
    ]


def test_empty_bands_list():
    assert q_problems("""
        - {id: q1, type: number, text: How many, bands: []}
    """) == [
        (HEAD + 1, "domains[0].questions[0].bands", "'bands' is empty: list at least one band or leave the key out")
    ]


# --------------------------------------------------------------------------------------------------
# Whole-file checks: show_if


def test_show_if_unknown_question():
    assert q_problems("""
        - id: q1
          type: text
          text: Why?
          show_if: {question: nowhere, equals: true}
    """) == [(HEAD + 4, "domains[0].questions[0].show_if.question", "show_if refers to unknown question 'nowhere'")]


def test_show_if_later_question():
    assert q_problems("""
        - id: q1
          type: text
          text: Why?
          show_if: {question: q2, equals: true}
        - {id: q2, type: yesno, text: Do you}
    """) == [
        (
            HEAD + 4,
            "domains[0].questions[0].show_if.question",
            "show_if refers to question 'q2', which comes later in the file "
            "(at domains[0].questions[1], line 12); a question can only depend on an earlier one",
        )
    ]


def test_show_if_itself():
    assert q_problems("""
        - id: q1
          type: yesno
          text: Do you?
          show_if: {question: q1, equals: true}
    """) == [(HEAD + 4, "domains[0].questions[0].show_if.question", "show_if refers to the question itself")]


def test_show_if_needs_exactly_one_condition():
    assert q_problems("""
        - {id: q1, type: yesno, text: Do you}
        - id: q2
          type: text
          text: Why?
          show_if: {question: q1, equals: true, in: [true]}
    """) == [(HEAD + 5, "domains[0].questions[1].show_if", "show_if needs exactly one of 'equals' or 'in'")]


def test_show_if_on_yesno_takes_true_or_false():
    assert q_problems("""
        - {id: q1, type: yesno, text: Do you}
        - id: q2
          type: text
          text: Why?
          show_if: {question: q1, equals: "yes"}
    """) == [
        (
            HEAD + 5,
            "domains[0].questions[1].show_if.equals",
            "'yes' is not an answer to yesno question 'q1' (use true or false)",
        )
    ]


def test_show_if_on_choice_takes_existing_option_values():
    assert q_problems("""
        - id: q1
          type: choice
          text: Which?
          options:
            - {value: a, label: A}
            - {value: b, label: B}
        - id: q2
          type: text
          text: Why?
          show_if:
            question: q1
            in: [a, c]
    """) == [
        (
            HEAD + 12,
            "domains[0].questions[1].show_if.in[1]",
            "'c' is not an option of choice question 'q1' (options: a, b)",
        )
    ]


def test_show_if_on_scale_takes_level_indexes_in_range():
    assert q_problems("""
        - {id: q1, type: scale, text: How far, levels: [low, mid, high]}
        - id: q2
          type: text
          text: Why?
          show_if: {question: q1, equals: 3}
    """) == [
        (
            HEAD + 5,
            "domains[0].questions[1].show_if.equals",
            "3 is not a level of scale question 'q1' (use a level number from 0 to 2, counting the first level as 0)",
        )
    ]


def test_show_if_in_must_not_be_empty():
    assert q_problems("""
        - {id: q1, type: yesno, text: Do you}
        - {id: q2, type: text, text: Why, show_if: {question: q1, in: []}}
    """) == [
        (HEAD + 2, "domains[0].questions[1].show_if.in", "show_if 'in' is empty, so the question would never be shown")
    ]


def test_show_if_cannot_depend_on_evidence():
    assert q_problems("""
        - {id: q1, type: evidence, text: Upload.}
        - {id: q2, type: text, text: Why, show_if: {question: q1, equals: true}}
    """) == [
        (
            HEAD + 2,
            "domains[0].questions[1].show_if.question",
            "show_if cannot depend on evidence question 'q1': its answer is a document, not a value to compare",
        )
    ]


# --------------------------------------------------------------------------------------------------
# Reporting everything at once


def test_three_faults_give_three_problems_in_file_order():
    # One pydantic fault, one whole-file fault and one type fault: all three in one run.
    assert q_problems("""
        - {id: q1, type: yesno, text: Do you, weight: -2}
        - {id: q1, type: yesno, text: Again}
        - {id: q3, type: scale, text: How far}
    """) == [
        (HEAD + 1, "domains[0].questions[0].weight", "weight -2 must be at least 0"),
        (
            HEAD + 2,
            "domains[0].questions[1].id",
            "duplicate question id 'q1' (already used at domains[0].questions[0].id, line 8)",
        ),
        (HEAD + 3, "domains[0].questions[2]", "a scale question needs 'levels' (at least 2 levels)"),
    ]


def test_whole_file_checks_still_run_when_the_model_is_refused():
    # The bad type stops the pydantic model from building; the show_if fault is still reported.
    assert q_problems("""
        - {id: q1, type: yesnoo, text: Do you}
        - {id: q2, type: text, text: Why, show_if: {question: q9, equals: true}}
    """) == [
        (
            HEAD + 1,
            "domains[0].questions[0].type",
            "type 'yesnoo' is not one of 'scale', 'yesno', 'choice', 'multichoice', 'number', 'text' or 'evidence'",
        ),
        (HEAD + 2, "domains[0].questions[1].show_if.question", "show_if refers to unknown question 'q9'"),
    ]


# --------------------------------------------------------------------------------------------------
# YAML safety and malformed files


def test_python_tag_is_refused_and_not_executed(tmp_path):
    marker = tmp_path / "pwned"
    text = f"id: !!python/object/apply:os.system ['touch {marker}']\nversion: '1'\n"
    assert problems_in(text) == [
        (
            1,
            "",
            "YAML tag '!!python/object/apply:os.system' is not allowed: definitions may only contain plain "
            "mappings, lists, text, numbers, true/false and null",
        )
    ]
    assert not marker.exists()


def test_custom_tags_are_refused_everywhere_they_occur():
    text = "id: !custom x\ntitle: !!binary aGk=\n"
    assert [(line, message.split(":")[0]) for line, _, message in problems_in(text)] == [
        (1, "YAML tag '!custom' is not allowed"),
        (2, "YAML tag '!!binary' is not allowed"),
    ]


def test_file_over_one_megabyte_is_refused_before_parsing(tmp_path):
    # Deliberately not valid YAML: the size limit must trip before the parser sees it.
    text = "id: [" + "x" * (1024 * 1024)
    message = "the file is 1,048,581 bytes; definitions are limited to 1 MB (1,048,576 bytes)"
    assert problems_in(text) == [(None, "", message)]
    big = tmp_path / "big.yaml"
    big.write_text(text)
    with pytest.raises(DefinitionError) as caught:
        load_questionnaire(big)
    assert [p.message for p in caught.value.problems] == [message]


def test_malformed_yaml_gives_the_line():
    text = "id: x\nversion: '1'\ntitle: [unclosed\ndomains: []\n"
    [(line, path, message)] = problems_in(text)
    assert (line, path) == (4, "")
    assert message.startswith("not valid YAML: ")


def test_bad_indentation_gives_the_line():
    assert problems_in("id: x\n  title: y\n") == [(2, "", "not valid YAML: mapping values are not allowed here")]


def test_top_level_must_be_a_mapping():
    assert problems_in("- id: x\n") == [
        (1, "", "the top level must be a mapping of keys such as 'id:' and 'version:', not a list")
    ]


def test_empty_file():
    assert problems_in("# nothing\n") == [
        (None, "", "the file is empty; expected a mapping of keys such as 'id:' and 'version:'")
    ]


def test_alias_bomb_is_refused():
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for previous, name in zip("abcdef", "bcdefg", strict=True):
        lines.append(f"{name}: &{name} [{', '.join(['*' + previous] * 10)}]")
    [(line, _, message)] = problems_in("\n".join(lines) + "\n")
    assert message.startswith("the file expands to more than 100,000 values")


def test_recursive_alias_is_refused():
    assert problems_in("id: &a [*a]\n") == [(1, "", "a YAML alias refers to a value that contains itself")]


def test_non_utf8_file(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"id: x\ntitle: caf\xe9\n")
    with pytest.raises(DefinitionError) as caught:
        load_questionnaire(path)
    assert [(p.line, p.message) for p in caught.value.problems] == [
        (2, "the file is not UTF-8 text (byte 0xe9 at position 16)")
    ]


def test_problems_carry_the_source_name(tmp_path):
    path = tmp_path / "acr.yaml"
    path.write_text(questionnaire_text("- {id: q1, type: yesno, text: Do, colour: red}\n"))
    with pytest.raises(DefinitionError) as caught:
        load_questionnaire(path)
    assert str(caught.value).startswith(f"{path}:8: domains[0].questions[0].colour: unknown key 'colour'")


# --------------------------------------------------------------------------------------------------
# Frameworks

F_HEADER = """\
id: fw
version: "1"
questionnaire: test
rag:
  - {min: 60, label: Green}
  - {min: 0, label: Red}
gates:
  - id: G1
    title: Gate one
    criteria:
"""
FHEAD = F_HEADER.count("\n")


def framework_text(body: str) -> str:
    return F_HEADER + textwrap.indent(textwrap.dedent(body).lstrip("\n"), "      ")


def f_problems(body: str, questionnaire: Questionnaire | None = None, text: str | None = None):
    return problems_in(text or framework_text(body), parse_framework, questionnaire=questionnaire)


VALID_CRITERIA = """
- {id: c1, type: question_min, question: q.yes, min: 1}
- {id: c2, type: number_min, question: q.number, min: 10, on_fail: conditional}
- {id: c3, type: domain_min, domain: d2, min: 50}
- {id: c4, type: overall_min, min: 40}
- {id: c5, type: evidence_required, question: q.evidence}
- {id: c6, type: question_min, question: q.text, min: 0.5}
"""


def test_valid_framework_loads_and_cross_checks(questionnaire):
    framework = parse_framework(framework_text(VALID_CRITERIA), questionnaire=questionnaire)
    assert [c.id for c in framework.gates[0].criteria] == ["c1", "c2", "c3", "c4", "c5", "c6"]
    assert framework.rag_label(75) == "Green" and framework.rag_label(10) == "Red"


def test_framework_for_another_questionnaire(questionnaire):
    text = framework_text("- {id: c1, type: question_min, question: elsewhere, min: 1}\n").replace(
        "questionnaire: test", "questionnaire: other"
    )
    # Reference errors would only be noise once the questionnaire itself is the wrong one.
    assert f_problems("", questionnaire, text) == [
        (
            3,
            "questionnaire",
            "this framework is for questionnaire 'other', but it was checked against questionnaire 'test'",
        )
    ]


def test_duplicate_gate_id():
    text = framework_text("- {id: c1, type: overall_min, min: 50}\n") + more_items("""
          - id: G1
            title: Gate again
            criteria:
              - {id: c2, type: overall_min, min: 60}
        """)
    assert f_problems("", text=text) == [
        (12, "gates[1].id", "duplicate gate id 'G1' (already used at gates[0].id, line 8)")
    ]


def test_duplicate_criterion_id_across_gates():
    text = framework_text("- {id: c1, type: overall_min, min: 50}\n") + more_items("""
          - id: G2
            title: Gate two
            criteria:
              - {id: c1, type: overall_min, min: 60}
        """)
    assert f_problems("", text=text) == [
        (
            15,
            "gates[1].criteria[0].id",
            "duplicate criterion id 'c1' (already used at gates[0].criteria[0].id, line 11)",
        )
    ]


def test_rag_bands_must_strictly_descend():
    text = framework_text("- {id: c1, type: overall_min, min: 50}\n").replace(
        "  - {min: 60, label: Green}\n", "  - {min: 60, label: Green}\n  - {min: 60, label: Amber}\n"
    )
    assert f_problems("", text=text) == [
        (
            6,
            "rag[1].min",
            "rag bands must go from the highest min to the lowest: min 60 is not below the previous band's min 60",
        )
    ]


def test_last_rag_band_must_start_at_zero():
    text = framework_text("- {id: c1, type: overall_min, min: 50}\n").replace(
        "{min: 0, label: Red}", "{min: 20, label: Red}"
    )
    assert f_problems("", text=text) == [
        (6, "rag[1].min", "the last rag band must have min 0 so every score gets a label (it has min 20)")
    ]


def test_rag_min_above_100():
    text = framework_text("- {id: c1, type: overall_min, min: 50}\n").replace("{min: 60,", "{min: 160,")
    assert f_problems("", text=text) == [(5, "rag[0].min", "min 160 is outside 0 to 100")]


def test_criterion_unknown_question(questionnaire):
    assert f_problems("- {id: c1, type: question_min, question: q.nope, min: 1}\n", questionnaire) == [
        (FHEAD + 1, "gates[0].criteria[0].question", "unknown question 'q.nope' (not in questionnaire 'test')")
    ]


def test_criterion_unknown_domain(questionnaire):
    assert f_problems("- {id: c1, type: domain_min, domain: d9, min: 50}\n", questionnaire) == [
        (FHEAD + 1, "gates[0].criteria[0].domain", "unknown domain 'd9' (not in questionnaire 'test')")
    ]


def test_number_min_needs_a_number_question(questionnaire):
    assert f_problems("- {id: c1, type: number_min, question: q.scale, min: 3}\n", questionnaire) == [
        (
            FHEAD + 1,
            "gates[0].criteria[0].question",
            "a number_min criterion needs a number question, but 'q.scale' is a scale question",
        )
    ]


def test_evidence_required_needs_an_evidence_question(questionnaire):
    assert f_problems("- {id: c1, type: evidence_required, question: q.yes}\n", questionnaire) == [
        (
            FHEAD + 1,
            "gates[0].criteria[0].question",
            "an evidence_required criterion needs an evidence question, but 'q.yes' is a yesno question",
        )
    ]


def test_question_min_must_be_a_unit_score():
    assert f_problems("- {id: c1, type: question_min, question: q.yes, min: 60}\n") == [
        (
            FHEAD + 1,
            "gates[0].criteria[0].min",
            "min 60 is outside 0 to 1 (a question_min compares a question's score, which runs from 0 to 1)",
        )
    ]


@pytest.mark.parametrize(
    "criterion, message",
    [
        (
            "{id: c1, type: domain_min, domain: d1, min: 101}",
            "min 101 is outside 0 to 100 (a domain_min compares a percentage score)",
        ),
        (
            "{id: c1, type: overall_min, min: -5}",
            "min -5 is outside 0 to 100 (an overall_min compares a percentage score)",
        ),
    ],
)
def test_domain_and_overall_min_must_be_percentages(criterion, message):
    assert f_problems(f"- {criterion}\n") == [(FHEAD + 1, "gates[0].criteria[0].min", message)]


def test_criterion_fields_must_match_its_type():
    assert f_problems("""
        - {id: c1, type: overall_min, min: 50, question: q.yes}
        - {id: c2, type: evidence_required}
    """) == [
        (FHEAD + 1, "gates[0].criteria[0]", "a overall_min criterion takes no 'question'"),
        (FHEAD + 2, "gates[0].criteria[1]", "a evidence_required criterion needs 'question'"),
    ]


def test_references_are_not_checked_without_a_questionnaire():
    framework = parse_framework(framework_text("- {id: c1, type: question_min, question: anything, min: 1}\n"))
    assert framework.gates[0].criteria[0].question == "anything"


# --------------------------------------------------------------------------------------------------
# content_hash


def test_content_hash_ignores_comments_whitespace_and_key_order(questionnaire):
    original = questionnaire_text(VALID_BODY)
    reordered = original.replace(
        "- id: q.scale\n        type: scale\n        text: How far?\n",
        "- text: How far?   # the wording matters, this comment does not\n\n        type: scale\n        id: q.scale\n",
    )
    assert reordered != original
    assert content_hash(parse_questionnaire(original)) == content_hash(parse_questionnaire(reordered))


def test_content_hash_changes_with_a_weight():
    original = questionnaire_text(VALID_BODY)
    heavier = original.replace("  weight: 0\n", "  weight: 0.5\n")
    assert heavier != original
    assert content_hash(parse_questionnaire(original)) != content_hash(parse_questionnaire(heavier))


def test_content_hash_of_framework_changes_with_a_threshold():
    base = framework_text(VALID_CRITERIA)
    assert content_hash(parse_framework(base)) == content_hash(parse_framework("# note\n" + base))
    assert content_hash(parse_framework(base)) != content_hash(parse_framework(base.replace("min: 40", "min: 45")))
    assert len(content_hash(parse_framework(base))) == 64


# --------------------------------------------------------------------------------------------------
# summarise and validate_files


def test_summarise_counts_questions_per_domain(questionnaire):
    assert summarise(questionnaire) == (
        "OK: test 1, 11 questions\n  d1: 10 questions (9 scored)\n  d2: 1 question (1 scored)"
    )


def test_summarise_framework():
    assert summarise(parse_framework(framework_text(VALID_CRITERIA))) == (
        "OK: fw 1 for questionnaire test, 1 gate, 6 criteria\n  G1: 6 criteria"
    )


def test_validate_files_cross_checks_against_a_questionnaire_given_later(tmp_path):
    framework = tmp_path / "fw.yaml"
    framework.write_text(framework_text("- {id: c1, type: question_min, question: q.nope, min: 1}\n"))
    questionnaire = tmp_path / "q.yaml"
    questionnaire.write_text(questionnaire_text(VALID_BODY))
    ok, report = validate_files([str(framework), str(questionnaire)])
    assert not ok
    assert report.splitlines()[:3] == [
        f"{framework}: FAILED, 1 problem",
        f"  {framework}:11: gates[0].criteria[0].question: unknown question 'q.nope' (not in questionnaire 'test')",
        f"  (cross-checked against {questionnaire})",
    ]
    assert report.splitlines()[3] == f"{questionnaire}: OK: test 1, 10 questions"


def test_validate_files_reports_every_file(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(questionnaire_text(VALID_BODY))
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nversion: '1'\ntitle: T\n")
    neither = tmp_path / "neither.yaml"
    neither.write_text("hello: world\n")
    ok, report = validate_files([str(good), str(bad), str(neither)])
    assert not ok
    assert f"{good}: OK: test 1, 10 questions" in report
    # A file with neither key cannot be told apart, so it is reported as such rather than guessed.
    assert (
        f"{neither}:1: this is neither a questionnaire (it has no 'domains' key) nor a gateway framework "
        "(it has no 'gates' key)" in report
    )
    # Without 'domains' a broken questionnaire cannot be told from anything else.
    assert f"{bad}:1: this is neither a questionnaire" in report
    assert report.count("FAILED") == 2


def test_validate_files_without_a_matching_questionnaire_notes_it(tmp_path):
    framework = tmp_path / "fw.yaml"
    framework.write_text(framework_text(VALID_CRITERIA).replace("questionnaire: test", "questionnaire: unheard-of"))
    ok, report = validate_files([str(framework)])
    assert ok
    assert report.endswith("(not cross-checked: no questionnaire 'unheard-of' was given or found)")


# --------------------------------------------------------------------------------------------------
# Shipped definitions

SHIPPED_PAIRS = [
    (DEFAULT_QUESTIONNAIRE_PATH, DEFAULT_FRAMEWORK_PATH),
    (FIXTURES / "other-questionnaire.yaml", FIXTURES / "other-framework.yaml"),
]


@pytest.mark.parametrize("questionnaire_path, framework_path", SHIPPED_PAIRS, ids=["default", "other"])
def test_shipped_definitions_validate_cleanly(questionnaire_path, framework_path):
    missing = [str(p) for p in (questionnaire_path, framework_path) if not p.exists()]
    assert not missing, f"shipped definition files missing: {missing}"
    questionnaire = load_questionnaire(questionnaire_path)
    framework = load_framework(framework_path, questionnaire)
    assert isinstance(framework, Framework)
    assert framework.questionnaire == questionnaire.id
    ok, report = validate_files([str(questionnaire_path), str(framework_path)])
    assert ok, report
    assert "cross-checked against" in report


def test_default_paths_point_into_the_package():
    assert DEFAULT_QUESTIONNAIRE_PATH == ROOT / "questionnaires" / "definitions" / "acr-readiness.yaml"
    assert DEFAULT_FRAMEWORK_PATH == ROOT / "questionnaires" / "definitions" / "acr-gateways.yaml"


# --------------------------------------------------------------------------------------------------
# Per-member domains (declarations answered by each member organisation)

M_PREFIX = questionnaire_text("- {id: j1, type: yesno, text: Joint question}\n") + more_items("""
    - id: m
      title: Member declarations
      per_member: true
      questions:
""")
MHEAD = M_PREFIX.count("\n")  # member body line n is file line MHEAD + n

MEMBER_BODY = """
- id: m.insolvent
  type: yesno
  text: Has the organisation been insolvent?
  scores: {yes: 0, no: 1}
- id: m.insolvent_detail
  type: text
  text: Explain.
  show_if: {question: m.insolvent, equals: true}
- id: m.status
  type: choice
  text: Regulatory status?
  options:
    - {value: clear, label: No action in force, score: 1}
    - {value: action, label: Action in force}
"""


def member_text(body: str = MEMBER_BODY, domain_lines: str = "") -> str:
    prefix = M_PREFIX.replace("    per_member: true\n", "    per_member: true\n" + domain_lines)
    return prefix + textwrap.indent(textwrap.dedent(body).lstrip("\n"), "      ")


def m_problems(body: str, domain_lines: str = "") -> list[tuple[int | None, str, str]]:
    return problems_in(member_text(body, domain_lines))


@pytest.fixture(scope="module")
def member_questionnaire() -> Questionnaire:
    return parse_questionnaire(member_text())


def test_per_member_domain_loads(member_questionnaire):
    domain = member_questionnaire.domains[1]
    assert domain.per_member is True and member_questionnaire.domains[0].per_member is False
    assert [q.id for q in domain.declaration_questions()] == ["m.insolvent", "m.status"]
    assert member_questionnaire.member_question_ids == {"m.insolvent", "m.insolvent_detail", "m.status"}
    assert member_questionnaire.is_per_member("m.status") and not member_questionnaire.is_per_member("j1")
    assert [d.id for d in member_questionnaire.member_domains()] == ["m"]
    assert [d.id for d in member_questionnaire.joint_domains()] == ["d1"]


def test_per_member_domain_takes_no_weight():
    assert m_problems(MEMBER_BODY, "    weight: 2\n") == [
        (MHEAD, "domains[1].weight", "a per_member domain is not scored, so it takes no 'weight'")
    ]


def test_per_member_questions_take_no_weight():
    assert m_problems("""
        - {id: m.q, type: yesno, text: Declared, weight: 0}
    """) == [
        (
            MHEAD + 1,
            "domains[1].questions[0].weight",
            "questions in a per_member domain are not scored, so they take no 'weight'",
        )
    ]


def test_per_member_domain_only_holds_declarations_and_explanations():
    assert m_problems("""
        - {id: m.q, type: yesno, text: Declared}
        - {id: m.n, type: scale, text: How far, levels: [a, b]}
    """) == [
        (
            MHEAD + 2,
            "domains[1].questions[1].type",
            "a per_member domain may only hold yesno and choice declarations and text explanations, "
            "not a scale question",
        )
    ]


def test_per_member_domain_needs_a_declaration():
    assert m_problems("""
        - {id: m.t, type: text, text: Tell us}
    """) == [
        (
            MHEAD,
            "domains[1].questions",
            "a per_member domain needs at least one yesno or choice question: those decide whether a "
            "member organisation's declarations are clear",
        )
    ]


def test_yesno_declaration_needs_an_answer_that_scores_one():
    assert m_problems("""
        - {id: m.q, type: yesno, text: Declared, scores: {yes: 0, no: 0.5}}
    """) == [
        (
            MHEAD + 1,
            "domains[1].questions[0].scores",
            "no answer to this declaration scores 1, so no member organisation could pass it "
            "(a member's declarations are clear only when every answer scores 1)",
        )
    ]


def test_choice_declaration_needs_an_option_that_scores_one():
    assert m_problems("""
        - id: m.q
          type: choice
          text: Which?
          options:
            - {value: a, label: A, score: 0.5}
            - {value: b, label: B}
    """) == [
        (
            MHEAD + 4,
            "domains[1].questions[0].options",
            "no answer to this declaration scores 1, so no member organisation could pass it "
            "(a member's declarations are clear only when every answer scores 1)",
        )
    ]


def test_per_member_show_if_stays_inside_its_domain():
    assert m_problems("""
        - {id: m.q, type: yesno, text: Declared}
        - {id: m.t, type: text, text: Why, show_if: {question: j1, equals: true}}
    """) == [
        (
            MHEAD + 2,
            "domains[1].questions[1].show_if.question",
            "show_if refers to question 'j1' outside per_member domain 'm'; a question answered by each "
            "member organisation can only depend on another question of the same domain",
        )
    ]


def test_joint_question_cannot_depend_on_a_per_member_question():
    text = member_text() + more_items("""
          - id: d3
            title: Later joint domain
            questions:
              - {id: j2, type: text, text: Why, show_if: {question: m.insolvent, equals: true}}
        """)
    line = (
        text.splitlines().index(
            "      - {id: j2, type: text, text: Why, show_if: {question: m.insolvent, equals: true}}"
        )
        + 1
    )
    assert problems_in(text) == [
        (
            line,
            "domains[2].questions[0].show_if.question",
            "show_if refers to question 'm.insolvent', which each member organisation answers separately "
            "(per_member domain 'm'); a question answered jointly cannot depend on it",
        )
    ]


def test_per_member_flag_must_be_true_or_false():
    text = M_PREFIX.replace("per_member: true", "per_member: 'yes'") + "      - {id: m.q, type: yesno, text: Q}\n"
    assert problems_in(text) == [(MHEAD - 1, "domains[1].per_member", "per_member should be true or false, got 'yes'")]


def test_summarise_marks_per_member_domains(member_questionnaire):
    assert summarise(member_questionnaire) == (
        "OK: test 1, 4 questions\n"
        "  d1: 1 question (1 scored)\n"
        "  m: 3 questions (answered per member, 2 declarations, not scored)"
    )


MEMBER_CRITERIA = """
- {id: c1, type: member_declarations, domain: m}
- {id: c2, type: question_min, question: j1, min: 1}
"""


def test_member_declarations_criterion_loads(member_questionnaire):
    framework = parse_framework(framework_text(MEMBER_CRITERIA), questionnaire=member_questionnaire)
    criterion = framework.gates[0].criteria[0]
    assert (criterion.type, criterion.domain, criterion.min, criterion.on_fail) == (
        "member_declarations",
        "m",
        None,
        "fail",
    )


def test_member_declarations_needs_a_per_member_domain(member_questionnaire):
    assert f_problems("- {id: c1, type: member_declarations, domain: d1}\n", member_questionnaire) == [
        (
            FHEAD + 1,
            "gates[0].criteria[0].domain",
            "a member_declarations criterion needs a per_member domain, but 'd1' is answered jointly "
            "(it is not marked 'per_member: true')",
        )
    ]


def test_member_declarations_unknown_domain(member_questionnaire):
    assert f_problems("- {id: c1, type: member_declarations, domain: nowhere}\n", member_questionnaire) == [
        (FHEAD + 1, "gates[0].criteria[0].domain", "unknown domain 'nowhere' (not in questionnaire 'test')")
    ]


def test_member_declarations_fields():
    assert f_problems("""
        - {id: c1, type: member_declarations}
        - {id: c2, type: member_declarations, domain: m, min: 1}
        - {id: c3, type: member_declarations, domain: m, question: m.insolvent}
    """) == [
        (FHEAD + 1, "gates[0].criteria[0]", "a member_declarations criterion needs 'domain'"),
        (FHEAD + 2, "gates[0].criteria[1]", "a member_declarations criterion takes no 'min'"),
        (FHEAD + 3, "gates[0].criteria[2]", "a member_declarations criterion takes no 'question'"),
    ]


@pytest.mark.parametrize(
    "criterion, message",
    [
        (
            "{id: c1, type: question_min, question: m.insolvent, min: 1}",
            "'m.insolvent' is answered by each member organisation separately (per_member domain 'm'), so a "
            "question_min criterion cannot read it; use a member_declarations criterion on that domain",
        ),
        (
            "{id: c1, type: evidence_required, question: m.insolvent_detail}",
            "'m.insolvent_detail' is answered by each member organisation separately (per_member domain 'm'), so an "
            "evidence_required criterion cannot read it; use a member_declarations criterion on that domain",
        ),
    ],
)
def test_question_criteria_cannot_read_per_member_questions(member_questionnaire, criterion, message):
    assert f_problems(f"- {criterion}\n", member_questionnaire) == [
        (FHEAD + 1, "gates[0].criteria[0].question", message)
    ]


def test_domain_min_cannot_read_a_per_member_domain(member_questionnaire):
    assert f_problems("- {id: c1, type: domain_min, domain: m, min: 50}\n", member_questionnaire) == [
        (
            FHEAD + 1,
            "gates[0].criteria[0].domain",
            "domain 'm' is answered per member organisation and has no score, so a domain_min criterion cannot "
            "read it; use a member_declarations criterion",
        )
    ]


def test_content_hash_of_definitions_without_per_member_domains_is_unchanged(questionnaire):
    # Worked out before per_member existed: adding the key with its default must not move the hash
    # of anything already imported.
    assert content_hash(parse_questionnaire(questionnaire_text(VALID_BODY))) == (
        "fb7bb3e2902e4b2529f4cd859b2faf40ba73745bc67953ed2e31c05d6de79a0d"
    )
    assert content_hash(parse_framework(framework_text(VALID_CRITERIA))) == (
        "736e227ffef4417215f2419f62605af61bdc2090bcb11f5211ca5524ed6efa7c"
    )


def test_content_hash_changes_when_a_domain_becomes_per_member(member_questionnaire):
    joint = parse_questionnaire(member_text().replace("    per_member: true\n", ""))
    assert content_hash(joint) != content_hash(member_questionnaire)


def test_shipped_definitions_split_member_declarations_into_mandatory_and_discretionary_grounds():
    questionnaire = load_questionnaire(DEFAULT_QUESTIONNAIRE_PATH)
    framework = load_framework(DEFAULT_FRAMEWORK_PATH, questionnaire)
    assert questionnaire.version == "2026.3" and framework.version == "4"
    assert [d.id for d in questionnaire.member_domains()] == ["mandatory_exclusions", "discretionary_exclusions"]
    mandatory, discretionary = questionnaire.member_domains()
    for domain in (mandatory, discretionary):
        deciding = domain.declaration_questions()
        assert deciding and all(q.type == "yesno" for q in deciding)
        # "No" is the clear answer to every exclusion ground, and each adverse answer asks for an explanation.
        assert all(q.yes_no_scores.no == 1 and q.yes_no_scores.yes == 0 for q in deciding)
        explained = {q.show_if.question for q in domain.questions if q.type == "text"}
        assert explained == {q.id for q in deciding}
    assert [q.id for q in mandatory.declaration_questions()] == ["declarations.convictions"]
    # Every discretionary ground asks for the evidence of self-cleaning the panel judges.
    self_cleaning = {q.show_if.question for q in discretionary.questions if q.id.endswith("_self_cleaning")}
    assert self_cleaning == {q.id for q in discretionary.declaration_questions()}
    eligibility = framework.gates[0]
    read = {c.domain: (c.id, c.on_fail) for c in eligibility.criteria if c.type == "member_declarations"}
    assert read == {
        "mandatory_exclusions": ("G1.mandatory_exclusions", "fail"),
        "discretionary_exclusions": ("G1.discretionary_exclusions", "conditional"),
    }


# --------------------------------------------------------------------------------------------------
# answered_by: questions the round administrator or the applicant record answers

ANSWERED_ELSEWHERE = """
- id: q.type
  type: choice
  answered_by: applicant
  text: Alliance or single organisation?
  weight: 0
  options:
    - {value: alliance, label: An alliance}
    - {value: single, label: A single organisation}
- id: q.term
  type: number
  answered_by: round
  text: Contract term in years
  weight: 0
  unit: years
- id: q.partners
  type: scale
  text: How well do the partners work together?
  levels: [badly, well]
  show_if: {question: q.type, equals: alliance}
"""


def test_questions_answered_by_the_round_or_the_applicant_record_load():
    questionnaire = parse_questionnaire(questionnaire_text(ANSWERED_ELSEWHERE))
    assert [q.answered_by for q in questionnaire.questions()] == ["applicant", "round", "provider"]
    assert not any(q.scored for q in questionnaire.questions()[:2])


def test_content_hash_is_unchanged_by_answered_by_provider_written_out():
    plain = parse_questionnaire(questionnaire_text(VALID_BODY))
    explicit = parse_questionnaire(
        questionnaire_text(VALID_BODY.replace("  type: yesno\n", "  type: yesno\n  answered_by: provider\n"))
    )
    assert explicit.question("q.yes").answered_by == "provider"
    assert content_hash(explicit) == content_hash(plain)
    changed = parse_questionnaire(
        questionnaire_text(ANSWERED_ELSEWHERE.replace("answered_by: round", "answered_by: provider"))
    )
    assert content_hash(changed) != content_hash(parse_questionnaire(questionnaire_text(ANSWERED_ELSEWHERE)))


def test_a_question_answered_by_the_round_is_never_weighted():
    assert q_problems("""
        - id: q.term
          type: number
          answered_by: round
          text: Contract term in years
          weight: 1.5
        - id: q.population
          type: number
          answered_by: round
          text: Capitated population
    """) == [
        (
            HEAD + 5,
            "domains[0].questions[0].weight",
            "a question answered by the round administrator is never scored, so its weight must be 0, not 1.5",
        ),
        (
            HEAD + 8,
            "domains[0].questions[1].answered_by",
            "a question answered by the round administrator is never scored, so it needs 'weight: 0' "
            "(without it the weight would be 1)",
        ),
    ]


def test_answered_by_refuses_unknown_answerers_files_for_a_round_and_a_free_form_applicant_question():
    assert q_problems("""
        - id: q.board
          type: yesno
          answered_by: panel
          text: Board?
        - id: q.file
          type: evidence
          answered_by: round
          text: Upload the notice.
          weight: 0
        - id: q.kind
          type: choice
          answered_by: applicant
          text: What kind?
          weight: 0
          options:
            - {value: trust, label: A trust}
            - {value: federation, label: A federation}
          show_if: {question: q.board, equals: true}
    """) == [
        (
            HEAD + 3,
            "domains[0].questions[0].answered_by",
            "answered_by 'panel' is not one of 'provider', 'round' or 'applicant'",
        ),
        (
            HEAD + 6,
            "domains[0].questions[1].type",
            "a question answered by the round administrator cannot be an evidence question: "
            "nobody uploads files for a round",
        ),
        (
            HEAD + 11,
            "domains[0].questions[2].type",
            "a question answered by Gateway from the applicant record must be a choice question with "
            "exactly the options 'alliance' and 'single' (the applicant's type, which Gateway fills in)",
        ),
        (
            HEAD + 18,
            "domains[0].questions[2].show_if",
            "a question answered by Gateway from the applicant record is always answered, so it takes no show_if",
        ),
    ]


def test_a_round_question_can_only_depend_on_another_round_question():
    assert q_problems("""
        - id: q.basis
          type: choice
          text: Whole population or cohort?
          options:
            - {value: whole, label: Whole population}
            - {value: cohort, label: A cohort}
        - id: q.cohort
          type: number
          answered_by: round
          text: Cohort size
          weight: 0
          show_if: {question: q.basis, equals: cohort}
    """) == [
        (
            HEAD + 12,
            "domains[0].questions[1].show_if.question",
            "show_if refers to question 'q.basis', which is not answered by the round administrator; "
            "a question answered once for the whole round can only depend on another such question",
        )
    ]


def test_a_per_member_question_cannot_be_answered_by_the_round():
    text = questionnaire_text(VALID_BODY) + more_items("""
        - id: members
          title: Member declarations
          per_member: true
          questions:
            - id: m.insolvent
              type: yesno
              answered_by: round
              text: Insolvent?
              scores: {"yes": 0, "no": 1}
    """)
    problems = problems_in(text)
    assert [(path, message) for _, path, message in problems] == [
        (
            "domains[1].questions[0].answered_by",
            "a question in per_member domain 'members' is answered by each member organisation, "
            "so it cannot be answered_by: round",
        )
    ]


def test_a_gate_cannot_read_the_score_of_a_text_question_the_round_answers():
    questionnaire = parse_questionnaire(
        questionnaire_text("""
            - id: q.notice
              type: text
              answered_by: round
              text: Contract notice summary
              weight: 0
            - id: q.score
              type: scale
              text: How far?
              levels: [none, all]
        """)
    )
    assert f_problems(
        """
        - {id: c1, type: question_min, question: q.notice, min: 0.5}
        """,
        questionnaire,
    ) == [
        (
            FHEAD + 1,
            "gates[0].criteria[0].question",
            "'q.notice' is a text question answered by the round administrator, which evaluators never score, "
            "so a question_min criterion cannot read it",
        )
    ]


def test_shipped_questionnaire_sets_the_contract_on_the_round_and_the_applicant_type_from_the_record():
    questionnaire = load_questionnaire(DEFAULT_QUESTIONNAIRE_PATH)
    framework = load_framework(DEFAULT_FRAMEWORK_PATH, questionnaire)
    by_round = [q.id for q in questionnaire.questions() if q.answered_by == "round"]
    assert by_round == [
        "strategy.capitated_population",
        "strategy.contract_services",
        "strategy.contract_term",
        "strategy.contract_envelope",
    ]
    assert [q.id for q in questionnaire.questions() if q.answered_by == "applicant"] == ["strategy.applicant_type"]
    # The provider no longer chooses its own scope or term.
    assert questionnaire.question("strategy.services_in_scope") is None
    assert questionnaire.question("strategy.contract_years") is None
    criteria = {c.id: c for g in framework.gates for c in g.criteria}
    assert criteria["G1.population"].question == "strategy.capitated_population"
    assert criteria["G1.contract_years"].question == "strategy.contract_term"
