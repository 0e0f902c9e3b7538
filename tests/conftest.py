"""Fixtures for tests that need the web app and a database.

Every app test runs on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL too. The schema is
always built by the Alembic migrations: once per session into a template, then copied (SQLite) or
truncated (PostgreSQL) for each test so every test starts from a clean, migrated database.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgresql"]


def _pg_url() -> str:
    url = PG_URL or ""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def migrate_to_head(url: str, tmp_dir: Path) -> None:
    from flask_migrate import upgrade

    from assessor import create_app

    app = create_app(_config(url, tmp_dir))
    with app.app_context():
        upgrade()
        from assessor.extensions import db

        db.engine.dispose()


def _config(url: str, tmp_dir: Path) -> dict:
    return {
        "ENV_NAME": "testing",
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "UPLOAD_FOLDER": str(tmp_dir / "uploads"),
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": "localhost",
    }


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
    server = sa.create_engine(_pg_url(), isolation_level="AUTOCOMMIT")
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

    app = create_app(_config(database_url, tmp_path))
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


DEMO_PASSWORD = "gateway-demo-2026"
_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = _TOKEN.search(html)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)


_HIDDEN = re.compile(r'<input(?=[^>]*type="hidden")[^>]*>')
_ATTR = re.compile(r'(name|value)="([^"]*)"')


def hidden_fields(html: str) -> dict[str, str]:
    import html as html_lib

    fields = {}
    for tag in _HIDDEN.findall(html):
        attrs = dict(_ATTR.findall(tag))
        if "name" in attrs and attrs["name"] != "csrf_token":
            fields[attrs["name"]] = html_lib.unescape(attrs.get("value", ""))
    return fields


class Browser:
    """A test client that behaves like a person's browser: it reads the CSRF token from the page."""

    def __init__(self, client):
        self.client = client

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url, data=None, *, page=None, **kwargs):
        """Post ``data`` as the form on ``page`` (default ``url``) would: with its hidden fields."""
        posted = dict(data or {})
        if "csrf_token" not in posted:
            html = self.client.get(page or url).get_data(as_text=True)
            for name, value in hidden_fields(html).items():
                posted.setdefault(name, value)
            posted["csrf_token"] = csrf_token(html)
        return self.client.post(url, data=posted, **kwargs)

    def login(self, email, password=DEMO_PASSWORD):
        response = self.post("/login", {"email": email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return response


@pytest.fixture
def browser(app):
    return Browser(app.test_client())


@pytest.fixture
def make_browser(app):
    return lambda: Browser(app.test_client())


def minimal_pdf(label: str = "evidence") -> bytes:
    return b"%PDF-1.4\n% " + label.encode() + b"\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def section_form_data(domain, choose="best") -> dict:
    """Form fields a person would post to answer every question of a section.

    ``choose="best"`` picks the highest-scoring answer everywhere, ``"worst"`` the lowest.
    """
    from io import BytesIO

    best = choose == "best"
    data: dict = {}
    for q in domain.questions:
        name = "q-" + q.id
        if q.type == "scale":
            data[name] = str(len(q.levels) - 1 if best else 0)
        elif q.type == "yesno":
            data[name] = "yes" if (q.yes_no_scores.yes >= q.yes_no_scores.no) == best else "no"
        elif q.type == "choice":
            options = sorted(q.options, key=lambda o: o.score)
            data[name] = (options[-1] if best else options[0]).value
        elif q.type == "multichoice":
            data[name] = [o.value for o in q.options] if best else [min(q.options, key=lambda o: o.score).value]
        elif q.type == "number":
            bands = q.bands or []
            top = max(bands, key=lambda b: b.score) if best else min(bands, key=lambda b: b.score)
            data[name] = str(int(top.min) if top.min == int(top.min) else top.min) if bands else "1"
        elif q.type == "text":
            data[name] = f"Our answer to {q.id}: we have a plan agreed by every partner board."
        elif q.type == "evidence":
            data[name] = [(BytesIO(minimal_pdf(q.id)), f"{q.id}.pdf")]
    return data
