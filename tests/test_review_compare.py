"""The comparison page with more applicants than fit on one page: paging, the name filter, sorting by
any column, a chart choice that follows the commissioner around, and cohort figures that never move."""

from __future__ import annotations

import json
import re
import statistics
from urllib.parse import urlencode

from assessor.models import Applicant, Organisation, Round, Submission
from assessor.services.round_overview import PAGE_SIZE, ComparisonQuery, ComparisonTable
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
        alliance_row = {
            "id": alliance.id,
            "name": alliance.applicant.name,
            "status": alliance.status,
            "plan": scores.get("plan"),
            "people": scores.get("people"),
        }
    return [m for m in made if m["status"] != "draft"] + [alliance_row]


def _by_name(rows: list[dict]) -> list[int]:
    return [r["id"] for r in sorted(rows, key=lambda r: (r["name"].casefold(), r["id"]))]


def _by_score(rows: list[dict], domain: str, descending: bool) -> list[int]:
    scored = [r for r in rows if r[domain] is not None]
    missing = [r for r in rows if r[domain] is None]
    sign = -1 if descending else 1
    return [
        r["id"] for r in sorted(scored, key=lambda r: (sign * r[domain], r["name"].casefold(), r["id"]))
    ] + _by_name(missing)


def _applicant_table(page: str) -> str:
    start = page.index("<h2>Submitted assessments</h2>")
    return page[start : page.index("</table>", start)]


def _listed(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'<th scope="row"><a href="/review/submissions/(\d+)"', _applicant_table(page))]


def _row_cells(page: str, submission_id: int) -> list[str]:
    row = re.search(rf'href="/review/submissions/{submission_id}".*?</tr>', _applicant_table(page), re.S).group(0)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r'<td class="num[^"]*">(.*?)</td>', row, re.S)]


def _ticked(page: str) -> set[int]:
    return {
        int(i)
        for i in re.findall(
            r'<input class="table-checkbox" type="checkbox" id="show-\d+" name="show" '
            r'value="(\d+)" checked>',
            page,
        )
    }


def _charted(page: str) -> str:
    return re.search(r"<p>(Charted: .*?|No applicant is ticked.*?)</p>", page, re.S).group(1)


def _chart(page: str) -> str:
    return page[page.index("<svg") : page.index("</svg>")]


def _cohort_figures(page: str) -> str:
    return page[page.index("<h2>Cohort</h2>") : page.index("<h2>Chart</h2>")]


def _sorted_heading(page: str) -> tuple[str, str]:
    match = re.search(r'<th scope="col"[^>]* aria-sort="(\w+)">\s*<button [^>]*>([^<]+)<', page)
    return match.group(2), match.group(1)


def _carried(page: str) -> list[int]:
    """Chosen applicants the form carries in hidden fields because this page has no box for them."""
    return [int(i) for i in re.findall(r'<input type="hidden" name="show" value="(\d+)">', page)]


def _chosen(page: str) -> set[int]:
    """Everything the form would send as chosen if no box were changed."""
    return _ticked(page) | set(_carried(page))


def _button_name(button: str) -> str:
    """A button's accessible name: its text, visually hidden words included, aria-hidden marks left out."""
    text = re.sub(r'<span [^>]*aria-hidden="true">.*?</span>', "", button, flags=re.S)
    return re.sub(r"<[^>]+>", "", text).strip()


def _buttons(page: str) -> list[str]:
    start = page.index('<form method="get"')
    return [
        _button_name(b)
        for b in re.findall(r"<button [^>]*>.*?</button>", page[start : page.index("</form>", start)], re.S)
    ]


