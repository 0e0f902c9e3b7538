"""Entry point for gunicorn: ``gunicorn wsgi:app``.

No environment is chosen here: without GATEWAY_ENV the app applies the production rules (and stops
at start-up if SECRET_KEY or the rate-limit Redis is missing), see ``assessor.config``.
"""

from assessor import create_app

app = create_app()
