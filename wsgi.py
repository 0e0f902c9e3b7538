"""Entry point for gunicorn: ``gunicorn wsgi:app``."""

from assessor import create_app

app = create_app()
