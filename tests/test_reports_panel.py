"""The gateway panel report: its sections, its numbers (checked against the engine) and its status."""

from __future__ import annotations

import re
import statistics

from assessor.models import Submission
from assessor.services.answers import evidence_rows
from assessor.services.reporting import panel_report_pdf
from assessor.services.review_status import status as review_status
from assessor.services.scores import score, what_if_inputs
from scoring import RECOMMENDATION_LABELS
from tests.reports_helpers import (
    add_review_records,
    ink_fraction,
    page_with,
    pdf_pages,
    squash,
    submission_named,
)

ALLIANCE = "Northshire Care Alliance"
GP_FEDERATION = "Southvale GP Federation"
SECTIONS = [
    "Executive summary",
    "Gate by gate",
    "Domain profile",
    "What would change the recommendation",
    "Conditions",
    "Appendix: how these numbers were produced",
]


def _criterion_text(criterion) -> tuple[str, str]:
    """Value and threshold as a reader expects them on each rule's own scale."""

    def number(value):
        if criterion.type == "question_min":
            return f"{value:.2f}"
        if criterion.type in ("domain_min", "overall_min"):
            return f"{value:.1f}"
        if criterion.type == "evidence_required":
            return f"{value:.0f} file" + ("" if value == 1 else "s")
        if criterion.type == "member_declarations":
            return f"{value:.0f} clear"
        return f"{value:,.0f}" if value == int(value) else str(value)

    threshold = {"evidence_required": "judged sufficient", "member_declarations": "every member"}.get(
        criterion.type
    ) or number(criterion.threshold)
    return number(criterion.value), threshold


def test_panel_report_shows_every_section_with_the_engines_numbers(demo, data):
    with data() as session:
        submission = submission_named(session, ALLIANCE)
        inputs, result = score(submission)
        stored = [s.result for s in session.query(Submission).filter(Submission.status != "draft")]
        files = [(f.original_name, f.sha256) for rows in evidence_rows(submission).values() for f in rows]
        pdf = panel_report_pdf(submission, None)
        session.commit()
        applicant = submission.applicant
        partners = [org.name for org in applicant.partners]
        lead = applicant.lead_organisation.name
        round_name = submission.round.name

    pages = pdf_pages(pdf)
    text = squash("\n".join(pages))
    cover = squash(pages[0])
    # Every answer is evaluated, but the demo's question to the alliance is still open: not final.
    assert not result.awaiting_evaluation
    for expected in (
        round_name,
        ALLIANCE,
        lead,
        *partners,
        "OFFICIAL-SENSITIVE: COMMERCIAL",
        "Report status Draft — 1 clarification open",
    ):
        assert expected in cover
    assert "FINAL" not in "\n".join(pages)

    # Sections in the order a panel reads them, each domain between the profile and the what-if.
    positions = [page_with(pages, heading) for heading in SECTIONS[:3]]
    joint = [d for d in result.domains if not d.per_member]
    positions += [page_with(pages, f"{d.title}: {d.score:.1f}") for d in joint]
    positions += [page_with(pages, heading) for heading in SECTIONS[3:]]
    assert positions == sorted(positions)

    summary = squash(pages[page_with(pages, "Executive summary")])
    assert f"Recommendation: {RECOMMENDATION_LABELS[result.recommendation]}" in summary
    # A narrow column may break "Amber/Green" after the slash.
    assert f"{result.overall:.1f} / 100" in summary and result.rag in summary.replace("/ ", "/")
    assert f"{int(result.verified_share * 100)}% of the weighted overall score rests on answers" in summary
    passed = sum(g.outcome == "pass" for g in result.gates)
    assert f"{passed} of {len(result.gates)} passed" in summary
    for gate in result.gates:
        assert f"{gate.id} {gate.title}" in text
        for criterion in gate.criteria:
            if not criterion.passed:
                assert criterion.title in summary
    assert "No panel decision has been recorded yet." in summary
    front = squash(" ".join(pages[page_with(pages, "Executive summary") : page_with(pages, "Gate by gate")]))
    assert "Clarifications Open, so the panel waits for the provider's reply until the reply-by date" in front
    assert "When will the modelling and a draft risk-share agreement be ready" in front

    # Each page's running title, marking and page number come last in its text; a criterion's row can
    # run over a page break, so they are left out before reading the rows.
    # A line may also break after a hyphen inside a word ("year-to- year").
    gates = re.sub(
        r"(\w)- (\w)",
        r"\1-\2",
        " ".join(
            re.sub(r"Gateway panel report: .*$", "", squash(page))
            for page in pages[page_with(pages, "Gate by gate") : page_with(pages, "Domain profile")]
        ),
    )
    for gate in result.gates:
        for criterion in gate.criteria:
            value, threshold = _criterion_text(criterion)
            verdict = (
                "Met"
                if criterion.passed
                else "Awaiting evaluation"
                if criterion.status == "awaiting_evaluation"
                else "Not met"
            )
            consequence = "Gate fails" if criterion.on_fail == "fail" else "Condition attached"
            # Cells in reading order; the text extractor may drop the space after a right-aligned cell.
            cells = r"\s*".join(re.escape(cell) for cell in (criterion.id, value, threshold, verdict, consequence))
            assert re.search(cells, gates), criterion.id
            assert squash(criterion.explanation) in gates
            assert squash(criterion.rationale) in gates

    # Domain profile: self-assessed against moderated over the same answers (those with a self-score:
    # written answers are left out of both, never counted as 0), every answer, and the round's median.
    profile = squash(pages[page_with(pages, "Domain profile")])
    for domain in joint:
        compared = [q for q in domain.questions if q.visible and q.weight > 0 and q.self_score is not None]
        weight = sum(q.weight for q in compared)
        own = 100 * sum(q.weight * q.self_score for q in compared) / weight
        moderated = 100 * sum(q.weight * q.score for q in compared) / weight
        median = statistics.median(r["domains"][domain.id] for r in stored)
        row = f"{domain.title} {domain.weight:.2f} {own:.1f} {moderated:.1f} {domain.score:.1f} {median:.1f}"
        assert row in profile
    assert "Self-assessed (answers with a self-score)" in profile and "Moderated (the same answers)" in profile

    # Domain pages: every visible question with its scores and answer; evidence with its digest.
    for domain in joint:
        for qs in domain.questions:
            if qs.visible:
                assert qs.id in text
                assert f"Weight {qs.weight:.1f}" in text
    assert files
    for name, digest in files:
        assert f"{name} sha256 {digest[:12]}" in text

    # What-if names the changes the engine's search picked; conditions list the unmet criteria.
    # The what-if and the conditions can run over onto the next page.
    what_if_page = squash(
        " ".join(pages[page_with(pages, "What would change the recommendation") : page_with(pages, "Decision process")])
    )
    found = what_if_inputs(inputs)
    if found is None:
        assert "No combination of up to 4 improvements" in what_if_page
    else:
        assert f"to {found.target_label}: {len(found.changes)} change" in what_if_page
        for change in found.changes:
            assert change.question_id in what_if_page
    if result.recommendation == "proceed_with_conditions":
        for gate in result.gates:
            for criterion in gate.criteria:
                if not criterion.passed:
                    assert criterion.id in what_if_page

    appendix = squash(pages[page_with(pages, "Appendix: how these numbers were produced")])
    assert inputs.inputs_hash in appendix.replace(" ", "")
    assert inputs.questionnaire.id in appendix and inputs.framework.id in appendix

    # Every page after the cover carries the running title, the marking and "Page x of y".
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        if number > 1:
            assert f"Gateway panel report: {ALLIANCE}" in squash(page)
            assert "OFFICIAL-SENSITIVE: COMMERCIAL" in page