def _send_form(
    browser, page: str, *, tick=(), untick=(), applicant: str | None = None, press: str = "Chart the ticked applicants"
) -> str:
    """Press one of the table form's buttons, found by its accessible name, as a browser would: the
    form's hidden fields, its text box and ticked boxes, and the pressed button's own name and value,
    all in page order.  ``tick`` and ``untick`` change boxes first."""
    start = page.index('<form method="get"')
    form = page[start : page.index("</form>", start)]
    action = re.search(r'<form method="get" action="([^"]+)"', form).group(1)
    fields, pressed = [], []
    for control in re.findall(r"<input [^>]*>|<button [^>]*>.*?</button>", form, re.S):
        attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', control[: control.index(">")]))
        if control.startswith("<button"):
            if _button_name(control) == press:
                pressed.append(control)
                if "name" in attrs:
                    fields.append((attrs["name"], attrs["value"]))
        elif attrs["type"] == "hidden":
            fields.append((attrs["name"], attrs["value"]))
        elif attrs["type"] == "text":
            fields.append((attrs["name"], attrs["value"] if applicant is None else applicant))
        elif attrs["type"] == "checkbox":
            value = int(attrs["value"])
            if value in tick or (" checked" in control and value not in untick):
                fields.append((attrs["name"], attrs["value"]))
    assert len(pressed) == 1, f"{len(pressed)} buttons named {press!r} in the form"
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
    assert "Previous page" not in _buttons(first) and "Page 2" in _buttons(first)
    assert (
        '<span class="pagination-current" aria-current="page"><span class="visually-hidden">Page </span>1</span>'
        in first
    )
    second = _send_form(browser, first, press="Next page")
    assert _listed(second) == by_name[PAGE_SIZE:]
    assert "page 2 of 2." in second and "Next page" not in _buttons(second)
    assert (
        '<span class="pagination-current" aria-current="page"><span class="visually-hidden">Page </span>2</span>'
        in second
    )
    assert _listed(_send_form(browser, second, press="Previous page")) == by_name[:PAGE_SIZE]
    assert _listed(_send_form(browser, second, press="Page 1")) == by_name[:PAGE_SIZE]
    assert _listed(_send_form(browser, first, press="Page 2")) == by_name[PAGE_SIZE:]
    # Nothing on the page reloads the comparison through a plain link, which would drop unsent ticks.
    for page in (first, second):
        assert f'href="{url}' not in page
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
    for junk in ("sort_by=domain:nowhere", "sort_by=²", "sort_by=", "clear=²", "clear=", "sort_by=applicant%00"):
        shown = _get(browser, f"{url}?page=2&{junk}")
        assert _listed(shown) == by_name[PAGE_SIZE:] and _sorted_heading(shown) == ("Applicant", "ascending"), junk
    assert " style=" not in first and "<script>" not in first  # the CSP allows neither


def test_a_long_table_offers_the_first_last_and_nearby_pages():
    def numbers(page: int, pages: int) -> list[int | None]:
        return ComparisonTable(
            query=ComparisonQuery(page=page), rows=[], matches=0, total=0, pages=pages, too_many=False
        ).page_numbers

    assert numbers(1, 1) == [1]
    assert numbers(1, 2) == [1, 2]
    assert numbers(1, 10) == [1, 2, None, 10]
    assert numbers(5, 10) == [1, None, 4, 5, 6, None, 10]
    assert numbers(3, 10) == [1, 2, 3, 4, None, 10]
    assert numbers(10, 10) == [1, None, 9, 10]


def test_the_name_filter_narrows_the_table_and_says_how_many_match(app, data, make_browser):
    world = build_world(data)
    cohort = _cohort(data, world)
    browser = signed_in(make_browser, COMMISSIONERS["panel"])
    url = f"/review/rounds/{world.round_id}/compare"
    first = _get(browser, url)
    assert '<label class="label" for="applicant">Applicant name contains</label>' in first
    assert 'id="applicant" name="applicant" type="text"' in first
    # The Filter button comes first in the form, so Enter in the name box filters.
    assert _buttons(first)[0] == "Filter"

    filtered = _send_form(browser, first, applicant="  NORTH ", press="Filter")
    northern = [r for r in cohort if "north" in r["name"].casefold()]
    assert 0 < len(northern) < PAGE_SIZE
    assert _listed(filtered) == _by_name(northern)
    assert f"{len(northern)} of {len(cohort)} applicants match ‘NORTH’." in filtered
    assert 'name="applicant" type="text" value="NORTH"' in filtered  # the box keeps what was typed
    assert "Next page" not in _buttons(filtered)

    # The filter and a sort combine, and a heading button keeps the filter.
    by_people = _send_form(browser, filtered, press="People")
    assert _listed(by_people) == _by_score(northern, "people", descending=True)
    assert f"{len(northern)} of {len(cohort)} applicants match ‘NORTH’." in by_people

    one = _get(browser, f"{url}?applicant=vere")
    assert _listed(one) == [next(r["id"] for r in cohort if r["name"] == LOWER_CASE_NAME)]
    assert f"1 of {len(cohort)} applicants matches ‘vere’." in one

    none = _get(browser, f"{url}?applicant=Nowhere%20Trust")
    assert _listed(none) == []
    assert f"0 of {len(cohort)} applicants match ‘Nowhere Trust’." in none
    assert "No applicant's name contains ‘Nowhere Trust’." in none
    assert "Clear filter" not in _buttons(first)

    cleared = _send_form(browser, none, press="Clear filter")
    assert _listed(cleared) == _by_name(cohort)[:PAGE_SIZE]
    assert f"{len(cohort)} applicants; page 1 of 2." in cleared
    assert 'name="applicant" type="text" value=""' in cleared


