"""Hostile uploads: archives that unpack to far more than they weigh, and one applicant filling the disk.

Office and OpenDocument files are zip archives, so every one of them is judged from its table of
contents (parts, sizes, packing) before anything in it is unpacked; what little is read is read
with a bound.  Each applicant's evidence also has a storage quota.
"""

from __future__ import annotations

import csv
import html as html_lib
import io
import os
import tracemalloc
import zipfile
from io import BytesIO
from pathlib import Path

import pytest

from assessor import uploads
from assessor.uploads import UploadRejected, check_upload
from tests.provider_helpers import EASTBROOK, evidence_of, minimal_pdf, post_page, stored_answer, submission_id

EVIDENCE_QUESTION = "strategy.business_case"
ODT = "application/vnd.oasis.opendocument.text"
LIMIT = 20 * 1024 * 1024


def _archive(members: list[tuple[str, bytes, int]]) -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content, compression in members:
            archive.writestr(name, content, compress_type=compression)
    return buffer.getvalue()


def _refusal(name: str, content: bytes) -> str:
    with pytest.raises(UploadRejected) as refused:
        check_upload(name, content, LIMIT)
    message = str(refused.value)
    assert f"'{name}'" in message
    return message


def test_a_deflated_oversized_mimetype_is_refused_without_unpacking_it():
    # The review's bomb: the declared type followed by a great many spaces, deflated to a few kilobytes,
    # which reading the whole part turned into as many bytes of memory.
    padding = b" " * (64 * 1024 * 1024)
    bomb = _archive([("mimetype", ODT.encode() + padding, zipfile.ZIP_DEFLATED), ("content.xml", b"<x/>", 0)])
    del padding
    assert len(bomb) < LIMIT // 100
    tracemalloc.start()
    try:
        message = _refusal("bomb.odt", bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "cannot be accepted" in message
    assert peak < 4 * 1024 * 1024


@pytest.mark.parametrize(
    "mimetype",
    [
        # Deflated, though tiny and naming the right type: a real OpenDocument file stores it.
        (ODT.encode(), zipfile.ZIP_DEFLATED),
        # Stored but far longer than any media type, with the right type first and padding after.
        (ODT.encode() + b" " * 500, zipfile.ZIP_STORED),
    ],
)
def test_an_opendocument_mimetype_must_be_stored_and_tiny(mimetype):
    content, compression = mimetype
    document = _archive([("mimetype", content, compression), ("content.xml", b"<office/>", zipfile.ZIP_DEFLATED)])
    assert "not really a ODT file" in _refusal("minutes.odt", document)


@pytest.mark.parametrize("name, marker", [("many.docx", "word/"), ("many.odt", None), ("many.xlsx", "xl/")])
def test_an_archive_of_thousands_of_parts_is_refused(name, marker):
    members = [("mimetype", ODT.encode(), zipfile.ZIP_STORED)] if marker is None else []
    members += [("[Content_Types].xml", b"<Types/>", zipfile.ZIP_DEFLATED)]
    members += [(f"{marker or ''}part{n}.xml", b"", zipfile.ZIP_STORED) for n in range(5_000)]
    assert "more than 2,000 parts" in _refusal(name, _archive(members))


def test_the_part_count_is_judged_before_the_table_of_contents_is_read(monkeypatch):
    # zipfile builds an object per entry; a 20 MB upload can list hundreds of thousands of them.
    members = [("[Content_Types].xml", b"<Types/>", 0)] + [(f"word/p{n}.xml", b"", 0) for n in range(50)]
    document = _archive(members)
    monkeypatch.setattr(uploads, "ARCHIVE_MAX_MEMBERS", 10)
    monkeypatch.setattr(uploads.zipfile, "ZipFile", lambda *a, **k: pytest.fail("the archive was opened"))
    assert "more than 10 parts" in _refusal("plan.docx", document)


@pytest.mark.parametrize(
    "name, members",
    [
        # One part packed a thousand to one: five megabytes of zeros in a few kilobytes.
        ("model.xlsx", [("[Content_Types].xml", b"<Types/>"), ("xl/sheet1.xml", b"\x00" * (5 * 1024 * 1024))]),
        ("plan.docx", [("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w/>" * (2 * 1024 * 1024))]),
        ("minutes.odt", [("content.xml", b"<o/>" * (2 * 1024 * 1024))]),
        # Many parts each just under the per-part floor, together far beyond what the file weighs.
        ("deck.pptx", [("[Content_Types].xml", b"<Types/>")] + [(f"ppt/s{n}.xml", b"a" * 1_000_000) for n in range(8)]),
    ],
)
def test_an_archive_packed_far_tighter_than_a_document_is_refused(name, members):
    prefix = [("mimetype", ODT.encode(), zipfile.ZIP_STORED)] if name.endswith(".odt") else []
    archive = _archive(prefix + [(member, content, zipfile.ZIP_DEFLATED) for member, content in members])
    assert "unpacks to far more than an ordinary document" in _refusal(name, archive)


def test_caps_on_each_part_and_the_whole_come_from_the_table_of_contents(monkeypatch):
    # Incompressible parts, so only the size caps (not the packing ratio) can refuse them.
    parts = [("[Content_Types].xml", os.urandom(40_000)), ("word/document.xml", os.urandom(40_000))]
    document = _archive([(name, content, zipfile.ZIP_DEFLATED) for name, content in parts])
    assert check_upload("plan.docx", document, LIMIT).original_name == "plan.docx"
    monkeypatch.setattr(uploads, "ARCHIVE_MAX_TOTAL_BYTES", 60_000)
    assert "unpacks to far more" in _refusal("plan.docx", document)
    monkeypatch.setattr(uploads, "ARCHIVE_MAX_TOTAL_BYTES", 10**9)
    monkeypatch.setattr(uploads, "ARCHIVE_MAX_MEMBER_BYTES", 30_000)
    assert "unpacks to far more" in _refusal("plan.docx", document)


def test_ordinary_documents_with_small_tightly_packed_parts_are_still_accepted():
    # Real files have tiny parts (an empty sheet, a run of spaces) that pack far beyond 100 to 1.
    document = _archive(
        [
            ("mimetype", ODT.encode(), zipfile.ZIP_STORED),
            ("content.xml", b"<office>" + b" " * 200_000 + b"</office>", zipfile.ZIP_DEFLATED),
            ("styles.xml", b"<styles/>", zipfile.ZIP_DEFLATED),
        ]
    )
    assert check_upload("minutes.odt", document, LIMIT).content_type == ODT


# The storage quota: on SQLite and PostgreSQL (the `demo` fixture runs on each backend).


def _upload(browser, url: str, files: list[tuple[bytes, str]], **typed):
    page = browser.get(url).get_data(as_text=True)
    return post_page(
        browser.client,
        url,
        page,
        {**typed, "q-" + EVIDENCE_QUESTION: [(BytesIO(content), name) for content, name in files], "action": "save"},
    )


def _used(data, sid: int) -> int:
    return sum(f["size"] for f in evidence_of(data, sid, include_removed=True))


def test_files_past_the_submission_storage_quota_are_refused_and_nothing_is_saved(demo, data, browser):
    sid = submission_id(data, EASTBROOK)
    used_before = _used(data, sid)
    demo.config["SUBMISSION_STORAGE_QUOTA_BYTES"] = used_before + 3000
    browser.login("lead@eastbrook.example")
    url = f"/provider/submissions/{sid}/sections/strategy"

    page = html_lib.unescape(browser.get(url).get_data(as_text=True))
    assert "Storage for this assessment:" in page and " used, including files removed from it." in page

    first = minimal_pdf("first") + b"0" * 1400
    assert _upload(browser, url, [(first, "first.pdf")]).status_code == 302

    # Each file fits on its own, but not both together: neither is kept, nor the typed answer.
    second, third = minimal_pdf("second") + b"0" * 1000, minimal_pdf("third") + b"0" * 1000
    response = _upload(browser, url, [(second, "second.pdf"), (third, "third.pdf")], **{"q-strategy.vision": "2"})
    assert response.status_code == 200
    shown = html_lib.unescape(response.get_data(as_text=True))
    summary = shown[shown.index('class="error-summary"') :]
    assert "'third.pdf' cannot be added: it would take this assessment's files past their" in summary
    assert f'href="#q-{EVIDENCE_QUESTION}"' in summary
    assert [f["name"] for f in evidence_of(data, sid, EVIDENCE_QUESTION)] == ["first.pdf"]
    assert stored_answer(data, sid, "strategy.vision") is None
    assert _used(data, sid) == used_before + len(first)

    # A removed file is still kept on disk for the record, so removing it does not make room.
    removed = evidence_of(data, sid, EVIDENCE_QUESTION)[0]["id"]
    page = browser.get(url).get_data(as_text=True)
    assert post_page(browser.client, url, page, {"remove-evidence": str(removed), "action": "save"}).status_code == 302
    refused = _upload(browser, url, [(second, "second.pdf"), (third, "third.pdf")])
    assert refused.status_code == 200 and "cannot be added" in html_lib.unescape(refused.get_data(as_text=True))
    assert _upload(browser, url, [(second, "second.pdf")]).status_code == 302


def test_the_quota_is_held_by_the_service_as_well_as_the_page(demo, data):
    from assessor.extensions import db
    from assessor.models import Submission, User
    from assessor.services.submissions import StorageFull, attach_evidence

    sid = submission_id(data, EASTBROOK)
    demo.config["SUBMISSION_STORAGE_QUOTA_BYTES"] = _used(data, sid) + 100
    with data() as session:
        submission = session.get(Submission, sid)
        user = session.scalar(db.select(User).filter_by(email="lead@eastbrook.example"))
        checked = check_upload("big.pdf", minimal_pdf() + b"0" * 200, LIMIT)
        with pytest.raises(StorageFull) as refused:
            attach_evidence(submission, EVIDENCE_QUESTION, checked, user)
        assert "'big.pdf' cannot be added" in refused.value.message
        session.rollback()


@pytest.mark.parametrize(
    "mark", ["\u202e", "\u202d", "\u202a", "\u2066", "\u2067", "\u2068", "\u2069", "\u200f", "\u061c", "\x85"]
)
def test_marks_that_reorder_a_file_name_are_removed_from_the_name_kept(mark):
    # With a right-to-left override "invoice\u202egpj.pdf" is shown as "invoicefdp.jpg": the kept name is plain.
    checked = check_upload(f"invoice{mark}gpj.pdf", minimal_pdf(), LIMIT)
    assert checked.original_name == "invoicegpj.pdf"


def test_csv_evidence_is_sent_with_formula_cells_quoted_and_kept_as_uploaded(demo, data, browser, make_browser):
    sid = submission_id(data, EASTBROOK)
    browser.login("lead@eastbrook.example")
    url = f"/provider/submissions/{sid}/sections/strategy"
    hostile = b"item,cost\r\n=cmd|' /C calc'!A0,-5\r\n@SUM(A1),+3.5\r\nplain,12\r\n"
    ordinary = b"year,cost\n2026,-1\n"
    assert _upload(browser, url, [(hostile, "costs.csv"), (ordinary, "plain.csv")]).status_code == 302
    files = evidence_of(data, sid, EVIDENCE_QUESTION)
    stored = {f["name"]: f for f in files}
    assert (Path(demo.config["UPLOAD_FOLDER"]) / stored["costs.csv"]["stored"]).read_bytes() == hostile

    commissioner = make_browser()
    commissioner.login("moderator@northshire-icb.example")
    for client, prefix in ((browser, "/provider"), (commissioner, "/review")):
        sent = client.get(f"{prefix}/submissions/{sid}/evidence/{stored['costs.csv']['id']}")
        assert sent.status_code == 200 and sent.headers["Content-Disposition"].startswith("attachment")
        rows = list(csv.reader(io.StringIO(sent.data.decode("utf-8-sig"))))
        assert rows == [["item", "cost"], ["'=cmd|' /C calc'!A0", "-5"], ["'@SUM(A1)", "+3.5"], ["plain", "12"]]
        unchanged = client.get(f"{prefix}/submissions/{sid}/evidence/{stored['plain.csv']['id']}")
        assert unchanged.data == ordinary
