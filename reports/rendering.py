"""HTML templates to PDF with WeasyPrint, fetching nothing from outside the package."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from questionnaires import SUFFICIENCY_LABELS
from scoring.rules import sufficiency_of
from scoring.states import GateOutcome, Recommendation

from .content import ReviewState

if TYPE_CHECKING:
    from weasyprint import Document

TEMPLATE_DIR = Path(__file__).parent / "templates"


class ReportError(RuntimeError):
    """A report could not be rendered; the message is safe to show to the user."""


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["score"] = format_score
    env.filters["answer"] = format_answer
    env.filters["judgement"] = format_judgement
    env.filters["criterion_value"] = format_criterion_value
    env.filters["day"] = format_day
    env.filters["moment"] = format_moment
    env.filters["stamp"] = format_stamp
    # The named states, so report templates need no bare "proceed", "pass" or "draft".
    env.globals.update(GateOutcome=GateOutcome, Recommendation=Recommendation, ReviewState=ReviewState)
    return env


def format_score(value, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def format_judgement(score) -> str:
    """A consensus score of an evidence question as the judgement it stands for."""
    if score is None:
        return "not yet judged"
    return SUFFICIENCY_LABELS[sufficiency_of(float(score))].lower()


def format_answer(value, question) -> str:
    """An answer as a reader would say it: level descriptors and option labels, not codes."""
    if value is None:
        return "Not answered"
    if question.type == "scale":
        levels = question.levels or []
        return f"Level {value + 1} of {len(levels)}: {levels[value]}" if 0 <= value < len(levels) else str(value)
    if question.type == "yesno":
        return "Yes" if value else "No"
    if question.type in ("choice", "multichoice"):
        values = value if isinstance(value, list) else [value]
        labels = [(question.option(v).label if question.option(v) else str(v)) for v in values]
        return "; ".join(labels)
    if question.type == "number":
        text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"
        return f"{text} {question.unit}" if question.unit else text
    return str(value)


def format_criterion_value(value: float | None, criterion_type: str) -> str:
    """A criterion's value or threshold on the scale its rule uses.

    Question scores are 0 to 1 (two decimals), domain and overall scores 0 to 100 (one decimal),
    number thresholds are the raw answer, evidence counts are files and declarations count the
    member organisations whose declarations are clear.
    """
    if value is None:
        return "–"
    if criterion_type == "question_min":
        return f"{value:.2f}"
    if criterion_type in ("domain_min", "overall_min"):
        return f"{value:.1f}"
    if criterion_type == "evidence_required":
        return f"{value:.0f} file" + ("" if value == 1 else "s")
    if criterion_type == "member_declarations":
        return f"{value:.0f} clear"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4f}".rstrip("0")


def format_day(value: date | datetime | None) -> str:
    return value.strftime("%d %B %Y").lstrip("0") if value else "–"


def format_moment(value: datetime | None) -> str:
    return value.strftime("%d %B %Y %H:%M UTC").lstrip("0") if value else "–"


def format_stamp(value: datetime | None) -> str:
    """A compact date and time for table cells."""
    return value.strftime("%d %b %Y %H:%M").lstrip("0") if value else "–"


@lru_cache(maxsize=1)
def _font_config():
    from weasyprint.text.fonts import FontConfiguration

    # Building the font configuration is costly; one per process serves every render.
    return FontConfiguration()


@lru_cache(maxsize=1)
def _stylesheet():
    from weasyprint import CSS

    # Parsed once: the same print stylesheet serves every report.
    return CSS(
        string=(TEMPLATE_DIR / "print.css").read_text(encoding="utf-8"),
        font_config=_font_config(),
        url_fetcher=_refusing_fetcher(),
    )


@lru_cache(maxsize=1)
def _refusing_fetcher():
    from weasyprint.urls import URLFetcher

    class RefusingFetcher(URLFetcher):
        # Reports embed everything inline (charts are inline SVG); any fetch means markup is trying
        # to read a local file or reach the network, which a report must never do.
        def fetch(self, url, headers=None):
            raise ValueError(f"report rendering does not fetch resources ({url[:60]})")

    return RefusingFetcher(allowed_protocols=())


def render_html(template: str, **context) -> str:
    return environment().get_template(template).render(**context)


def html_to_document(html: str) -> Document:
    """Lay out ``html`` into pages; several documents can be joined into one PDF."""
    from weasyprint import HTML

    try:
        return HTML(string=html, url_fetcher=_refusing_fetcher(), base_url=None).render(
            stylesheets=[_stylesheet()],
            font_config=_font_config(),
        )
    except Exception as exc:  # WeasyPrint raises many types; callers need one they can show
        raise ReportError(f"The report could not be laid out ({exc.__class__.__name__}).") from exc


def documents_to_pdf(documents: list[Document]) -> bytes:
    """One tagged PDF (PDF/UA-1) from the pages of every document, in order."""
    if not documents:
        raise ReportError("There is nothing to put in this report.")
    try:
        combined = (
            documents[0]
            if len(documents) == 1
            else documents[0].copy([page for document in documents for page in document.pages])
        )
        return combined.write_pdf(pdf_variant="pdf/ua-1")
    except Exception as exc:
        raise ReportError(f"The PDF could not be written ({exc.__class__.__name__}).") from exc


def html_to_pdf(html: str) -> bytes:
    return documents_to_pdf([html_to_document(html)])