def test_sorting_by_a_domain_puts_missing_scores_last_in_both_directions(app, data, make_browser):
    world = build_world(data)
    cohort = _cohort(data, world)
    assert any(r["people"] is None for r in cohort)
    browser = signed_in(make_browser, COMMISSIONERS["moderator"])
    first = _get(browser, f"/review/rounds/{world.round_id}/compare")
    assert _sorted_heading(first) == ("Applicant", "ascending")

    def whole_listing(page: str) -> list[int]:
        listed = _listed(page)
        while "Next page" in _buttons(page):
            page = _send_form(browser, page, press="Next page")
            listed += _listed(page)
        return listed

    # Choosing a score heading lists the strongest first; choosing it again reverses the order.
    descending = _send_form(browser, first, press="People")
    assert _sorted_heading(descending) == ("People", "descending")
    assert whole_listing(descending) == _by_score(cohort, "people", descending=True)
    ascending = _send_form(browser, descending, press="People")
    assert _sorted_heading(ascending) == ("People", "ascending")
    assert whole_listing(ascending) == _by_score(cohort, "people", descending=False)

    best = max((r for r in cohort if r["people"] is not None), key=lambda r: r["people"])
    assert _row_cells(descending, best["id"])[1] == f"{best['people']:.1f}"
    # The last rows, in either direction, are the applicants without a People score.
    unscored = [r for r in cohort if r["people"] is None]
    for page in (descending, ascending):
        last_page = _send_form(browser, page, press="Next page")
        for row in unscored:
            assert _row_cells(last_page, row["id"])[1].startswith("–")

    # A new sort starts again at page 1, from whichever page it was chosen on.
    by_plan = _send_form(browser, _send_form(browser, first, press="Next page"), press="Plan")
    assert "page 1 of 2." in by_plan
    assert whole_listing(by_plan) == _by_score(cohort, "plan", descending=True)
    back_to_names = _send_form(browser, by_plan, press="Applicant")
    assert _sorted_heading(back_to_names) == ("Applicant", "ascending")
    assert _listed(back_to_names) == _by_name(cohort)[:PAGE_SIZE]


def _opened_comparison(data, make_browser, role: str):
    """A round with a cohort, and a commissioner in ``role`` who has just opened its comparison."""
    world = build_world(data)
    cohort = _cohort(data, world)
    browser = signed_in(make_browser, COMMISSIONERS[role])
    first = _get(browser, f"/review/rounds/{world.round_id}/compare")
    return world, cohort, {r["id"]: r["name"] for r in cohort}, browser, first


def test_ticks_made_before_paging_are_charted_with_ticks_made_after(app, data, make_browser):
    world, cohort, names, browser, first = _opened_comparison(data, make_browser, "evaluator")
    by_name = _by_name(cohort)
    # Nobody has chosen yet: the first three applicants are charted and ticked.
    assert _ticked(first) == set(by_name[:3])

    # Tick one on page 1 and go straight to page 2, without charting first.
    a, b = by_name[10], by_name[PAGE_SIZE + 3]
    second = _send_form(browser, first, tick=(a,), untick=by_name[:3], press="Next page")
    assert "page 2 of 2." in second
    assert _carried(second) == [a]
    # Tick another there and chart: both are charted.
    both = _send_form(browser, second, tick=(b,))
    assert "page 2 of 2." in both
    assert _charted(both) == f"Charted: {names[a]}; {names[b]}."
    assert names[a] in _chart(both) and names[b] in _chart(both)
    assert names[by_name[0]] not in _chart(both)
    # Back on page 1 the first tick is still there; the numbered page button carries ticks the same way.
    back = _send_form(browser, both, press="Page 1")
    assert _ticked(back) == {a} and _carried(back) == [b]
    c = by_name[20]
    again = _send_form(
        browser, _send_form(browser, back, tick=(c,), press="Page 2"), press="Chart the ticked applicants"
    )
    assert _charted(again) == f"Charted: {names[a]}; {names[c]}; {names[b]}."


