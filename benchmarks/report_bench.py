"""Panel report rendering: end to end (query, score, HTML, PDF) against WeasyPrint alone.

    python -m benchmarks.report_bench            # median of 5 after one warm-up render
    python -m benchmarks.report_bench --runs 9

Builds a throw-away SQLite database with the demo round, adds the review activity a real panel
report carries (two evaluators' scores and rationales on every moderated answer, clarifications, a
recorded decision with conditions), then renders the alliance's panel report (about 20 pages):

* end to end: ``services.reporting.panel_report_pdf`` - database queries, scoring, self-assessed
  scoring, what-if, round medians, HTML and the tagged PDF;
* WeasyPrint alone: the same saved HTML through WeasyPrint with the same stylesheet, fonts and
  PDF/UA option, which is the floor any report pipeline built on WeasyPrint can reach.

Both are timed, interleaved, on the same warm process (fonts, stylesheet and templates loaded once, as in a
long-running server); the first, cold render is printed separately.  Peak Python memory is measured
with tracemalloc on a separate render, so tracing does not slow the timed ones, and the process's
peak resident size is printed from getrusage.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import date, datetime
from pathlib import Path

TARGET_SECONDS = 2.0
TARGET_RATIO = 1.3
APPLICANT = "Northshire Care Alliance"


def _app(directory: Path):
    from flask_migrate import upgrade

    from assessor import create_app

    app = create_app(
        {
            "ENV_NAME": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory / 'bench.sqlite'}",
            "UPLOAD_FOLDER": str(directory / "uploads"),
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    # Alembic configures its own INFO logging; the migration chatter is not part of the figures.
    logging.disable(logging.INFO)
    try:
        with app.app_context():
            upgrade()
    finally:
        logging.disable(logging.NOTSET)
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    if result.exit_code != 0:
        raise SystemExit(f"seeding the demo round failed:\n{result.output}")
    return app


def _add_review_activity(submission) -> None:
    from assessor.extensions import db
    from assessor.models import (
        Clarification,
        DecisionCondition,
        EvaluatorScore,
        ModeratedScore,
        PanelDecision,
        User,
    )

    evaluators = [User.query.filter_by(role="evaluator").one(), User.query.filter_by(role="moderator").one()]
    panel = User.query.filter_by(role="panel").one()
    moderated = ModeratedScore.query.filter_by(submission_id=submission.id).all()
    existing = {
        (row.question_id, row.evaluator_id) for row in EvaluatorScore.query.filter_by(submission_id=submission.id)
    }
    for row in moderated:
        for offset, evaluator in enumerate(evaluators):
            if (row.question_id, evaluator.id) in existing:
                continue
            db.session.add(
                EvaluatorScore(
                    submission_id=submission.id,
                    question_id=row.question_id,
                    evaluator_id=evaluator.id,
                    score=min(1.0, max(0.0, round(row.score * 4) / 4 + (0.25 if offset else 0.0))),
                    rationale=(
                        "The answer names the partners, the population and the money involved, and the "
                        "pilot results are specific; it says less about how the approach would scale "
                        "across all localities and who would lead that work."
                    ),
                )
            )
        db.session.add(
            Clarification(
                submission_id=submission.id,
                question_id=row.question_id,
                question_text="Which partner leads this work, and by when will it be complete?",
                asked_by_id=evaluators[0].id,
                asked_at=datetime(2026, 10, 1, 10, 0),
                reply_text="The lead trust's director of strategy, with a plan agreed by all partner boards by March.",
                replied_by_id=evaluators[0].id,
                replied_at=datetime(2026, 10, 4, 16, 30),
            )
        )
    decision = PanelDecision(
        submission_id=submission.id,
        version=1,
        outcome="proceed_with_conditions",
        recommendation_at_decision=submission.recommendation,
        inputs_hash_at_decision=submission.inputs_hash,
        decided_on=date(2026, 11, 20),
        panel_members="Martin Hughes (chair), Claire Dunn, Ravi Patel",
        recorded_by_id=panel.id,
    )
    db.session.add(decision)
    db.session.flush()
    for text, owner, due in (
        (
            "Sign a risk-share agreement between all four partners",
            "Chief finance officer, lead trust",
            date(2027, 3, 31),
        ),
        ("Model gain and loss sharing for the shadow year", "Alliance finance group", date(2027, 2, 26)),
    ):
        db.session.add(DecisionCondition(decision_id=decision.id, text=text, owner=owner, due_on=due))
    db.session.commit()


def _timed(function) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) for one call."""
    # Collect the previous run's garbage first, so one run's clean-up is not charged to the next.
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    function()
    return time.perf_counter() - wall, time.process_time() - cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed renders of each kind (default 5)")
    args = parser.parse_args(argv)

    from weasyprint import HTML
    from weasyprint import __version__ as weasyprint_version

    from assessor.extensions import db
    from assessor.models import Applicant, Submission
    from assessor.services import reporting
    from reports.panel import render_panel_html
    from reports.rendering import _font_config, _stylesheet, documents_to_pdf, html_to_document

    with tempfile.TemporaryDirectory() as directory:
        app = _app(Path(directory))
        with app.app_context():
            submission = Submission.query.join(Applicant).filter(Applicant.name == APPLICANT).one()
            _add_review_activity(submission)

            def end_to_end() -> bytes:
                pdf = reporting.panel_report_pdf(submission, None)
                db.session.rollback()  # every render sees the same database
                return pdf

            cold_start = time.perf_counter()
            pdf = end_to_end()
            cold = time.perf_counter() - cold_start

            html = render_panel_html(reporting.panel_report(submission))
            db.session.rollback()
            saved = Path(directory) / "panel.html"
            saved.write_text(html, encoding="utf-8")

            def weasyprint_alone() -> bytes:
                document = HTML(string=saved.read_text(encoding="utf-8"), base_url=None).render(
                    stylesheets=[_stylesheet()], font_config=_font_config()
                )
                return document.write_pdf(pdf_variant="pdf/ua-1")

            weasyprint_alone()  # warm-up, as for the end-to-end path
            # Interleaved, so both see the same machine load on a shared, noisy host.
            e2e_runs, alone_runs = [], []
            for _ in range(args.runs):
                e2e_runs.append(_timed(end_to_end))
                alone_runs.append(_timed(weasyprint_alone))

            # Where the end-to-end time goes, one stage at a time.
            stages = {
                "gather (queries, scoring, what-if)": [],
                "HTML (Jinja)": [],
                "layout (WeasyPrint)": [],
                "PDF writing (WeasyPrint)": [],
            }
            for _ in range(args.runs):
                t0 = time.perf_counter()
                report = reporting.panel_report(submission)
                t1 = time.perf_counter()
                page_html = render_panel_html(report)
                t2 = time.perf_counter()
                document = html_to_document(page_html)
                t3 = time.perf_counter()
                documents_to_pdf([document])
                t4 = time.perf_counter()
                db.session.rollback()
                for key, value in zip(stages, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
                    stages[key].append(value)

            tracemalloc.start()
            end_to_end()
            _, peak_python = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            peak_rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            pages = len(document.pages)

    e2e_times, e2e_cpu = [w for w, _ in e2e_runs], [c for _, c in e2e_runs]
    alone_times, alone_cpu = [w for w, _ in alone_runs], [c for _, c in alone_runs]
    e2e, alone = statistics.median(e2e_times), statistics.median(alone_times)
    ratio = e2e / alone
    print(f"Panel report benchmark: {APPLICANT}, {pages} pages, {len(pdf):,} bytes, {len(html):,} characters of HTML")
    print(
        f"Python {platform.python_version()}, WeasyPrint {weasyprint_version}, {platform.machine()}, "
        f"{len(os.sched_getaffinity(0))} CPUs"
    )
    print(f"cold first render (fonts, stylesheet, templates): {cold:.2f} s")
    print(f"end to end, median of {args.runs}:      {e2e:.3f} s  (runs: {', '.join(f'{t:.2f}' for t in e2e_times)})")
    print(
        f"WeasyPrint alone, median of {args.runs}: {alone:.3f} s  (runs: {', '.join(f'{t:.2f}' for t in alone_times)})"
    )
    print(f"ratio end to end / WeasyPrint alone: {ratio:.2f}")
    # CPU time is far less disturbed by other processes on a shared machine than wall time.
    cpu_e2e, cpu_alone = statistics.median(e2e_cpu), statistics.median(alone_cpu)
    print(
        f"CPU time, median: end to end {cpu_e2e:.3f} s, WeasyPrint alone {cpu_alone:.3f} s, "
        f"ratio {cpu_e2e / cpu_alone:.2f}"
    )
    print("stages (median):")
    for key, values in stages.items():
        print(f"  {key:<36} {statistics.median(values):.3f} s")
    print(f"peak Python memory during one render (tracemalloc): {peak_python / 1e6:.1f} MB")
    print(f"peak resident size of this process (getrusage): {peak_rss_kb / 1024:.0f} MB")
    met = e2e < TARGET_SECONDS and ratio <= TARGET_RATIO
    print(f"targets: median < {TARGET_SECONDS:.0f} s and ratio <= {TARGET_RATIO}: {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
