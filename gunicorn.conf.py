"""gunicorn settings: `gunicorn -c gunicorn.conf.py wsgi:app`. Every value can be overridden by env."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers gave the best tail latency for this database-backed app on small machines.
worker_class = "sync"
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5
# Workers are recycled now and then to bound any slow leak; the app is loaded once in the master and
# forked, so a recycled worker starts in milliseconds instead of importing everything again.
max_requests = 10000
max_requests_jitter = 1000
preload_app = True
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
# One JSON object per request, written by a JSON encoder: a format string filled with the request's
# path lets a quote, backslash or encoded newline in it split or forge log lines.  The fields are
# ACCESS_FIELDS in assessor/access_log.py; access_log_format is not used.
logger_class = "assessor.access_log.JsonAccessLogger"


def post_fork(server, worker):
    # Connections must never be shared across a fork: drop any the master's pool may hold, so each
    # worker opens its own.  (The same settings also serve apps without a database, e.g. benchmarks.)
    app = worker.app.wsgi()
    if "sqlalchemy" not in getattr(app, "extensions", {}):
        return
    from assessor.extensions import db

    with app.app_context():
        db.engine.dispose(close=False)
