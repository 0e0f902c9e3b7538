"""Rate limits on forms that are not sign-in: keys and rates shared by the blueprints that use them.

The limiter checks nothing by itself (``auto_check=False`` in ``extensions``); a view with a limit
calls ``limiter.check()`` once it knows who is asking.
"""

from __future__ import annotations

from flask import current_app
from flask_login import current_user


def per_user_key() -> str:
    # Signed-in forms are limited per person, not per address: colleagues share an office's address.
    return f"user:{current_user.get_id() or 'anonymous'}"


def invitation_rate() -> str:
    return current_app.config["INVITATION_RATE_LIMIT"]
