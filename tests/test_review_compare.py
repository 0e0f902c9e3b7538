"""The comparison page with more applicants than fit on one page: paging, the name filter, sorting by
any column, a chart choice that follows the commissioner around, and cohort figures that never move."""
from __future__ import annotations

import json
import re
import statistics
from urllib.parse import urlencode

from assessor.models import Submission
from assessor.services.cohort import PAGE_SIZE
from reports.charts import MAX_COMPARISON_SERIES
from tests.review_helpers import (
    COMMISSIONERS,
    LOWER_CASE_NAME,
    add_scored_applicants,
    build_world,
    page_text,
    signed_in,
)

SUBMITTED = 70


def _cohort(data, world) -> list[dict]:
    """Every submitted assessment the page should list: the made-up ones and the world's alliance."""
    made = add_scored_applicants(data, world.round_id, SUBMITTED)
    with data() as session:
        alliance = session.get(Submission, world.submission_id)
        scores = json.loads(alliance.result_json)["domains"]
        alliance_row = {"id": alliance.id, "name": alliance.applicant.name, "status": alliance.status,
                        "plan": scores.get("plan"), "people": scores.get("people")}
    return [m for m in made if m["status"] != "draft"] + [alliance_row]


def _by_name(rows: list[dict]) -> list[int]:
    return [r["id"] for r in sorted(rows, key=lambda r: (r["name"].casefold(), r["id"]))]


def _by_score(rows: list[dict], domain: str, descending: bool) -> list[int]:
    scored = [r for r in rows if r[domain] is not None]
    missing = [r for r in rows if r[domain] is None]
    sign = -1 if descending else 1
    return ([r["id"] for r in sorted(scored, key=lambda r: (sign * r[domain], r["name"].casefold(), r["id"]))]
            + _by_name(missing))


def _applicant_table(page: str) -> str:
    start = page.index("<h2>Submitted assessments</h2>")
    return page[start:page.index("</table>", start)]


def _listed(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'<th scope="row"><a href="/review/submissions/(\d+)"', _applicant_table(page))]


def _row_cells(page: str, submission_id: int) -> list[str]:
    row = re.search(rf'href="/review/submissions/{submission_id}".*?</tr>', _applicant_table(page), re.S).group(0)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r'<td class="num[^"]*">(.*?)</td>', row, re.S)]


def _ticked(page: str) -> set[int]:
    return {int(i) for i in re.findall(r'<input class="table-checkbox" type="checkbox" id="show-\d+" name="show" '
                                       r'value="(\d+)" checked>', page)}


def _charted(page: str) -> str:
    return re.search(r"<p>(Charted: .*?|No applicant is ticked.*?)</p>", page, re.S).group(1)


def _chart(page: str) -> str:
    return page[page.index("<svg"):page.index("</svg>")]


def _cohort_figures(page: str) -> str:
    return page[page.index("<h2>Cohort</h2>"):page.index("<h2>Chart</h2>")]


def _link(page: str, text: str) -> str:
    return re.search(rf'<a (?:rel="\w+" )?href="([^"]+)">{re.escape(text)}', page).group(1)


def _heading_link(page: str, title: str) -> str:
    return re.search(rf'<th scope="col"[^>]*>\s*<a href="([^"]+)">{re.escape(title)}[<]', page).group(1)


def _sorted_heading(page: str) -> tuple[str, str]:
    match = re.search(r'<th scope="col"[^>]* aria-sort="(\w+)">\s*<a href="[^"]+">([^<]+)<', page)
    return match.group(2), match.group(1)


