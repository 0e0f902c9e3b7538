"""A round's panel pack: a cover with contents, the programme summary, then every panel report.

Each part is laid out on its own, so its page numbers and running headers stay its own; the pages
are then joined into one PDF and the contents give each part's first page in the pack.
"""

from __future__ import annotations

from .content import CONFIDENTIAL_MARKING
from .panel import PanelReport, panel_document
from .programme import ProgrammeReport, programme_document
from .rendering import documents_to_pdf, html_to_document, render_html


def render_pack_pdf(programme: ProgrammeReport, panels: list[PanelReport]) -> bytes:
    parts = [("Programme summary", programme.round_name, programme_document(programme))]
    for report in panels:
        parts.append((f"Panel report: {report.status.label}", report.applicant.name, panel_document(report)))
    cover_pages = 1
    while True:
        contents, next_page = [], cover_pages + 1
        for label, title, document in parts:
            contents.append((label, title, next_page, len(document.pages)))
            next_page += len(document.pages)
        cover = html_to_document(
            render_html(
                "pack_cover.html",
                programme=programme,
                contents=contents,
                marking=CONFIDENTIAL_MARKING,
                total_pages=next_page - 1,
            )
        )
        # A long contents list can push the cover onto a second page, moving every part along.
        if len(cover.pages) == cover_pages:
            break
        cover_pages = len(cover.pages)
    return documents_to_pdf([cover] + [document for _, _, document in parts])
