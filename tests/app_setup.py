"""How the tests build the app: its config for a database URL, its schema migrated to head, and the
PostgreSQL server named by TEST_DATABASE_URL.

The app is imported inside the functions, so importing this module does not import the app.
"""

from __future__ import annotations

import os
from pathlib import Path

PG_URL = os.environ.get("TEST_DATABASE_URL")


def postgres_url() -> str:
    """TEST_DATABASE_URL with the psycopg driver named, as SQLAlchemy needs it ("" when unset)."""
    url = PG_URL or ""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def app_config(url: str, tmp_dir: Path) -> dict:
    """The config of an app under test on the database at ``url``, with uploads under ``tmp_dir``."""
    return {
        "ENV_NAME": "testing",
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "UPLOAD_FOLDER": str(tmp_dir / "uploads"),
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": "localhost",
    }


def migrate_to_head(url: str, tmp_dir: Path) -> None:
    """Build the schema of the database at ``url`` with the Alembic migrations, as a deployment does."""
    from flask_migrate import upgrade

    from assessor import create_app

    app = create_app(app_config(url, tmp_dir))
    with app.app_context():
        upgrade()
        from assessor.extensions import db

        db.engine.dispose()
