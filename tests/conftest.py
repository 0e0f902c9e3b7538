"""Fixtures for tests that need the web app and a database.

Every app test runs on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL too. The schema is
always built by the Alembic migrations: once per session into a template, then copied (SQLite) or
truncated (PostgreSQL) for each test so every test starts from a clean, migrated database.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.app_setup import PG_URL, app_config, migrate_to_head, postgres_url
from tests.web_client import Browser

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("sqlite-template")
    path = directory / "template.sqlite"
    migrate_to_head(f"sqlite:///{path}", directory)
    return path


@pytest.fixture(scope="session")
def postgres_ready(tmp_path_factory) -> str:
    """A database of this test session's own on the TEST_DATABASE_URL server, dropped at the end.

    Its own database lets several test runs share one server without disturbing each other.
    """
    if not PG_URL:
        pytest.skip("PostgreSQL leg skipped: TEST_DATABASE_URL is not set")
    server = sa.create_engine(postgres_url(), isolation_level="AUTOCOMMIT")
    name = f"gateway_test_{os.getpid()}"
    try:
        with server.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        server.dispose()
        pytest.fail(f"TEST_DATABASE_URL is set but PostgreSQL is unreachable: {exc}", pytrace=False)
    url = server.url.set(database=name).render_as_string(hide_password=False)
    migrate_to_head(url, tmp_path_factory.mktemp("pg"))
    yield url
    with server.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


def _truncate_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        tables = [
            row[0]
            for row in connection.execute(
                sa.text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                )
            )
        ]
        if tables:
            connection.execute(
                sa.text(f"TRUNCATE {', '.join(chr(34) + t + chr(34) for t in tables)} RESTART IDENTITY CASCADE")
            )
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "gateway.sqlite"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_ready")
    _truncate_postgres(url)
    return url


@pytest.fixture
def app(database_url, tmp_path):
    from assessor import create_app
    from assessor.extensions import db, limiter

    app = create_app(app_config(database_url, tmp_path))
    with app.app_context():
        limiter.reset()
    # No app context stays pushed during the test: each request must get its own, as in production
    # (a shared one would share `g`, the CSRF token cache and the database session between requests).
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def data(app):
    """``with data() as session:`` reads or writes the database outside any request."""
    from contextlib import contextmanager

    from assessor.extensions import db

    @contextmanager
    def session_scope():
        with app.app_context():
            yield db.session
            db.session.remove()

    return session_scope


@pytest.fixture
def demo(app):
    """The demo round, as `make run` seeds it."""
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return app


@pytest.fixture
def browser(app):
    return Browser(app.test_client())


@pytest.fixture
def make_browser(app):
    return lambda: Browser(app.test_client())
