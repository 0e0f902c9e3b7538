"""Evidence uploads: several files, checked by content, stored privately; refusals lose nothing typed."""

from __future__ import annotations

import hashlib
import html as html_lib
import zipfile
from io import BytesIO
from pathlib import Path

import pytest

from assessor.uploads import UploadRejected, check_upload
from tests.provider_helpers import (
    EASTBROOK,
    audit,
    checked_values,
    evidence_of,
    minimal_pdf,
    page_form,
    post_page,
    stored_answer,
    submission_id,
)

EVIDENCE_QUESTION = "strategy.business_case"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _office(marker: str) -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(marker + "document.xml", "<document/>")
    return buffer.getvalue()


def _open_document(declared: str) -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", declared)
        archive.writestr("content.xml", "<office/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "name, content",
    [
        ("accounts.pdf", minimal_pdf()),
        ("plan.docx", _office("word/")),
        ("model.xlsx", _office("xl/")),
        ("board.pptx", _office("ppt/")),
        ("minutes.odt", _open_document("application/vnd.oasis.opendocument.text")),
        ("photo.png", PNG),
        ("scan.JPG", b"\xff\xd8\xff\xe0" + b"\x00" * 32),
        ("cohort.csv", b"practice,people\nA,1200\n"),
        ("Jahresbericht für 2025.pdf", minimal_pdf()),
    ],
)
def test_allowed_types_are_accepted_by_name_and_content(name, content):
    checked = check_upload(name, content, 1024 * 1024)
    assert checked.original_name == name
    assert checked.sha256 == hashlib.sha256(content).hexdigest()


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("tool.exe", b"MZ" + b"\x00" * 64, "not an allowed type"),
        ("report.pdf", b"<html><script>alert(1)</script></html>", "not really a PDF"),
        ("plan.docx", minimal_pdf(), "not really a DOCX"),
        ("archive.docx", _office("other/"), "not really a DOCX"),
        ("page.csv", b"<!doctype html><p>hello</p>", "not really a CSV"),
        ("minutes.odt", _open_document("application/vnd.oasis.opendocument.spreadsheet"), "not really a ODT"),
        ("photo.png", minimal_pdf(), "not really a PNG"),
        ("empty.pdf", b"", "is empty"),
        ("big.pdf", minimal_pdf() + b"0" * 2048, "too large"),
    ],
)
def test_disallowed_disguised_empty_or_large_files_are_refused(name, content, reason):
    with pytest.raises(UploadRejected) as refused:
        check_upload(name, content, 2048)
    assert reason in str(refused.value) and name in str(refused.value)


def test_several_files_per_question_are_stored_privately_with_their_hash(demo, data, browser, make_browser):
    sid = submission_id(data, EASTBROOK)
    browser.login("lead@eastbrook.example")
    url = f"/provider/submissions/{sid}/sections/strategy"
    pdf, csv = minimal_pdf("business case"), b"year,cost\n2026,1\n"
    page = browser.get(url).get_data(as_text=True)
    response = post_page(
        browser.client,
        url,
        page,
        {
            "q-" + EVIDENCE_QUESTION: [(BytesIO(pdf), "business-case.pdf"), (BytesIO(csv), "costs.csv")],
            "action": "save",
        },
    )
    assert response.status_code == 302

    files = evidence_of(data, sid, EVIDENCE_QUESTION)
    assert [f["name"] for f in files] == ["business-case.pdf", "costs.csv"]
    upload_root = Path(demo.config["UPLOAD_FOLDER"]).resolve()
    static_root = Path(demo.static_folder).resolve()
    for stored, content in zip(files, (pdf, csv), strict=True):
        assert stored["sha256"] == hashlib.sha256(content).hexdigest() and stored["size"] == len(content)
        path = upload_root / stored["stored"]
        assert path.read_bytes() == content
        assert stored["name"] not in stored["stored"] and not path.is_relative_to(static_root)
    assert [e["file"] for e in audit(data, "evidence.attached", sid)] == ["business-case.pdf", "costs.csv"]

    page = browser.get(url).get_data(as_text=True)
    download = browser.get(f"/provider/submissions/{sid}/evidence/{files[0]['id']}")
    assert download.status_code == 200 and download.data == pdf
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "no-store" in download.headers["Cache-Control"]
    assert f"/provider/submissions/{sid}/evidence/{files[1]['id']}" in page

    # Someone outside the applicant cannot fetch it, even knowing both ids.
    stranger = make_browser()
    stranger.login("lead@southvale-gpfed.example")
    assert stranger.get(f"/provider/submissions/{sid}/evidence/{files[0]['id']}").status_code == 404

    # Removing one file is part of saving the page; its history stays and its link stops working.
    removed = post_page(browser.client, url, page, {"remove-evidence": str(files[0]["id"]), "action": "save"})
    assert removed.status_code == 302
    assert [f["name"] for f in evidence_of(data, sid, EVIDENCE_QUESTION)] == ["costs.csv"]
    assert browser.get(f"/provider/submissions/{sid}/evidence/{files[0]['id']}").status_code == 404
    assert [e["file"] for e in audit(data, "evidence.removed", sid)] == ["business-case.pdf"]


