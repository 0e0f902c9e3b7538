"""Gateway: provider capability assessment for accountable care commissioning."""

from __future__ import annotations

import logging

from flask import Flask, g, render_template
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.middleware.proxy_fix import ProxyFix

from . import sqlite
from .config import INSTANCE_DIR, build_config
from .extensions import csrf, db, limiter, login_manager, migrate


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(INSTANCE_DIR))
    app.config.update(build_config(config))
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.session_protection = "strong"

    with app.app_context():
        sqlite.configure(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
    if app.config["TRUSTED_PROXY_COUNT"]:
        hops = app.config["TRUSTED_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    from . import auth, cli, jobs, ops, provider, review
    from .ids import IdConverter
    from .observability import configure_logging, register_request_ids

    # Every "<int:...>" in every blueprint, present and future, is bounded to ids the database can hold;
    # replaced before the blueprints add their rules, which look the converter up by name.
    app.url_map.converters["int"] = IdConverter

    configure_logging(app)
    register_request_ids(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(provider.bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(jobs.bp)
    app.register_blueprint(ops.bp)
    cli.register(app)

    _register_security_headers(app)
    _register_error_pages(app)
    _register_template_helpers(app)
    return app


def _register_security_headers(app: Flask) -> None:
    @app.after_request
    def _headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        )
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if app.config["ENV_NAME"] == "production":
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # Pages and files for a signed-in person hold applicants' answers and evidence: keep them out of
        # shared and back-button caches (send_file's default "no-cache" still lets a copy be stored).
        if "no-store" not in response.headers.get("Cache-Control", "") and _signed_in():
            response.headers["Cache-Control"] = "no-store"
        return response

    def _signed_in() -> bool:
        from flask import request
        from flask_login import current_user

        # is_anonymous reads no column, so a user expired by the view's commit is not loaded again.
        return request.endpoint != "static" and "_login_user" in g and not current_user.is_anonymous


def _register_error_pages(app: Flask) -> None:
    for code in (400, 403, 404, 405, 409, 413, 429, 500):
        app.register_error_handler(
            code, lambda exc, code=code: (render_template("errors/error.html", code=code, error=exc), code)
        )

    def _database_unavailable(exc):
        logging.getLogger(__name__).error("database unavailable: %s", exc.__class__.__name__)
        try:
            db.session.rollback()
        except (OperationalError, InterfaceError):
            db.session.remove()
        # The page header shows who is signed in; looking that up would hit the database again.
        g._login_user = login_manager.anonymous_user()
        response = app.make_response((render_template("errors/error.html", code=503, error=None), 503))
        response.headers["Retry-After"] = "30"
        return response

    # Connection refused or lost, locked, pool exhausted: the database is unavailable, not the code wrong.
    for exception in (OperationalError, InterfaceError, PoolTimeoutError):
        app.register_error_handler(exception, _database_unavailable)

    from reports.rendering import ReportError

    @app.errorhandler(ReportError)
    def _report_failed(exc):
        logging.getLogger(__name__).exception("report rendering failed")
        return render_template("errors/error.html", code=500, error=None, report_error=str(exc)), 500


def _register_template_helpers(app: Flask) -> None:
    from reports.rendering import format_answer
    from scoring import RECOMMENDATION_LABELS

    from .forms import choice_inputs, choices_of, messages_for
    from .localtime import local_time
    from .services.clarifications import open_for_questions, replied_late, went_unanswered
    from .services.decisions import follow_up_months
    from .states import TEMPLATE_GLOBALS

    app.add_template_filter(format_answer, "answer")
    app.add_template_filter(messages_for)
    app.add_template_global(choices_of)
    app.add_template_global(choice_inputs)
    # The named states (SubmissionStatus, JobStatus, ...), so templates need no bare state strings.
    app.jinja_env.globals.update(TEMPLATE_GLOBALS)
    # Rules the pages state, kept where the code applies them.
    app.add_template_global(follow_up_months)
    app.add_template_global(open_for_questions, "clarifications_open")
    app.add_template_global(went_unanswered, "clarification_went_unanswered")
    app.add_template_global(replied_late, "clarification_replied_late")
    app.jinja_env.globals["recommendation_labels"] = RECOMMENDATION_LABELS

    @app.template_filter("score")
    def _score(value, digits: int = 1):
        return "–" if value is None else f"{value:.{digits}f}"

    @app.template_filter("recommendation")
    def _recommendation(value):
        return RECOMMENDATION_LABELS.get(value, "Not yet scored") if value else "Not yet scored"

    @app.template_filter("datetime")
    def _datetime(value):
        return local_time(value).strftime("%d %b %Y %H:%M") if value else ""

    @app.template_filter("date")
    def _date(value):
        return value.strftime("%d %B %Y") if value else ""