def _send_form(browser, page: str, *, tick=(), untick=(), applicant: str | None = None, button: str = "chart"):
    """Send the page's table form as a browser would: its hidden fields and ticked boxes, in page order."""
    start = page.index('<form method="get"')
    form = page[start:page.index("</form>", start)]
    action = re.search(r'<form method="get" action="([^"]+)"', form).group(1)
    fields = []
    for tag in re.findall(r"<input [^>]*>", form):
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', tag))
        if attrs["type"] == "hidden":
            fields.append((attrs["name"], attrs["value"]))
        elif attrs["type"] == "text":
            fields.append((attrs["name"], attrs["value"] if applicant is None else applicant))
        elif attrs["type"] == "checkbox":
            value = int(attrs["value"])
            if value in tick or (" checked" in tag and value not in untick):
                fields.append((attrs["name"], attrs["value"]))
    if button == "chart":
        fields.extend(re.findall(r'<button type="submit" class="button" name="(\w+)" value="(\d+)">'
                                 r"Chart the ticked applicants", form))
    response = browser.get(f"{action}?{urlencode(fields)}")
    assert response.status_code == 200
    return page_text(response)


def _get(browser, url: str) -> str:
    response = browser.get(url)
    assert response.status_code == 200, url
    return page_text(response)


def test_the_comparison_pages_its_applicants_and_any_page_number_shows_a_page(app, data, make_browser):
    world = build_world(data)
    cohort = _cohort(data, world)
    assert len(cohort) > PAGE_SIZE
    browser = signed_in(make_browser, COMMISSIONERS["evaluator"])
    url = f"/review/rounds/{world.round_id}/compare"
    by_name = _by_name(cohort)

    first = _get(browser, url)
    assert _listed(first) == by_name[:PAGE_SIZE]
    assert f"{len(cohort)} applicants; page 1 of 2." in first
    assert "Previous page" not in first
    second = _get(browser, _link(first, "Next page"))
    assert _listed(second) == by_name[PAGE_SIZE:]
    assert "page 2 of 2." in second and "Next page" not in second
    assert _listed(_get(browser, _link(second, "Previous page"))) == by_name[:PAGE_SIZE]
    # Drafts are nowhere, and names sort as read: "de Vere" among the Ds, not after every capital.
    everyone = _listed(first) + _listed(second)
    assert sorted(everyone) == sorted(r["id"] for r in cohort)
    names = [next(r["name"] for r in cohort if r["id"] == i) for i in everyone]
    assert names.index(LOWER_CASE_NAME) < names.index("Eastway Care Partnership 02")

    # A page past the end shows the last page; anything that is not a page number shows the first.
    last = _get(browser, f"{url}?page=999")
    assert _listed(last) == by_name[PAGE_SIZE:] and "page 2 of 2." in last
    for junk in ("abc", "0", "-3", "1.5", "", "²", "9" * 5000):
        shown = _get(browser, f"{url}?page={junk}")
        assert _listed(shown) == by_name[:PAGE_SIZE] and "page 1 of 2." in shown, junk
    # Stale or hand-edited sorting and chart values fall back to the defaults too.
    odd = _get(browser, f"{url}?sort=domain:nowhere&order=sideways&show=abc&show=²&show=99999999&show=" + "9" * 5000)
    assert _listed(odd) == by_name[:PAGE_SIZE]
    assert " style=" not in first and "<script>" not in first  # the CSP allows neither


