"""Random form data posted to domain pages and autosave never makes the server fail."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from assessor.extensions import db
from assessor.models import Submission
from questionnaires import DEFAULT_QUESTIONNAIRE_PATH, load_questionnaire
from tests.web_client import csrf_token

QUESTIONNAIRE = load_questionnaire(DEFAULT_QUESTIONNAIRE_PATH)
DOMAIN_IDS = [d.id for d in QUESTIONNAIRE.domains]
QUESTION_IDS = [q.id for d in QUESTIONNAIRE.domains for q in d.questions]
FIELD_NAMES = (
    [f"q-{qid}" for qid in QUESTION_IDS]
    + [f"base-{qid}" for qid in QUESTION_IDS]
    + [f"resolve-{qid}" for qid in QUESTION_IDS]
    + ["action", "conflict", "remove-evidence"]
)

NASTY = [
    "",
    " ",
    "0",
    "-1",
    "99",
    "1e308",
    "-1e309",
    "nan",
    "inf",
    "NaN",
    "0x10",
    "1,000,000",
    "١٢٣",
    "None",
    "null",
    "true",
    "yes",
    "no",
    "theirs",
    "mine",
    "continue",
    "save",
    "1:deadbeef",
    "999999999999999999999:",
    ":",
    "-5:abc",
    "\x00",
    "\x1b[2J",
    "\u202e",
    "\ud7ff",
    "<script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "%00",
    "{{7*7}}",
    "${jndi:x}",
    "a" * 20_000,
]
values = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=300),
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
forms = st.dictionaries(
    keys=st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=40)),
    values=st.lists(values, min_size=1, max_size=3),
    max_size=14,
)
FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _draft(data) -> int:
    with data() as session:
        return session.scalar(
            db.select(Submission.id).join(Submission.applicant).filter_by(name="Eastbrook Community Partnership")
        )


def test_random_domain_posts_never_cause_a_server_error(demo, data, browser):
    draft = _draft(data)
    browser.login("lead@eastbrook.example")
    token = csrf_token(browser.get(f"/provider/submissions/{draft}").get_data(as_text=True))

    @FUZZ
    @given(domain=st.one_of(st.sampled_from(DOMAIN_IDS), st.text(min_size=1, max_size=30)), form=forms)
    # Found by this test once: a blank scale value on another domain's page than the one posted to.
    @example(domain="governance", form={"q-strategy.vision": [""], "q-governance.board": [" "]})
    def post_domain(domain, form):
        fields = MultiDict([(name, value) for name, items in form.items() for value in items])
        fields["csrf_token"] = token
        response = browser.client.post(f"/provider/submissions/{draft}/sections/{domain}", data=fields)
        assert response.status_code < 500, (domain, form, response.status_code)

    post_domain()


def test_random_autosave_posts_never_cause_a_server_error(demo, data, browser):
    draft = _draft(data)
    browser.login("lead@eastbrook.example")
    token = csrf_token(browser.get(f"/provider/submissions/{draft}").get_data(as_text=True))

    @FUZZ
    @given(question=st.one_of(st.sampled_from(QUESTION_IDS), st.text(min_size=1, max_size=40)), form=forms)
    def autosave(question, form):
        fields = MultiDict([(name, value) for name, items in form.items() for value in items])
        fields["csrf_token"] = token
        response = browser.client.post(f"/provider/submissions/{draft}/answers/{question}", data=fields)
        assert response.status_code < 500, (question, form, response.status_code)

    autosave()
