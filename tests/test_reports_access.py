"""Who can download which report, the programme summary and pack, and what a rendering failure looks like."""

from __future__ import annotations

import re
import statistics

from assessor.models import AuditEvent, EvaluatorScore, Round, Submission, User
from assessor.services import decisions, standstill
from scoring import RECOMMENDATION_LABELS
from tests.reports_helpers import pdf_pages, squash, submission_named
from tests.review_helpers import page_text

ALLIANCE = "Northshire Care Alliance"
GP_FEDERATION = "Southvale GP Federation"
RIVERSIDE = "Riverside Integrated Care"
DRAFT = "Eastbrook Community Partnership"


def _ids(data) -> dict[str, int]:
    with data() as session:
        rows = session.query(Submission).all()
        return {s.applicant.name: s.id for s in rows} | {"round": rows[0].round_id}


def _publish(data, submission_id: int) -> None:
    with data() as session:
        submission = session.get_one(Submission, submission_id)
        admin = session.query(User).filter_by(role="round_admin").first()
        decision = decisions.current(submission)
        assert decision is not None and admin is not None
        standstill.publish(submission, decision, admin)
        session.commit()


def test_providers_get_only_their_own_feedback_and_never_a_panel_report(demo, data, make_browser):
    ids = _ids(data)
    with data() as session:
        evaluator = session.query(User).filter_by(role="evaluator").one()
        session.add(
            EvaluatorScore(
                submission_id=ids[RIVERSIDE],
                question_id="strategy.vision",
                evaluator_id=evaluator.id,
                score=0.75,
                rationale="Private evaluator remark for the moderator",
            )
        )
        session.commit()
        commissioner_names = [u.name for u in session.query(User).filter(User.organisation_id.is_(None))]

    southvale = make_browser()
    southvale.login("lead@southvale-gpfed.example")
    for url in (
        f"/review/submissions/{ids[GP_FEDERATION]}/report.pdf",
        f"/review/submissions/{ids[ALLIANCE]}/report.pdf",
        f"/review/rounds/{ids['round']}/programme-summary.pdf",
        f"/review/rounds/{ids['round']}/panel-pack.pdf",
    ):
        assert southvale.get(url).status_code == 403, url
    assert southvale.get(f"/provider/submissions/{ids[ALLIANCE]}/feedback.pdf").status_code == 404
    assert southvale.get(f"/provider/submissions/{ids[RIVERSIDE]}/feedback.pdf").status_code == 404
    # Its own feedback waits for its answers to be evaluated and the panel's decision to be published:
    # the provider is told so on its overview, not shown an error page.
    early = southvale.get(f"/provider/submissions/{ids[GP_FEDERATION]}/feedback.pdf", follow_redirects=True)
    assert early.status_code == 200 and early.mimetype == "text/html"
    with data() as session:
        waiting = session.get_one(Submission, ids[GP_FEDERATION]).awaiting_count
    assert waiting > 1
    assert (
        f"Your feedback report is not available yet: {waiting} answers are still being evaluated; "
        "the panel's decision has not been published."
    ) in page_text(early)

    riverside = make_browser()
    riverside.login("lead@riverside-icp.example")
    # Riverside's decision is recorded but not yet published: the applicant must not learn it early.
    assert riverside.get(f"/provider/submissions/{ids[RIVERSIDE]}/feedback.pdf").status_code == 302
    _publish(data, ids[RIVERSIDE])
    response = riverside.get(f"/provider/submissions/{ids[RIVERSIDE]}/feedback.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    text = squash(" ".join(pdf_pages(response.data)))
    with data() as session:
        stored = session.get(Submission, ids[RIVERSIDE])
        assert f"{stored.overall:.1f} / 100" in text
        assert RECOMMENDATION_LABELS[stored.recommendation] in text
    assert RIVERSIDE in text and "Strengths" in text and "Areas for improvement" in text
    for other in (
        ALLIANCE,
        GP_FEDERATION,
        DRAFT,
        *commissioner_names,
        "Private evaluator remark",
        "median",
        "Evaluators",
    ):
        assert other not in text, other

    # Closing the round issues no feedback of itself: only a published decision does.
    with data() as session:
        session.get(Round, ids["round"]).status = "closed"
        session.commit()
    assert southvale.get(f"/provider/submissions/{ids[GP_FEDERATION]}/feedback.pdf").status_code == 302
    assert southvale.get(f"/provider/submissions/{ids[ALLIANCE]}/feedback.pdf").status_code == 404
    partner = make_browser()
    partner.login("gp@northshire-pcc.example")
    assert partner.get(f"/provider/submissions/{ids[ALLIANCE]}/feedback.pdf").status_code == 302
    with data() as session:
        assert session.query(AuditEvent).filter_by(action="report.feedback_generated").count() == 1


def test_commissioners_download_the_programme_summary_and_the_panel_pack(demo, data, make_browser):
    ids = _ids(data)
    with data() as session:
        submitted = [s for s in session.query(Submission).all() if s.status != "draft"]
        results = {s.applicant.name: (s.overall, s.recommendation) for s in submitted}
    panel = make_browser()
    panel.login("panel@northshire-icb.example")

    response = panel.get(f"/review/rounds/{ids['round']}/programme-summary.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    programme = pdf_pages(response.data)
    text = squash(" ".join(programme))
    for name, (overall, _) in results.items():
        assert name in text and f"{overall:.1f}" in text
    assert f"{DRAFT} " in text and "Not submitted" in text
    assert f"{len(results)} of {len(results) + 1} applicants submitted" in text
    overall_scores = [overall for overall, _ in results.values()]
    stats_row = (
        f"Overall (weighted) {len(results)} {statistics.mean(overall_scores):.1f} "
        f"{statistics.median(overall_scores):.1f} {statistics.stdev(overall_scores):.1f} "
        f"{min(overall_scores):.1f} {max(overall_scores):.1f}"
    )
    assert stats_row in text
    for key, label in RECOMMENDATION_LABELS.items():
        count = sum(r == key for _, r in results.values())
        assert f"{label} {count}" in text

    # A pack holds a panel report for each submitted applicant only; two go back to draft to keep it short.
    with data() as session:
        for name in (ALLIANCE, GP_FEDERATION):
            submission_named(session, name).status = "draft"
        session.commit()
    response = panel.get(f"/review/rounds/{ids['round']}/panel-pack.pdf")
    assert response.status_code == 200
    pack = pdf_pages(response.data)
    cover = squash(pack[0])
    assert "GATEWAY PANEL PACK" in cover
    assert "Programme summary" in cover and f"Panel report: Decided (version 1) {RIVERSIDE}" in cover
    panel_pages = [p for p in pack if f"Gateway panel report: {RIVERSIDE}" in squash(p)]
    assert panel_pages and not any(f"Gateway panel report: {ALLIANCE}" in squash(p) for p in pack)
    # The contents give each part's pages in the pack, and each part keeps its own numbering.
    ranges = [(int(a), int(b)) for a, b in re.findall(r"(\d+) to (\d+)", cover)]
    assert len(ranges) == 2 and ranges[0][0] == 2 and ranges[1][0] == ranges[0][1] + 1
    assert ranges[1][1] == len(pack)
    for first, last in ranges:
        assert f"Page 1 of {last - first + 1}" in pack[first - 1]
    assert "PROGRAMME SUMMARY" in pack[ranges[0][0] - 1]
    with data() as session:
        actions = {e.action for e in session.query(AuditEvent)}
    assert {"report.programme_generated", "report.pack_generated"} <= actions


def test_a_rendering_failure_shows_a_clear_page_and_changes_nothing(demo, data, make_browser, monkeypatch, tmp_path):
    import weasyprint

    def broken_render(self, *args, **kwargs):
        raise MemoryError("simulated exhaustion while laying out pages")

    monkeypatch.setattr(weasyprint.HTML, "render", broken_render)
    ids = _ids(data)
    moderator = make_browser()
    moderator.login("moderator@northshire-icb.example")
    response = moderator.get(f"/review/submissions/{ids[ALLIANCE]}/report.pdf")
    assert response.status_code == 500 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "The report could not be produced" in page and "Nothing has been changed" in page
    assert "simulated exhaustion" not in page
    assert moderator.get(f"/review/submissions/{ids[ALLIANCE]}").status_code == 200

    out = tmp_path / "panel.pdf"
    result = demo.test_cli_runner().invoke(args=["report", "panel", str(ids[ALLIANCE]), "--out", str(out)])
    assert result.exit_code != 0 and "could not be laid out" in result.output and not out.exists()
    with data() as session:
        assert session.query(AuditEvent).filter(AuditEvent.action.like("report.%")).count() == 0


def test_report_commands_write_pdfs_and_name_a_missing_target(demo, data, tmp_path):
    ids = _ids(data)
    runner = demo.test_cli_runner()
    for command, target, expected in (
        ("panel", ids[GP_FEDERATION], GP_FEDERATION),
        ("feedback", ids[ALLIANCE], ALLIANCE),
        ("programme", ids["round"], RIVERSIDE),
    ):
        out = tmp_path / f"{command}.pdf"
        result = runner.invoke(args=["report", command, str(target), "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert expected in squash(" ".join(pdf_pages(out.read_bytes())))
    for command in ("panel", "feedback", "programme", "pack"):
        out = tmp_path / "missing.pdf"
        result = runner.invoke(args=["report", command, "999", "--out", str(out)])
        target = "round" if command in ("programme", "pack") else "submission"
        assert result.exit_code != 0 and f"no {target} 999" in result.output and not out.exists()
