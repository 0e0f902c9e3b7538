"""Representations on a published decision are bounded per decision and per person (review note I5)."""

from __future__ import annotations

from tests.provider_helpers import submission_id
from tests.test_provider_representations import LEAD, RIVERSIDE, _publish, _representations, calendar  # noqa: F401  # calendar is a fixture used by name


def test_representations_stop_at_the_cap_for_a_decision(demo, data, app, browser, calendar):  # noqa: F811  # the fixture imported above
    app.config["REPRESENTATIONS_PER_DECISION"] = 2
    sid = submission_id(data, RIVERSIDE)
    publication_id = _publish(data, sid)
    browser.login(LEAD)
    overview, action = f"/provider/submissions/{sid}", f"/provider/submissions/{sid}/representations"
    codes = [browser.post(action, {"representation": f"Point {n}"}, page=overview).status_code for n in range(3)]
    assert codes == [302, 302, 400]
    refused = browser.post(action, {"representation": "Point 4"}, page=overview).get_data(as_text=True)
    assert "the most allowed" in refused
    assert _representations(data, publication_id) == ["Point 0", "Point 1"]


def test_representations_are_rate_limited_per_person(demo, data, app, browser, calendar):  # noqa: F811  # the fixture imported above
    app.config["REPRESENTATION_RATE_LIMIT"] = "2 per hour"
    sid = submission_id(data, RIVERSIDE)
    publication_id = _publish(data, sid)
    browser.login(LEAD)
    overview, action = f"/provider/submissions/{sid}", f"/provider/submissions/{sid}/representations"
    codes = [browser.post(action, {"representation": f"Point {n}"}, page=overview).status_code for n in range(3)]
    assert codes == [302, 302, 429]
    assert len(_representations(data, publication_id)) == 2
