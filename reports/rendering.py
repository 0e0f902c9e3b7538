"""HTML templates to PDF with WeasyPrint, fetching nothing from outside the package."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

TEMPLATE_DIR = Path(__file__).parent / "templates"


class ReportError(RuntimeError):
    """A report could not be rendered; the message is safe to show to the user."""


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=select_autoescape(["html"]))
    env.filters["score"] = lambda v, d=1: "–" if v is None else f"{v:.{d}f}"
    env.filters["answer"] = format_answer
    return env


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


@lru_cache(maxsize=1)
def _font_config():
    from weasyprint.text.fonts import FontConfiguration

    # Building the font configuration is costly; one per process serves every render.
    return FontConfiguration()


def _refuse_fetch(url: str, timeout: int = 10, ssl_context=None):
    # Reports embed everything inline; any fetch means injected markup is trying to reach out.
    raise ValueError(f"report rendering does not fetch external resources ({url[:60]})")


def render_html(template: str, **context) -> str:
    return environment().get_template(template).render(**context)


def html_to_pdf(html: str) -> bytes:
    from weasyprint import CSS, HTML

    try:
        stylesheet = CSS(string=(TEMPLATE_DIR / "print.css").read_text(encoding="utf-8"),
                         font_config=_font_config())
        return HTML(string=html, url_fetcher=_refuse_fetch, base_url=None).write_pdf(
            stylesheets=[stylesheet], font_config=_font_config(), pdf_variant="pdf/ua-1",
        )
    except Exception as exc:  # WeasyPrint raises many types; callers need one they can show
        raise ReportError(f"The report could not be produced: {exc.__class__.__name__}") from exc