def test_ticks_made_before_sorting_are_kept_and_unticking_still_removes(app, data, make_browser):
    world, cohort, names, browser, first = _opened_comparison(data, make_browser, "panel")
    by_name = _by_name(cohort)
    by_plan = _by_score(cohort, "plan", descending=True)

    # The weakest Plan score by name order on page 1: off the first page once sorted strongest first.
    a = next(i for i in reversed(by_plan) if i in by_name[:PAGE_SIZE])
    sorted_page = _send_form(browser, first, tick=(a,), untick=by_name[:3], press="Plan")
    assert _sorted_heading(sorted_page) == ("Plan", "descending")
    assert a not in _listed(sorted_page) and _carried(sorted_page) == [a]
    b = by_plan[0]
    both = _send_form(browser, sorted_page, tick=(b,))
    assert _charted(both) == "Charted: " + "; ".join(names[i] for i in sorted({a, b}, key=by_name.index)) + "."
    # Reversing the sort keeps both; a tick made just before it is kept too.
    c = by_plan[1]
    reversed_page = _send_form(browser, both, tick=(c,), press="Plan")
    assert _sorted_heading(reversed_page) == ("Plan", "ascending")
    assert _chosen(reversed_page) == {a, b, c}
    assert _charted(reversed_page) == (
        "Charted: " + "; ".join(names[i] for i in sorted({a, b, c}, key=by_name.index)) + "."
    )

    # Unticking a box and then sorting or paging takes that applicant off the chart.  Among all the
    # applicants, at most those not on page 1 by name can have a weaker Plan score than a.
    assert a in _listed(reversed_page)
    fewer = _send_form(browser, reversed_page, untick=(a,), press="Applicant")
    assert _chosen(fewer) == {b, c}
    assert names[a] not in _chart(fewer)
    strongest_first = _send_form(browser, fewer, press="Plan")
    assert _listed(strongest_first)[:2] == [b, c]
    paged = _send_form(browser, strongest_first, untick=(b,), press="Next page")
    assert _chosen(paged) == {c}
    assert names[b] not in _chart(paged) and _charted(paged) == f"Charted: {names[c]}."


def test_a_chart_choice_follows_the_commissioner_across_pages_and_can_be_undone(app, data, make_browser):
    world, cohort, names, browser, first = _opened_comparison(data, make_browser, "evaluator")
    by_name = _by_name(cohort)

    a, b = by_name[10], by_name[20]
    chosen = _send_form(browser, first, tick=(a, b), untick=by_name[:3])
    assert _ticked(chosen) == {a, b}
    assert _charted(chosen) == f"Charted: {names[a]}; {names[b]}."

    # On page 2 neither has a box, yet both stay charted; ticking one there adds it.
    second = _send_form(browser, chosen, press="Next page")
    assert names[a] in _chart(second) and names[b] in _chart(second)
    assert _charted(second) == f"Charted: {names[a]}; {names[b]}."
    c = by_name[PAGE_SIZE + 3]
    more = _send_form(browser, second, tick=(c,))
    assert "page 2 of 2." in more
    assert _charted(more) == f"Charted: {names[a]}; {names[b]}; {names[c]}."
    # ... and filtering, sorting or clearing the filter keeps all three, and a tick made on the way.
    filtered = _send_form(browser, more, applicant="Riverside", press="Filter")
    assert _charted(filtered) == f"Charted: {names[a]}; {names[b]}; {names[c]}."
    resorted = _send_form(browser, filtered, press="Plan")
    assert _charted(resorted) == f"Charted: {names[a]}; {names[b]}; {names[c]}."
    d = next(i for i in _listed(resorted) if i not in (a, b, c))
    cleared = _send_form(browser, resorted, tick=(d,), press="Clear filter")
    assert _chosen(cleared) == {a, b, c, d}
    assert names[d] in _chart(cleared)
    cleared = _send_form(browser, cleared, untick=(d,), press="Applicant")  # back to name order, d unticked
    assert _chosen(cleared) == {a, b, c} and _sorted_heading(cleared) == ("Applicant", "ascending")

    # Back on page 1 the boxes are still ticked; unticking one removes it everywhere.
    back = _send_form(browser, more, press="Previous page")
    assert _ticked(back) == {a, b}
    fewer = _send_form(browser, back, untick=(a,))
    assert _ticked(fewer) == {b}
    assert names[a] not in _chart(fewer)
    assert _charted(fewer) == f"Charted: {names[b]}; {names[c]}."
    assert _charted(_send_form(browser, fewer, press="Next page")) == f"Charted: {names[b]}; {names[c]}."

    # Unticking everything leaves an empty chart rather than bringing back the first three.
    only_c = _send_form(browser, fewer, untick=(b,))
    assert _charted(only_c) == f"Charted: {names[c]}."
    emptied = _send_form(browser, _send_form(browser, only_c, press="Next page"), untick=(c,))
    assert _ticked(emptied) == set()
    assert _charted(emptied).startswith("No applicant is ticked")
    page_one = _send_form(browser, emptied, press="Previous page")
    assert _ticked(page_one) == set() and _charted(page_one).startswith("No applicant is ticked")

    # One tick too many: the chart keeps the ones chosen first and says so.
    too_many = _send_form(browser, page_one, tick=by_name[: MAX_COMPARISON_SERIES + 1])
    assert f"The chart can show {MAX_COMPARISON_SERIES} applicants at a time" in too_many
    assert _ticked(too_many) == set(by_name[:MAX_COMPARISON_SERIES])


