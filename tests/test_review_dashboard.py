"""The round dashboard and the comparison view read stored summaries: filters, sorting, paging, quartiles."""

from __future__ import annotations

import json
import random
import re
import statistics

from assessor.extensions import db
from assessor.models import Applicant, ApplicantMember, Organisation, Submission, User, utcnow
from tests.review_helpers import COMMISSIONERS, build_world, declare_no_conflicts, page_text, signed_in

STATUSES = ["submitted", "under_review", "decided", "draft"]
RECOMMENDATIONS = ["proceed", "proceed_with_conditions", "open_procurement"]


def _rag(overall: float) -> str:
    # The fixture framework's bands: Green from 70, Amber from 40, otherwise Red.
    return "Green" if overall >= 70 else "Amber" if overall >= 40 else "Red"


def _add_cohort(data, round_id: int, count: int, seed: int = 7) -> list[dict]:
    """Submissions whose stored summaries are made up: none has answers, so a rescore would show."""
    rng = random.Random(seed)
    made = []
    with data() as session:
        for index in range(count):
            organisation = Organisation(name=f"Cohort member {index:03d}", kind="gp_federation")
            session.add(organisation)
            session.flush()
            applicant = Applicant(
                name=f"Applicant {rng.randrange(10**6):06d}-{index:03d}", lead_organisation_id=organisation.id
            )
            session.add(applicant)
            session.flush()
            session.add(ApplicantMember(applicant_id=applicant.id, organisation_id=organisation.id))
            overall = round(rng.uniform(5, 99), 3)
            domains = {"plan": round(rng.uniform(0, 100), 2), "people": round(rng.uniform(0, 100), 2)}
            gates = [{"id": "A", "outcome": rng.choice(["pass", "fail"])}, {"id": "B", "outcome": "pass"}]
            row = Submission(
                round_id=round_id,
                applicant_id=applicant.id,
                status=STATUSES[index % 4],
                overall=overall,
                rag=_rag(overall),
                recommendation=rng.choice(RECOMMENDATIONS),
                awaiting_count=rng.randrange(4),
                answered_count=rng.randrange(7),
                required_count=6,
                result_json=json.dumps({"domains": domains, "gates": gates}),
                inputs_hash="made-up",
                scored_at=utcnow(),
            )
            session.add(row)
            session.flush()
            made.append(
                {
                    "id": row.id,
                    "name": applicant.name,
                    "status": row.status,
                    "overall": overall,
                    "rag": row.rag,
                    "recommendation": row.recommendation,
                    "domains": domains,
                    "gates": gates,
                }
            )
        declare_no_conflicts(
            session,
            round_id,
            list(session.scalars(db.select(User.id).where(User.role.in_(("evaluator", "moderator", "panel"))))),
        )
        session.commit()
    return made


def _listed_ids(page: str) -> list[int]:
    table = page[page.index("<tbody>") : page.index("</tbody>")]
    return [int(i) for i in re.findall(r'href="/review/submissions/(\d+)"', table)]


def _stored(data, submission_id):
    with data() as session:
        s = session.get(Submission, submission_id)
        return s.overall, s.scored_at, s.inputs_hash