def test_a_refused_file_keeps_everything_else_on_the_page(demo, data, browser):
    demo.config["MAX_UPLOAD_BYTES"] = 4096
    sid = submission_id(data, EASTBROOK)
    browser.login("lead@eastbrook.example")
    url = f"/provider/submissions/{sid}/sections/strategy"
    narrative = "Our case for change rests on a 12% rise in emergency admissions of people over 80."
    typed = {
        "q-strategy.vision": "3",
        "q-strategy.case_for_change": narrative,
        "q-strategy.population": "540000",
        "action": "save",
    }

    for upload, message in [
        ((BytesIO(minimal_pdf() + b"0" * 5000), "huge.pdf"), "each file must be 4 KB or smaller"),
        ((BytesIO(b"MZ\x90\x00"), "setup.exe"), "is not an allowed type"),
        ((BytesIO(b"<html>not a pdf</html>"), "accounts.pdf"), "is not really a PDF file"),
    ]:
        page = browser.get(url).get_data(as_text=True)
        response = post_page(browser.client, url, page, {**typed, "q-" + EVIDENCE_QUESTION: [upload]})
        assert response.status_code == 200
        shown = response.get_data(as_text=True)
        summary = shown[shown.index('class="error-summary"') :]
        assert message in html_lib.unescape(summary[: summary.index("</ul>")])
        assert f'href="#q-{EVIDENCE_QUESTION}"' in summary
        assert narrative in html_lib.unescape(shown)
        assert checked_values(shown, "q-strategy.vision") == ["3"]
        assert page_form(shown)["q-strategy.population"] == "540000"
        assert stored_answer(data, sid, "strategy.vision") is None
        assert evidence_of(data, sid) == []

    # The re-shown page, sent again with a proper file, saves everything.
    accepted = post_page(browser.client, url, shown, {"q-" + EVIDENCE_QUESTION: [(BytesIO(minimal_pdf()), "case.pdf")]})
    assert accepted.status_code == 302
    assert stored_answer(data, sid, "strategy.case_for_change") == narrative
    assert [f["name"] for f in evidence_of(data, sid)] == ["case.pdf"]


def test_a_request_over_the_body_limit_gets_a_page_that_says_what_happened(demo, data, browser):
    sid = submission_id(data, EASTBROOK)
    browser.login("lead@eastbrook.example")
    url = f"/provider/submissions/{sid}/sections/strategy"
    page = browser.get(url).get_data(as_text=True)
    demo.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    response = post_page(
        browser.client,
        url,
        page,
        {"q-strategy.vision": "1", "q-" + EVIDENCE_QUESTION: [(BytesIO(minimal_pdf() + b"0" * 100_000), "big.pdf")]},
    )
    assert response.status_code == 413
    text = html_lib.unescape(response.get_data(as_text=True))
    assert "nothing on it was saved" in text and "Back button" in text
    assert f'href="{url}">Open the domain again</a>' in text
    assert stored_answer(data, sid, "strategy.vision") is None
