"""Command-line tasks: accounts, definitions, reports, settling decisions; the demo data is in cli_demo,
backups in cli_ops."""

from __future__ import annotations

import secrets
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from questionnaires import DefinitionError, validate_files

from . import cli_ops
from .cli_demo import seed_demo
from .extensions import db
from .models import (
    Organisation,
    Round,
    Submission,
    User,
)
from .passwords import PasswordRefused, hash_new_password
from .services.definitions import import_definition
from .services.errors import DefinitionConflict


def register(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(questionnaire_group)
    app.cli.add_command(report_group)
    app.cli.add_command(create_user)
    app.cli.add_command(settle_decisions)
    cli_ops.register(app)


@click.command("settle-decisions")
@with_appcontext
def settle_decisions() -> None:
    """Record the published decisions that have become final (run it daily, for example from cron)."""
    from .services.standstill import settle_all

    settled = settle_all()
    db.session.commit()
    click.echo(f"{settled} decision{'' if settled == 1 else 's'} became final.")


@click.command("create-user")
@with_appcontext
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option(
    "--role",
    type=click.Choice(["contributor", "lead", "evaluator", "moderator", "panel", "round_admin", "site_admin"]),
    required=True,
)
@click.option("--organisation", help="Organisation name (provider roles only)")
@click.password_option()
def create_user(email: str, name: str, role: str, organisation: str | None, password: str) -> None:
    """Create an account."""
    try:
        password_hash = hash_new_password(
            password, min_length=current_app.config["PASSWORD_MIN_LENGTH"], context=(email, name, organisation)
        )
    except PasswordRefused as exc:
        raise click.ClickException("; ".join(exc.problems)) from None
    org = None
    if role in ("contributor", "lead"):
        if not organisation:
            raise click.ClickException("provider users need --organisation")
        org = db.session.scalar(db.select(Organisation).filter_by(name=organisation))
        if org is None:
            raise click.ClickException(f"no organisation named {organisation!r}")
    db.session.add(
        User(
            email=email.strip().lower(),
            name=name,
            role=role,
            organisation_id=org.id if org else None,
            password_hash=password_hash,
            session_token=secrets.token_hex(16),
        )
    )
    db.session.commit()
    click.echo(f"Created {role} {email}")


questionnaire_group = AppGroup("questionnaire", help="Validate and import questionnaire and framework files.")


@questionnaire_group.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def questionnaire_validate(files: tuple[str, ...]) -> None:
    """Check definition files; prints every problem, or OK with counts."""
    ok, report = validate_files(list(files))
    click.echo(report)
    if not ok:
        raise SystemExit(1)


@questionnaire_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def questionnaire_import(file: str) -> None:
    """Store a definition in the database with its content hash."""
    try:
        definition, created = import_definition(file)
    except (DefinitionError, DefinitionConflict) as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    state = "Imported" if created else "Already imported (same content)"
    click.echo(
        f"{state}: {definition.kind} {definition.key} version {definition.version} sha256 {definition.content_hash}"
    )


report_group = AppGroup("report", help="Render reports to files.")


def _write_report(out: str, render) -> None:
    from reports.rendering import ReportError

    try:
        pdf = render()
    except ReportError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    try:
        Path(out).write_bytes(pdf)
    except OSError as exc:
        db.session.rollback()
        raise click.ClickException(f"cannot write {out}: {exc.strerror}") from None
    db.session.commit()
    click.echo(f"Wrote {out} ({len(pdf):,} bytes)")


def _report_submission(submission_id: int) -> Submission:
    submission = db.session.get(Submission, submission_id)
    if submission is None:
        raise click.ClickException(f"no submission {submission_id}")
    return submission


def _report_round(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        raise click.ClickException(f"no round {round_id}")
    return round_


@report_group.command("panel")
@click.argument("submission_id", type=int)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False))
def report_panel(submission_id: int, out: str) -> None:
    """Write the gateway panel report for one submission as a PDF."""
    from .services.reporting import panel_report_pdf

    submission = _report_submission(submission_id)
    _write_report(out, lambda: panel_report_pdf(submission, None))


@report_group.command("feedback")
@click.argument("submission_id", type=int)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False))
def report_feedback(submission_id: int, out: str) -> None:
    """Write the provider's feedback report for one submission as a PDF.

    Written whatever the round's state, for commissioners preparing feedback; providers can download
    it themselves only once the panel's decision is published or the round has closed.
    """
    from .services.reporting import feedback_report_pdf

    submission = _report_submission(submission_id)
    _write_report(out, lambda: feedback_report_pdf(submission, None, check_available=False))


@report_group.command("programme")
@click.argument("round_id", type=int)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False))
def report_programme(round_id: int, out: str) -> None:
    """Write the programme summary of a round (every applicant's outcome) as a PDF."""
    from .services.reporting import programme_report_pdf

    round_ = _report_round(round_id)
    _write_report(out, lambda: programme_report_pdf(round_, None))


@report_group.command("pack")
@click.argument("round_id", type=int)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False))
def report_pack(round_id: int, out: str) -> None:
    """Write a round's panel pack (programme summary and every panel report) as one PDF."""
    from .services.reporting import panel_pack_pdf

    round_ = _report_round(round_id)
    _write_report(out, lambda: panel_pack_pdf(round_, None))