def test_the_dashboard_filters_sorts_and_pages_on_the_stored_summaries(app, data, make_browser):
    world = build_world(data)
    made = _add_cohort(data, world.round_id, 60)
    with data() as session:
        everyone = [
            {
                "id": s.id,
                "name": s.applicant.name,
                "status": s.status,
                "overall": s.overall,
                "rag": s.rag,
                "recommendation": s.recommendation,
            }
            for s in session.scalars(db.select(Submission).filter_by(round_id=world.round_id))
        ]
    before = _stored(data, made[0]["id"])
    browser = signed_in(make_browser, COMMISSIONERS["evaluator"])
    url = f"/review/rounds/{world.round_id}"

    # Drafts have no outcome yet: they show "Not submitted" and come after every submitted row.
    submitted = [r for r in everyone if r["status"] != "draft"]
    drafts = sorted(r["id"] for r in everyone if r["status"] == "draft")
    by_overall = [r["id"] for r in sorted(submitted, key=lambda r: (-r["overall"], r["id"]))] + drafts
    first = page_text(browser.get(url))
    assert _listed_ids(first) == by_overall[:50]
    assert "62 submissions match; page 1 of 2" in first
    second = page_text(browser.get(f"{url}?page=2"))
    assert _listed_ids(second) == by_overall[50:]
    assert f"{made[0]['overall']:.1f}" in (first + second)

    ascending = page_text(browser.get(f"{url}?sort=overall&order=asc"))
    assert (
        _listed_ids(ascending)
        == ([r["id"] for r in sorted(submitted, key=lambda r: (r["overall"], r["id"]))] + drafts)[:50]
    )
    by_name = page_text(browser.get(f"{url}?sort=applicant"))
    assert _listed_ids(by_name) == [r["id"] for r in sorted(everyone, key=lambda r: (r["name"], r["id"]))][:50]

    wanted = [
        r for r in everyone if r["status"] == "submitted" and r["rag"] == "Green" and r["recommendation"] == "proceed"
    ]
    filtered = page_text(browser.get(f"{url}?status=submitted&rag=Green&recommendation=proceed"))
    assert sorted(_listed_ids(filtered)) == sorted(r["id"] for r in wanted)
    assert f"{len(wanted)} submission" in filtered

    # An unknown filter value is ignored rather than failing the page.
    assert len(_listed_ids(page_text(browser.get(f"{url}?status=lost&rag=Purple&sort=nonsense")))) == 50
    # Gate outcomes come from the stored result, and viewing never rescored anything.
    shown = next(m for m in made if m["id"] in by_overall[:50] and m["status"] != "draft")
    row = re.search(rf'href="/review/submissions/{shown["id"]}".*?</tr>', first, re.S).group(0)
    assert f"A: {shown['gates'][0]['outcome']}" in row and "B: pass" in row
    # A draft's row says it is not submitted, with no score, rating, gates or recommendation.
    draft = next(m for m in made if m["status"] == "draft")
    row = re.search(rf'href="/review/submissions/{draft["id"]}".*?</tr>', first + second, re.S).group(0)
    assert row.count("Not submitted") == 2 and f"{draft['overall']:.1f}" not in row
    assert "gate-" not in row and not any(label in row for label in ("Proceed", "Default to open"))
    # Filtering by recommendation or rating lists submitted assessments only.
    proceeding = page_text(browser.get(f"{url}?recommendation=proceed"))
    assert sorted(_listed_ids(proceeding)) == sorted(r["id"] for r in submitted if r["recommendation"] == "proceed")
    assert _stored(data, made[0]["id"]) == before


def test_the_comparison_shows_each_domain_with_cohort_quartiles_and_a_greyscale_chart(app, data, make_browser):
    world = build_world(data)
    made = _add_cohort(data, world.round_id, 23, seed=11)
    with data() as session:
        alliance = json.loads(session.get(Submission, world.submission_id).result_json)["domains"]
    cohort = [m["domains"] for m in made if m["status"] != "draft"] + [alliance]
    browser = signed_in(make_browser, COMMISSIONERS["panel"])
    response = browser.get(f"/review/rounds/{world.round_id}/compare")
    page = page_text(response)
    assert response.status_code == 200

    table = page[page.index("<h2>Cohort</h2>") : page.index("<h2>Chart</h2>")]
    for domain, title in (("plan", "Plan"), ("people", "People")):
        values = [d[domain] for d in cohort]
        q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
        row = re.search(rf"<th scope=\"row\">{title}</th>(.*?)</tr>", table, re.S).group(1)
        cells = re.findall(r'<td class="num">([^<]*)</td>', row)
        assert cells == [f"{q1:.1f}", f"{median:.1f}", f"{q3:.1f}", str(len(values))], title

    listed = set(int(i) for i in re.findall(r'name="show" value="(\d+)"', page))
    assert listed == {m["id"] for m in made if m["status"] != "draft"} | {world.submission_id}
    assert page.count("<svg") == 1 and "<pattern" in page and 'role="img"' in page
    assert " style=" not in page  # the content security policy forbids inline styles

    chosen = sorted(listed)[:2]
    page = page_text(browser.get(f"/review/rounds/{world.round_id}/compare?show={chosen[0]}&show={chosen[1]}"))
    svg = page[page.index("<svg") : page.index("</svg>")]
    with data() as session:
        names = [session.get(Submission, i).applicant.name for i in chosen]
    assert all(name in svg for name in names)
    assert svg.count('fill="url(#') == 2 * 2 + 2  # two domains per applicant, plus two legend swatches
