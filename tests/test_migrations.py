"""The schema is built only by migrations: upgrade to head, down to base and up again on each database."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from assessor import create_app
from tests.app_setup import PG_URL, app_config, postgres_url

EXPECTED_TABLES = {
    "organisation",
    "user",
    "definition",
    "round",
    "applicant",
    "applicant_member",
    "submission",
    "answer",
    "evidence",
    "moderated_score",
    "audit_event",
    "invitation",
    "section_assignment",
    "evaluator_score",
    "clarification",
    "panel_decision",
    "decision_condition",
    "report_job",
    "bank_holiday",
    "member_answer",
    "conflict_declaration",
    "review_recommendation",
    "decision_publication",
    "representation",
    "round_answer",
}


def _tables(engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}


def _round_trip(url, tmp_path):
    app = create_app(app_config(url, tmp_path))
    with app.app_context():
        from assessor.extensions import db

        upgrade()
        assert _tables(db.engine) >= EXPECTED_TABLES
        # 0008: a clarification carries the date the provider is asked to reply by.
        assert "reply_by" in {column["name"] for column in sa.inspect(db.engine).get_columns("clarification")}
        downgrade(revision="0007")
        assert "reply_by" not in {column["name"] for column in sa.inspect(db.engine).get_columns("clarification")}
        downgrade(revision="base")
        assert _tables(db.engine) == set()
        upgrade()
        assert _tables(db.engine) >= EXPECTED_TABLES
        db.engine.dispose()


def test_sqlite_upgrade_downgrade_upgrade(tmp_path):
    _round_trip(f"sqlite:///{tmp_path / 'migrations.sqlite'}", tmp_path)


def test_postgresql_upgrade_downgrade_upgrade(tmp_path):
    if not PG_URL:
        pytest.skip("PostgreSQL leg skipped: TEST_DATABASE_URL is not set")
    server = sa.create_engine(postgres_url(), isolation_level="AUTOCOMMIT")
    name = f"gateway_migration_check_{os.getpid()}"
    with server.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        _round_trip(server.url.set(database=name).render_as_string(hide_password=False), tmp_path)
    finally:
        with server.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def test_audit_trail_refuses_update_and_delete(demo, data):
    from assessor.models import AuditEvent

    with data() as session:
        session.add(AuditEvent(action="test.event", detail_json="{}"))
        session.commit()
        for statement in ("UPDATE audit_event SET action = 'changed'", "DELETE FROM audit_event"):
            with pytest.raises(sa.exc.DatabaseError):
                session.execute(sa.text(statement))
            session.rollback()
        assert session.query(AuditEvent).filter_by(action="test.event").count() == 1
