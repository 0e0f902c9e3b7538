"""The environment decides how strict the app is, so a forgotten or misspelt GATEWAY_ENV must never
give a served app the development rules (review finding F10)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from assessor.config import ConfigError, build_config

REPO = Path(__file__).resolve().parent.parent
DEVELOPMENT_SECRET_KEY = "dev-only-not-secret"
REDIS_URL = "redis://127.0.0.1:6379/0"
_VARIABLES = ("GATEWAY_ENV", "SECRET_KEY", "RATELIMIT_STORAGE_URI", "REDIS_URL", "FLASK_RUN_FROM_CLI")


@pytest.fixture
def bare_environment(monkeypatch):
    """No Gateway settings at all, as on a server where someone forgot them."""
    for key in _VARIABLES:
        monkeypatch.delenv(key, raising=False)
    return monkeypatch


@pytest.mark.parametrize("value", [None, "", "  "])
def test_an_unset_environment_refuses_to_start_without_a_secret_key(bare_environment, value):
    if value is not None:
        bare_environment.setenv("GATEWAY_ENV", value)
    with pytest.raises(ConfigError, match="SECRET_KEY must be set"):
        build_config()


def test_an_unset_environment_gets_the_production_rules(bare_environment):
    bare_environment.setenv("SECRET_KEY", "k" * 48)
    with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URI must point at Redis"):
        build_config()
    bare_environment.setenv("RATELIMIT_STORAGE_URI", REDIS_URL)
    config = build_config()
    assert config["ENV_NAME"] == "production"
    assert config["SESSION_COOKIE_SECURE"] is True and config["REMEMBER_COOKIE_SECURE"] is True


@pytest.mark.parametrize("value", ["prod", "Production", "live", "dev", "staging", "test"])
def test_an_unknown_environment_name_is_refused(bare_environment, value):
    bare_environment.setenv("GATEWAY_ENV", value)
    bare_environment.setenv("SECRET_KEY", "k" * 48)
    bare_environment.setenv("RATELIMIT_STORAGE_URI", REDIS_URL)
    with pytest.raises(ConfigError, match="GATEWAY_ENV must be development, testing or production"):
        build_config()


@pytest.mark.parametrize("key", ["short", "x" * 31, DEVELOPMENT_SECRET_KEY])
def test_production_refuses_a_weak_secret_key(bare_environment, key):
    bare_environment.setenv("GATEWAY_ENV", "production")
    bare_environment.setenv("SECRET_KEY", key)
    bare_environment.setenv("RATELIMIT_STORAGE_URI", REDIS_URL)
    with pytest.raises(ConfigError, match="SECRET_KEY must"):
        build_config()


def test_the_flask_command_and_an_explicit_development_environment_keep_the_demo_working(bare_environment):
    bare_environment.setenv("FLASK_RUN_FROM_CLI", "true")  # what `flask run` and `flask seed-demo` set
    config = build_config()
    assert config["ENV_NAME"] == "development" and config["SECRET_KEY"] == DEVELOPMENT_SECRET_KEY
    bare_environment.delenv("FLASK_RUN_FROM_CLI")
    bare_environment.setenv("GATEWAY_ENV", "development")
    assert build_config()["ENV_NAME"] == "development"


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _VARIABLES and not k.startswith(("FLASK_", "GATEWAY_"))}
    env.update({"PYTHONPATH": str(REPO), **extra})
    return env


def test_the_gunicorn_entry_point_will_not_load_without_an_explicit_environment(tmp_path):
    loaded = subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=REPO,
        env=_clean_env(GATEWAY_INSTANCE_DIR=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert loaded.returncode != 0
    assert "ConfigError: SECRET_KEY must be set" in loaded.stderr


def test_the_flask_command_still_runs_the_demo_without_settings(tmp_path):
    flask = Path(sys.executable).parent / "flask"
    ran = subprocess.run(
        [str(flask), "--app", "assessor", "routes"],
        cwd=REPO,
        env=_clean_env(GATEWAY_INSTANCE_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite'}"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert "auth.login" in ran.stdout
