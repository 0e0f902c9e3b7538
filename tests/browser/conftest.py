"""A real Chromium (Debian's, driven by Playwright) against the app served on a free local port.

The app runs in a background thread with werkzeug's server, on a SQLite file migrated by Alembic
and loaded with the demo round, exactly as `make run` prepares it.  Without /usr/bin/chromium the
tests are skipped with the reason shown, unless REQUIRE_BROWSER=1 (CI), when that is a failure.
"""

from __future__ import annotations

import os
import threading

import pytest

from tests.browser.browser_helpers import CHROMIUM, CHROMIUM_ARGS


def _require_chromium() -> None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        reason = "browser tests need the playwright package (pip install -e '.[test]')"
    else:
        if CHROMIUM.exists():
            return
        reason = f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(reason + "; REQUIRE_BROWSER=1 makes its absence a failure", pytrace=False)
    pytest.skip(reason)


class LiveServer:
    def __init__(self, app, server):
        self.app = app
        self.server = server
        self.url = f"http://127.0.0.1:{server.server_port}"

    def database(self):
        """An app context for reading or arranging data behind the running server."""
        return self.app.app_context()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    _require_chromium()
    from werkzeug.serving import make_server

    from assessor import create_app
    from assessor.extensions import db
    from tests.app_setup import app_config, migrate_to_head

    directory = tmp_path_factory.mktemp("browser-app")
    url = f"sqlite:///{directory / 'gateway.sqlite'}"
    migrate_to_head(url, directory)
    # The test config pins SERVER_NAME to "localhost"; a real browser asks for 127.0.0.1:<port>.
    app = create_app({**app_config(url, directory), "SERVER_NAME": None})
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="gateway-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app, server)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="module")
def chromium():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(chromium, live_server):
    """Pages in fresh browser contexts (separate cookies), closed after the test."""
    contexts = []

    def open_page():
        context = chromium.new_context(
            base_url=live_server.url,
            viewport={"width": 1100, "height": 900},
            locale="en-GB",
            timezone_id="Europe/London",
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