def test_the_name_filter_narrows_the_table_and_says_how_many_match(app, data, make_browser):
    world = build_world(data)
    cohort = _cohort(data, world)
    browser = signed_in(make_browser, COMMISSIONERS["panel"])
    url = f"/review/rounds/{world.round_id}/compare"
    first = _get(browser, url)
    assert '<label class="label" for="applicant">Applicant name contains</label>' in first
    assert 'id="applicant" name="applicant" type="text"' in first

    filtered = _send_form(browser, first, applicant="  NORTH ", button="filter")
    northern = [r for r in cohort if "north" in r["name"].casefold()]
    assert 0 < len(northern) < PAGE_SIZE
    assert _listed(filtered) == _by_name(northern)
    assert f"{len(northern)} of {len(cohort)} applicants match ‘NORTH’." in filtered
    assert 'name="applicant" type="text" value="NORTH"' in filtered  # the box keeps what was typed
    assert "Next page" not in filtered

    # The filter and a sort combine, and a heading link keeps the filter.
    by_people = _get(browser, _heading_link(filtered, "People"))
    assert _listed(by_people) == _by_score(northern, "people", descending=True)
    assert f"{len(northern)} of {len(cohort)} applicants match ‘NORTH’." in by_people

    one = _get(browser, f"{url}?applicant=vere")
    assert _listed(one) == [next(r["id"] for r in cohort if r["name"] == LOWER_CASE_NAME)]
    assert f"1 of {len(cohort)} applicants matches ‘vere’." in one

    none = _get(browser, f"{url}?applicant=Nowhere%20Trust")
    assert _listed(none) == []
    assert f"0 of {len(cohort)} applicants match ‘Nowhere Trust’." in none
    assert "No applicant's name contains ‘Nowhere Trust’." in none

    cleared = _get(browser, _link(none, "Clear filter"))
    assert _listed(cleared) == _by_name(cohort)[:PAGE_SIZE]
    assert f"{len(cohort)} applicants; page 1 of 2." in cleared


def test_sorting_by_a_domain_puts_missing_scores_last_in_both_directions(app, data, make_browser):
    world = build_world(data)
    cohort = _cohort(data, world)
    assert any(r["people"] is None for r in cohort)
    browser = signed_in(make_browser, COMMISSIONERS["moderator"])
    first = _get(browser, f"/review/rounds/{world.round_id}/compare")
    assert _sorted_heading(first) == ("Applicant", "ascending")

    def whole_listing(page: str) -> list[int]:
        listed = _listed(page)
        while "Next page" in page:
            page = _get(browser, _link(page, "Next page"))
            listed += _listed(page)
        return listed

    # Choosing a score heading lists the strongest first; choosing it again reverses the order.
    descending = _get(browser, _heading_link(first, "People"))
    assert _sorted_heading(descending) == ("People", "descending")
    assert whole_listing(descending) == _by_score(cohort, "people", descending=True)
    ascending = _get(browser, _heading_link(descending, "People"))
    assert _sorted_heading(ascending) == ("People", "ascending")
    assert whole_listing(ascending) == _by_score(cohort, "people", descending=False)

    best = max((r for r in cohort if r["people"] is not None), key=lambda r: r["people"])
    assert _row_cells(descending, best["id"])[1] == f"{best['people']:.1f}"
    # The last rows, in either direction, are the applicants without a People score.
    unscored = [r for r in cohort if r["people"] is None]
    for page in (descending, ascending):
        last_page = _get(browser, _link(page, "Next page"))
        for row in unscored:
            assert _row_cells(last_page, row["id"])[1].startswith("–")

    by_plan = _get(browser, _heading_link(first, "Plan"))
    assert whole_listing(by_plan) == _by_score(cohort, "plan", descending=True)
    back_to_names = _get(browser, _heading_link(by_plan, "Applicant"))
    assert _sorted_heading(back_to_names) == ("Applicant", "ascending")
    assert _listed(back_to_names) == _by_name(cohort)[:PAGE_SIZE]


