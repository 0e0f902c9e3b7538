"""Rate limits: checking them, failing closed, and the keys and rates of forms other than sign-in.

The limiter checks nothing by itself (``auto_check=False`` in ``extensions``); a view with a limit
calls ``check_limits()`` once it knows who is asking.
"""

from __future__ import annotations

from flask import abort, current_app, render_template, request
from flask_login import current_user
from limits.errors import StorageError
from redis.exceptions import RedisError


def check_limits() -> None:
    """Apply the current view's limits; refuse with 503 when their counters cannot be reached.

    Failing closed is deliberate (review finding F11): falling back to counting in each process
    would quietly multiply the sign-in limit by the number of gunicorn workers and instances.  Only
    the limited forms (sign-in, invitations) stop; pages for people already signed in carry on, and
    /readyz reports the outage.
    """
    from .extensions import limiter

    try:
        limiter.check()
    except (RedisError, StorageError, ConnectionError) as exc:
        current_app.logger.error(
            "rate-limit storage unreachable (%s): refusing %s", exc.__class__.__name__, request.endpoint
        )
        page = render_template("errors/error.html", code=503, error=None, limits_unavailable=True)
        response = current_app.make_response((page, 503))
        response.headers["Retry-After"] = "60"
        abort(response)


def per_user_key() -> str:
    # Signed-in forms are limited per person, not per address: colleagues share an office's address.
    return f"user:{current_user.get_id() or 'anonymous'}"


def invitation_rate() -> str:
    return current_app.config["INVITATION_RATE_LIMIT"]


def representation_rate() -> str:
    return current_app.config["REPRESENTATION_RATE_LIMIT"]
