"""Configuration from environment variables, validated when the app starts."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("GATEWAY_INSTANCE_DIR", PROJECT_ROOT / "instance"))


ENVIRONMENTS = ("development", "testing", "production")
DEVELOPMENT_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - a known key that production refuses
# A signing key shorter than this can be guessed offline from one signed cookie.
MIN_PRODUCTION_SECRET_KEY_LENGTH = 32


class ConfigError(RuntimeError):
    """Raised at start-up when the environment does not describe a runnable app."""


def _environment_name(overrides: dict[str, Any]) -> str:
    """The named environment; production unless someone said otherwise or a developer runs `flask`.

    Every relaxed rule (a published secret key, cookies without Secure, no HSTS, per-process rate
    limits) hangs off this name, so a server started with GATEWAY_ENV forgotten or misspelt must get
    the production rules, or refuse to start, and never quietly the development ones.  The `flask`
    command (`make run`, the admin commands in the README) is a developer's tool; gunicorn, an rq
    worker or any other server never sets FLASK_RUN_FROM_CLI.
    """
    name = overrides.get("ENV_NAME") or os.environ.get("GATEWAY_ENV", "").strip()
    if not name:
        name = "development" if os.environ.get("FLASK_RUN_FROM_CLI") == "true" else "production"
    if name not in ENVIRONMENTS:
        raise ConfigError(f"GATEWAY_ENV must be development, testing or production, got {name!r}")
    return name


def _int_env(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc


def build_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    overrides = dict(overrides or {})
    env_name = _environment_name(overrides)
    config: dict[str, Any] = {
        "ENV_NAME": env_name,
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'gateway.sqlite'}"),
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_STORAGE", str(INSTANCE_DIR / "uploads")),
        "MAX_UPLOAD_BYTES": _int_env("MAX_UPLOAD_BYTES", 20 * 1024 * 1024),
        # Evidence kept for one submission, removed files included; it stops one applicant filling the
        # disk that every applicant's files share.
        "SUBMISSION_STORAGE_QUOTA_BYTES": _int_env("SUBMISSION_STORAGE_QUOTA_BYTES", 200 * 1024 * 1024),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "JSON_LOGS": os.environ.get("JSON_LOGS", "1" if env_name == "production" else "0") == "1",
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
        "JOB_QUEUE": os.environ.get("JOB_QUEUE", "reports"),
        "JOB_TIMEOUT_SECONDS": _int_env("JOB_TIMEOUT_SECONDS", 600),
        "JOB_STALE_SECONDS": _int_env("JOB_STALE_SECONDS", 900),
        "RATELIMIT_HEADERS_ENABLED": True,
        # If Redis goes away, sign-in and invitations answer 503 (ratelimits.check_limits) rather than
        # count in memory per process, which would multiply the limit by the number of processes.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": False,
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", "gateway"),
        # Proxies in front of the app that append to X-Forwarded-For; 0 ignores the header, which
        # anyone can forge to dodge the per-address sign-in limit.
        "TRUSTED_PROXY_COUNT": _int_env("TRUSTED_PROXY_COUNT", 0),
        "SQLITE_BUSY_TIMEOUT_MS": _int_env("SQLITE_BUSY_TIMEOUT_MS", 15000),
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute"),
        # Each invitation is a guess at whether an address is known to Gateway, and a row; a lead
        # bringing in a whole team stays well inside this.
        "INVITATION_RATE_LIMIT": os.environ.get("INVITATION_RATE_LIMIT", "30 per hour"),
        # Representations on a published decision: each needs a commissioner's review before the
        # standstill period ends, so their number is bounded per decision and per person.
        "REPRESENTATIONS_PER_DECISION": _int_env("REPRESENTATIONS_PER_DECISION", 10),
        "REPRESENTATION_RATE_LIMIT": os.environ.get("REPRESENTATION_RATE_LIMIT", "10 per hour"),
        # Long domains take people more than an hour; autosave refreshes the token too.
        "WTF_CSRF_TIME_LIMIT": _int_env("WTF_CSRF_TIME_LIMIT", 8 * 3600),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env_name == "production",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": env_name == "production",
        "PASSWORD_MIN_LENGTH": 12,
        "INVITATION_LIFETIME_DAYS": _int_env("INVITATION_LIFETIME_DAYS", 7),
        "DISPLAY_TIMEZONE": os.environ.get("DISPLAY_TIMEZONE", "Europe/London"),
        # The address people use, e.g. https://gateway.example.nhs.uk.  Links that leave the site
        # (invitations) are built from it, never from the request's Host header, which the client sets.
        "PUBLIC_URL": (os.environ.get("GATEWAY_PUBLIC_URL") or "").strip().rstrip("/") or None,
    }
    # Uploads ride in a multipart body next to the answers; leave room for the form itself.
    config["MAX_CONTENT_LENGTH"] = config["MAX_UPLOAD_BYTES"] * 5 + 1024 * 1024
    config.update(overrides)
    if "MAX_UPLOAD_BYTES" in overrides and "MAX_CONTENT_LENGTH" not in overrides:
        config["MAX_CONTENT_LENGTH"] = config["MAX_UPLOAD_BYTES"] * 5 + 1024 * 1024

    if not config.get("SECRET_KEY"):
        if env_name in ("development", "testing"):
            config["SECRET_KEY"] = DEVELOPMENT_SECRET_KEY
        else:
            raise ConfigError(
                "SECRET_KEY must be set outside development and testing "
                "(or set GATEWAY_ENV=development to run the demo on this machine)"
            )
    if env_name == "production" and config["SECRET_KEY"] == DEVELOPMENT_SECRET_KEY:
        raise ConfigError("SECRET_KEY must not be the development key in production")
    if env_name == "production" and len(config["SECRET_KEY"]) < MIN_PRODUCTION_SECRET_KEY_LENGTH:
        raise ConfigError(
            f"SECRET_KEY must be at least {MIN_PRODUCTION_SECRET_KEY_LENGTH} characters in production, "
            "for example the output of: python -c 'import secrets; print(secrets.token_hex(32))'"
        )
    uri = _database_url(config["SQLALCHEMY_DATABASE_URI"])
    config["SQLALCHEMY_DATABASE_URI"] = uri
    # A pooled PostgreSQL connection can die with a server restart, so it is checked before use.  A
    # SQLite connection is an open file that cannot go stale that way: a ping per request only costs.
    config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": uri.startswith("postgresql")})
    for key in ("REDIS_URL",):
        value = config.get(key)
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ConfigError(f"{key} must be a redis:// or rediss:// URL")
    limiter_uri = config["RATELIMIT_STORAGE_URI"]
    if not limiter_uri.startswith(("memory://", "redis://", "rediss://")):
        raise ConfigError("RATELIMIT_STORAGE_URI must be memory:// or a redis:// URL")
    if env_name == "production" and limiter_uri.startswith("memory://"):
        # Each gunicorn worker would count separately and the login limit would be N times looser.
        raise ConfigError("RATELIMIT_STORAGE_URI must point at Redis in production")
    _check_public_url(config.get("PUBLIC_URL"), env_name)
    try:
        ZoneInfo(config["DISPLAY_TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"DISPLAY_TIMEZONE must be a time zone name like Europe/London, got {config['DISPLAY_TIMEZONE']!r}"
        ) from None
    if config["LOG_LEVEL"] not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError("LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
    return config


def _check_public_url(public_url: str | None, env_name: str) -> None:
    if not public_url:
        return
    parts = urlsplit(public_url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query or parts.fragment:
        raise ConfigError(f"GATEWAY_PUBLIC_URL must be like https://gateway.example.nhs.uk, got {public_url!r}")
    if env_name == "production" and parts.scheme != "https":
        raise ConfigError("GATEWAY_PUBLIC_URL must start with https:// in production")


def _database_url(uri: str) -> str:
    """The URL with the psycopg 3 driver named, which SQLAlchemy would not choose by itself."""
    if uri.startswith("postgres://"):
        uri = "postgresql+psycopg://" + uri[len("postgres://") :]
    elif uri.startswith("postgresql://"):
        uri = "postgresql+psycopg://" + uri[len("postgresql://") :]
    if not (uri.startswith("sqlite:") or uri.startswith("postgresql+psycopg://")):
        raise ConfigError(f"DATABASE_URL must be a SQLite or PostgreSQL URL, got {uri.split(':')[0]!r}")
    return uri