def test_unknown_ids_and_another_rounds_applicants_are_never_charted_or_carried(app, data, make_browser):
    world = build_world(data)
    cohort = _cohort(data, world)
    names = {r["id"]: r["name"] for r in cohort}
    with data() as session:  # a second round, on the same definitions, with one submitted applicant
        this_round = session.get(Round, world.round_id)
        other_round = Round(
            name="Another round",
            description="",
            questionnaire_id=this_round.questionnaire_id,
            framework_id=this_round.framework_id,
            status="open",
        )
        organisation = Organisation(name="Elsewhere Health lead", kind="gp_federation")
        session.add_all([other_round, organisation])
        session.flush()
        applicant = Applicant(name="Elsewhere Health Partnership", lead_organisation_id=organisation.id)
        session.add(applicant)
        session.flush()
        foreign = Submission(
            round_id=other_round.id,
            applicant_id=applicant.id,
            status="submitted",
            overall=50.0,
            required_count=6,
            result_json=json.dumps({"domains": {"plan": 90.0, "people": 90.0}, "gates": []}),
        )
        session.add(foreign)
        session.commit()
        foreign_id = foreign.id
    browser = signed_in(make_browser, COMMISSIONERS["evaluator"])
    url = f"/review/rounds/{world.round_id}/compare"
    a = _by_name(cohort)[PAGE_SIZE + 1]

    junk = [foreign_id, world.draft_id, 99999999, "²", "-1", a]
    page = _get(browser, f"{url}?picked=1&" + urlencode([("show", v) for v in junk]))
    assert _charted(page) == f"Charted: {names[a]}."
    assert _carried(page) == [a]
    assert "Elsewhere Health Partnership" not in page and "Inland Community Care" not in page
    # Sending the form on keeps only the real choice.
    onward = _send_form(browser, page, press="Next page")
    assert _chosen(onward) == {a}
    assert "Elsewhere Health Partnership" not in onward
    # Sort and clear-filter values from another round's questionnaire or made up are ignored.
    for extra in ("sort_by=domain:elsewhere", "clear=everything", f"sort_by={'9' * 5000}", "page=²&sort_by=²"):
        shown = _get(browser, f"{url}?picked=1&show={foreign_id}&show={a}&{extra}")
        assert _charted(shown) == f"Charted: {names[a]}.", extra


def test_the_cohort_figures_and_chart_cover_everyone_whatever_the_table_shows(app, data, make_browser):
    world = build_world(data)
    cohort = _cohort(data, world)
    browser = signed_in(make_browser, COMMISSIONERS["round_admin"])
    url = f"/review/rounds/{world.round_id}/compare"
    chosen = _by_name(cohort)[60:62]  # both on page 2
    show = "&".join(f"show={i}" for i in chosen)
    base = _get(browser, f"{url}?picked=1&{show}")
    assert (
        f"These quartiles, and the grey band in the chart, always cover all {len(cohort)} submitted assessments"
    ) in base

    figures = _cohort_figures(base)
    for domain, title in (("plan", "Plan"), ("people", "People")):
        values = [r[domain] for r in cohort if r[domain] is not None]
        q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
        row = re.search(rf'<th scope="row">{title}</th>(.*?)</tr>', figures, re.S).group(1)
        assert re.findall(r'<td class="num">([^<]*)</td>', row) == [
            f"{q1:.1f}",
            f"{median:.1f}",
            f"{q3:.1f}",
            str(len(values)),
        ], title

    for variant in (
        "applicant=Westmoor",
        "applicant=nothing-matches",
        "page=2",
        "sort=domain:people&order=asc",
        "applicant=south&sort=domain:plan&order=desc&page=2",
    ):
        page = _get(browser, f"{url}?picked=1&{show}&{variant}")
        assert _cohort_figures(page) == figures, variant
        assert _chart(page) == _chart(base), variant
