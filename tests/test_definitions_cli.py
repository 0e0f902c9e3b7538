"""`flask questionnaire validate/import`: definitions enter the database pinned by content hash."""

from __future__ import annotations

from assessor.models import Definition
from questionnaires import DEFAULT_FRAMEWORK_PATH, DEFAULT_QUESTIONNAIRE_PATH, load_questionnaire

SHIPPED_VERSION = load_questionnaire(DEFAULT_QUESTIONNAIRE_PATH).version


def _bump(text: str) -> str:
    return text.replace(f'version: "{SHIPPED_VERSION}"', 'version: "9999.1"', 1)


def test_validate_reports_ok_with_counts_for_the_shipped_files(app):
    result = app.test_cli_runner().invoke(
        args=["questionnaire", "validate", str(DEFAULT_QUESTIONNAIRE_PATH), str(DEFAULT_FRAMEWORK_PATH)]
    )
    assert result.exit_code == 0, result.output
    assert "OK" in result.output and "strategy" in result.output and "finance" in result.output


def test_validate_names_file_line_and_reason_for_a_broken_file(app, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(DEFAULT_QUESTIONNAIRE_PATH.read_text().replace("weight: 1.2", "weight: -1", 1))
    result = app.test_cli_runner().invoke(args=["questionnaire", "validate", str(broken)])
    assert result.exit_code != 0
    line = next(i for i, text in enumerate(broken.read_text().splitlines(), 1) if "weight: -1" in text)
    assert f"broken.yaml:{line}:" in result.output


def test_import_is_idempotent_and_refuses_changed_content_under_the_same_version(app, data, tmp_path):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["questionnaire", "import", str(DEFAULT_QUESTIONNAIRE_PATH)])
    assert first.exit_code == 0 and "Imported" in first.output
    again = runner.invoke(args=["questionnaire", "import", str(DEFAULT_QUESTIONNAIRE_PATH)])
    assert again.exit_code == 0 and "Already imported" in again.output

    # A comment changes nothing that scores, so the content hash and the import stay the same.
    commented = tmp_path / "commented.yaml"
    commented.write_text("# reviewed by the programme board\n" + DEFAULT_QUESTIONNAIRE_PATH.read_text())
    assert "Already imported" in runner.invoke(args=["questionnaire", "import", str(commented)]).output

    changed = tmp_path / "changed.yaml"
    changed.write_text(DEFAULT_QUESTIONNAIRE_PATH.read_text().replace("weight: 1.2", "weight: 1.5", 1))
    refused = runner.invoke(args=["questionnaire", "import", str(changed)])
    assert refused.exit_code != 0 and "bump the version" in refused.output

    bumped = tmp_path / "bumped.yaml"
    bumped.write_text(_bump(changed.read_text()))
    assert runner.invoke(args=["questionnaire", "import", str(bumped)]).exit_code == 0
    with data() as session:
        versions = sorted(d.version for d in session.query(Definition).filter_by(kind="questionnaire"))
    assert versions == sorted([SHIPPED_VERSION, "9999.1"])


def test_a_round_keeps_scoring_against_the_version_it_pinned(demo, data, tmp_path):
    from assessor.models import Round, Submission
    from assessor.services.scores import score

    runner = demo.test_cli_runner()
    bumped = tmp_path / "bumped.yaml"
    bumped.write_text(_bump(DEFAULT_QUESTIONNAIRE_PATH.read_text().replace("weight: 1.2", "weight: 3.0", 1)))
    assert runner.invoke(args=["questionnaire", "import", str(bumped)]).exit_code == 0
    with data() as session:
        round_ = session.query(Round).one()
        assert round_.questionnaire.version == SHIPPED_VERSION
        submission = session.query(Submission).filter(Submission.overall.isnot(None)).first()
        before = submission.overall
        _, result = score(submission)
        assert result.overall == before
