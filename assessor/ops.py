"""Health endpoints for load balancers and orchestrators; no sign-in, no data."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from .extensions import db

bp = Blueprint("ops", __name__)


@bp.route("/healthz")
def healthz():
    """The process is up and serving requests."""
    return jsonify(status="ok")


@bp.route("/readyz")
def readyz():
    """Everything a request needs is reachable: the database, and Redis (jobs, rate limits) when configured."""
    checks: dict[str, str] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any failure means "not ready"; the kind is logged, not shown
        db.session.rollback()
        current_app.logger.warning("readiness: database unreachable (%s)", exc.__class__.__name__)
        checks["database"] = "unreachable"
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        from redis import Redis
        from redis.exceptions import RedisError

        try:
            Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=2).ping()
            checks["redis"] = "ok"
        except RedisError as exc:
            current_app.logger.warning("readiness: redis unreachable (%s)", exc.__class__.__name__)
            checks["redis"] = "unreachable"
    if not current_app.config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        # Without its counters sign-in is refused (ratelimits.check_limits): say so here too.
        from .extensions import limiter

        try:
            reachable = limiter.storage.check()
        except Exception as exc:  # any failure means "not ready"; the kind is logged, not shown
            current_app.logger.warning("readiness: rate-limit storage check failed (%s)", exc.__class__.__name__)
            reachable = False
        if not reachable:
            current_app.logger.error("readiness: rate-limit storage unreachable")
        checks["rate_limits"] = "ok" if reachable else "unreachable"
    ready = all(value == "ok" for value in checks.values())
    return jsonify(status="ok" if ready else "unavailable", checks=checks), 200 if ready else 503
