"""Helpers for the report tests: reading PDFs back, rasterising a page, and review records to render."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from datetime import date, datetime

import pytest
from pypdf import PdfReader

from assessor.models import (
    Clarification,
    DecisionCondition,
    EvaluatorScore,
    PanelDecision,
    Submission,
    User,
)


def submission_named(session, name: str) -> Submission:
    return session.scalar(session.query(Submission).join(Submission.applicant).filter_by(name=name).statement)


def pdf_pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def squash(text: str) -> str:
    """Text with every run of whitespace made one space, so line wrapping never decides a test."""
    return " ".join(text.split())


def page_with(pages: list[str], heading: str) -> int:
    """Index of the first page whose text contains ``heading`` (after the cover's contents list)."""
    return next(i for i, text in enumerate(pages) if i > 0 and heading in text)


def pdftoppm_or_skip() -> str:
    path = shutil.which("pdftoppm")
    if path is None:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("pdftoppm (poppler-utils) is required when REQUIRE_BROWSER=1", pytrace=False)
        pytest.skip("pdftoppm not installed (apt-get install poppler-utils); .ci/run installs it")
    return path


def ink_fraction(pdf: bytes, page_number: int, tmp_path) -> float:
    """Share of pixels on one page (1-based) that are clearly not white, rasterised by pdftoppm."""
    from PIL import Image

    source = tmp_path / "report.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [
            pdftoppm_or_skip(),
            "-png",
            "-r",
            "40",
            "-f",
            str(page_number),
            "-l",
            str(page_number),
            "-singlefile",
            str(source),
            str(tmp_path / "page"),
        ],
        check=True,
        timeout=60,
    )
    image = Image.open(tmp_path / "page.png").convert("L")
    histogram = image.histogram()
    return sum(histogram[:200]) / (image.width * image.height)


def add_review_records(session, submission: Submission) -> dict:
    """Evaluator scores, a clarification and two versions of a panel decision with conditions.

    Returns the values a report should show, so tests compare against what was stored.
    """
    evaluator = session.query(User).filter_by(email="evaluator@northshire-icb.example").one()
    panel = session.query(User).filter_by(email="panel@northshire-icb.example").one()
    question = "finance.risk_approach"
    session.add(
        EvaluatorScore(
            submission_id=submission.id,
            question_id=question,
            evaluator_id=evaluator.id,
            score=0.25,
            rationale="Losses are modelled but nobody has agreed to carry them.",
        )
    )
    session.add(
        Clarification(
            submission_id=submission.id,
            question_id=question,
            question_text="Which partner holds the first loss in year one?",
            asked_by_id=evaluator.id,
            asked_at=datetime(2026, 10, 1, 9, 0),
            reply_text="The acute trust holds the first 2% of any overspend.",
            replied_by_id=evaluator.id,
            replied_at=datetime(2026, 10, 3, 14, 0),
        )
    )
    first = PanelDecision(
        submission_id=submission.id,
        version=1,
        outcome="open_procurement",
        recommendation_at_decision=submission.recommendation,
        inputs_hash_at_decision=submission.inputs_hash,
        differs_reason="Recorded against the wrong applicant.",
        decided_on=date(2026, 11, 2),
        panel_members="M Hughes, C Dunn",
        recorded_by_id=panel.id,
    )
    session.add(first)
    session.flush()
    session.add(
        DecisionCondition(
            decision_id=first.id,
            text="Superseded condition that must not appear",
            owner="Nobody",
            due_on=date(2027, 1, 1),
        )
    )
    current = PanelDecision(
        submission_id=submission.id,
        version=2,
        outcome="proceed_with_conditions",
        recommendation_at_decision=submission.recommendation,
        inputs_hash_at_decision=submission.inputs_hash,
        correction_reason="Version 1 recorded the wrong outcome.",
        decided_on=date(2026, 11, 2),
        panel_members="M Hughes, C Dunn, R Patel",
        recorded_by_id=panel.id,
    )
    session.add(current)
    session.flush()
    conditions = [
        (
            "Sign the risk-share agreement between all four partners",
            "Chief finance officer, lead trust",
            date(2027, 3, 31),
        ),
        ("Model gain and loss sharing for the shadow year", "Alliance finance group", date(2027, 2, 26)),
    ]
    for text, owner, due in conditions:
        session.add(DecisionCondition(decision_id=current.id, text=text, owner=owner, due_on=due))
    session.commit()
    return {"evaluator": evaluator.name, "question": question, "conditions": conditions}