def test_a_chart_choice_follows_the_commissioner_across_pages_and_can_be_undone(app, data, make_browser):
    world = build_world(data)
    cohort = _cohort(data, world)
    names = {r["id"]: r["name"] for r in cohort}
    browser = signed_in(make_browser, COMMISSIONERS["evaluator"])
    first = _get(browser, f"/review/rounds/{world.round_id}/compare")
    by_name = _by_name(cohort)
    # Nobody has chosen yet: the first three applicants are charted and ticked.
    assert _ticked(first) == set(by_name[:3])

    a, b = by_name[10], by_name[20]
    chosen = _send_form(browser, first, tick=(a, b), untick=by_name[:3])
    assert _ticked(chosen) == {a, b}
    assert _charted(chosen) == f"Charted: {names[a]}; {names[b]}."

    # On page 2 neither has a box, yet both stay charted; ticking one there adds it.
    second = _get(browser, _link(chosen, "Next page"))
    assert names[a] in _chart(second) and names[b] in _chart(second)
    assert _charted(second) == f"Charted: {names[a]}; {names[b]}."
    c = by_name[PAGE_SIZE + 3]
    more = _send_form(browser, second, tick=(c,))
    assert "page 2 of 2." in more
    assert _charted(more) == f"Charted: {names[a]}; {names[b]}; {names[c]}."
    # ... and filtering or sorting keeps all three.
    filtered = _send_form(browser, more, applicant="Riverside", button="filter")
    assert _charted(filtered) == f"Charted: {names[a]}; {names[b]}; {names[c]}."
    resorted = _get(browser, _heading_link(filtered, "Plan"))
    assert _charted(resorted) == f"Charted: {names[a]}; {names[b]}; {names[c]}."

    # Back on page 1 the boxes are still ticked; unticking one removes it everywhere.
    back = _get(browser, _link(more, "Previous page"))
    assert _ticked(back) == {a, b}
    fewer = _send_form(browser, back, untick=(a,))
    assert _ticked(fewer) == {b}
    assert names[a] not in _chart(fewer)
    assert _charted(fewer) == f"Charted: {names[b]}; {names[c]}."
    assert _charted(_get(browser, _link(fewer, "Next page"))) == f"Charted: {names[b]}; {names[c]}."

    # Unticking everything leaves an empty chart rather than bringing back the first three.
    only_c = _send_form(browser, fewer, untick=(b,))
    assert _charted(only_c) == f"Charted: {names[c]}."
    emptied = _send_form(browser, _get(browser, _link(only_c, "Next page")), untick=(c,))
    assert _ticked(emptied) == set()
    assert _charted(emptied).startswith("No applicant is ticked")
    page_one = _get(browser, _link(emptied, "Previous page"))
    assert _ticked(page_one) == set() and _charted(page_one).startswith("No applicant is ticked")

    # One tick too many: the chart keeps the ones chosen first and says so.
    too_many = _send_form(browser, page_one, tick=by_name[:MAX_COMPARISON_SERIES + 1])
    assert f"The chart can show {MAX_COMPARISON_SERIES} applicants at a time" in too_many
    assert _ticked(too_many) == set(by_name[:MAX_COMPARISON_SERIES])


def test_the_cohort_figures_and_chart_cover_everyone_whatever_the_table_shows(app, data, make_browser):
    world = build_world(data)
    cohort = _cohort(data, world)
    browser = signed_in(make_browser, COMMISSIONERS["round_admin"])
    url = f"/review/rounds/{world.round_id}/compare"
    chosen = _by_name(cohort)[60:62]  # both on page 2
    show = "&".join(f"show={i}" for i in chosen)
    base = _get(browser, f"{url}?picked=1&{show}")
    assert (f"These quartiles, and the grey band in the chart, always cover all {len(cohort)} submitted "
            "assessments") in base

    figures = _cohort_figures(base)
    for domain, title in (("plan", "Plan"), ("people", "People")):
        values = [r[domain] for r in cohort if r[domain] is not None]
        q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
        row = re.search(rf'<th scope="row">{title}</th>(.*?)</tr>', figures, re.S).group(1)
        assert re.findall(r'<td class="num">([^<]*)</td>', row) == [
            f"{q1:.1f}", f"{median:.1f}", f"{q3:.1f}", str(len(values))], title

    for variant in ("applicant=Westmoor", "applicant=nothing-matches", "page=2", "sort=domain:people&order=asc",
                    "applicant=south&sort=domain:plan&order=desc&page=2"):
        page = _get(browser, f"{url}?picked=1&{show}&{variant}")
        assert _cohort_figures(page) == figures, variant
        assert _chart(page) == _chart(base), variant