def test_draft_until_moderated_and_review_records_shown(demo, data):
    with data() as session:
        submission = submission_named(session, GP_FEDERATION)
        _, result = score(submission)
        session.commit()
        expected = add_review_records(session, submission)
        status = review_status(submission, score(submission)[1])
        pdf = panel_report_pdf(submission, None)
        session.commit()

    pages = pdf_pages(pdf)
    text = squash("\n".join(pages))
    waiting = len(result.awaiting_evaluation)
    assert waiting > 0
    # Nothing of the federation's self-assessment has been verified either, gate answers included.
    label = status.label
    assert label.startswith(f"Draft — {waiting} answers awaiting evaluation / ") and "not yet verified" in label
    assert f"Report status {label}: the figures and the recommendation can still change" in squash(pages[0])
    # The status heads every page.
    assert all(label in squash(page) for page in pages[1:])
    awaited = " and ".join(status.awaited)
    assert f"This is a draft: {awaited}. Answers awaiting evaluation count as 0 for the gates" in text
    summary_text = squash(pages[page_with(pages, "Executive summary")])
    assert "of the weighted overall score rests on answers evaluators have verified" in summary_text
    assert "Gate answers not verified:" in summary_text
    assert "Awaiting evaluation: counts as 0 until moderated." in text
    # The current (second) version of the decision, with its conditions, owners and due dates.
    summary = squash(" ".join(pages[page_with(pages, "Executive summary") : page_with(pages, "Gate by gate")]))
    not_ranked = summary[summary.index("Awaiting evaluation, so not ranked") :]
    for question_id in result.awaiting_evaluation:
        assert question_id in not_ranked
    assert "Proceed with conditions" in summary and "Version 2" in summary
    assert "Version 1 recorded the wrong outcome." in summary
    conditions = squash(pages[page_with(pages, "Conditions recorded with the panel decision")])
    for text_, owner, due in expected["conditions"]:
        assert text_ in conditions and owner in conditions
        assert f"{due.day} {due:%B %Y}" in conditions
    assert "Superseded condition" not in text

    assert f"{expected['evaluator']}: Poor (1). Losses are modelled but nobody has agreed to carry them." in text
    assert "Asked 1 October 2026: Which partner holds the first loss in year one?" in text
    assert "Reply 3 October 2026: The acute trust holds the first 2% of any overspend." in text


def test_same_inputs_give_the_same_report_and_a_page_with_ink(demo, data, tmp_path):
    with data() as session:
        submission = submission_named(session, ALLIANCE)
        first = panel_report_pdf(submission, None)
        session.commit()
        second = panel_report_pdf(submission, None)
        session.commit()
        inputs_hash = submission.inputs_hash

    def without_timestamps(pdf):
        # Only the generation time may differ between two renders of the same inputs.
        return [re.sub(r"Generated .*UTC", "", squash(page)) for page in pdf_pages(pdf)]

    assert without_timestamps(first) == without_timestamps(second)
    assert inputs_hash in squash(pdf_pages(first)[-1]).replace(" ", "")

    cover_ink = ink_fraction(first, 1, tmp_path)
    profile_page = page_with(pdf_pages(first), "Domain profile") + 1
    # The radar chart is on the profile's page and the bar chart may follow on the next.
    chart_ink = max(ink_fraction(first, page, tmp_path) for page in (profile_page, profile_page + 1))
    assert cover_ink > 0.01
    # The charts' pages are inked (a chart drawn in white or not at all would leave them nearly bare;
    # at this resolution thin chart lines ink less than a page of text, so no page is compared), and
    # the bar chart's axis and values are drawn as text in the PDF.
    assert chart_ink > 0.02
    charts = squash(" ".join(pdf_pages(first)[profile_page - 1 : profile_page + 1]))
    assert "0 25 50 75 100" in charts
