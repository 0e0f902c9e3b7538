"""Evidence files: checked by content as well as name, stored outside the web root under random names."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import secrets
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import IO

from reports.exports import FORMULA_TRIGGERS

from .services.errors import Refused

ALLOWED_EXTENSIONS = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".ppt": "application/vnd.ms-powerpoint",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".csv": "text/csv",
}
ALLOWED_DESCRIPTION = "PDF, Word, Excel, PowerPoint, OpenDocument, PNG, JPEG or CSV"
# Control characters, and the invisible marks that reorder text (bidirectional overrides, isolates and
# marks): with them "\u202egpj.exe" is shown as "exe.jpg", so a file name could pass for another type.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_OPEN_DOCUMENT_TYPES = {
    ".odt": b"application/vnd.oasis.opendocument.text",
    ".ods": b"application/vnd.oasis.opendocument.spreadsheet",
}
_ARCHIVE_EXTENSIONS = (".docx", ".xlsx", ".pptx", ".odt", ".ods")

# Office and OpenDocument files are zip archives.  A few kilobytes of zip can claim gigabytes once
# unpacked (a "zip bomb"), so an archive is judged from its table of contents before anything in it
# is unpacked.  The limits sit far above real documents: a 300-slide deck has about 1,000 parts, and
# office XML packs about 10 to 1, rarely beyond 50 to 1.
ARCHIVE_MAX_MEMBERS = 2_000
ARCHIVE_MAX_MEMBER_BYTES = 100 * 1024 * 1024
ARCHIVE_MAX_TOTAL_BYTES = 250 * 1024 * 1024
ARCHIVE_MAX_RATIO = 100
# A small part may pack far tighter than 100 to 1 (an empty sheet, a run of spaces) without
# costing anything to unpack, so the ratio is only held against parts and archives larger than this.
_RATIO_APPLIES_FROM = 1024 * 1024
# ODF's "mimetype" part names the document type in a few dozen bytes, stored uncompressed so
# that it can be read without unpacking anything.
_MIMETYPE_MAX_BYTES = 100


def size_label(size: int) -> str:
    """A byte count as people read it: '20 MB', '512 KB'."""
    if size >= 1024 * 1024:
        megabytes = size / (1024 * 1024)
        return f"{megabytes:.0f} MB" if megabytes.is_integer() else f"{megabytes:.1f} MB"
    if size >= 1024:
        return f"{size // 1024} KB"
    return f"{size} bytes"


class UploadRejected(Refused):
    """The file cannot be kept as evidence; the message says why, naming the file."""


@dataclass(frozen=True)
class CheckedUpload:
    original_name: str
    content_type: str
    data: bytes
    sha256: str


def _looks_like(display_name: str, extension: str, data: bytes) -> bool:
    if extension == ".pdf":
        return data.startswith(b"%PDF-")
    if extension == ".png":
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    if extension in (".jpg", ".jpeg"):
        return data.startswith(b"\xff\xd8\xff")
    if extension in (".doc", ".xls", ".ppt"):
        return data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    if extension in _ARCHIVE_EXTENSIONS:
        return _office_zip_matches(display_name, extension, data)
    if extension == ".csv":
        return _plain_table(data)
    return False


def _plain_table(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    # A web page renamed to .csv is the usual disguise; no real table starts with markup.
    return not text.lstrip().startswith("<")


def _too_many_parts(display_name: str) -> UploadRejected:
    return UploadRejected(
        f"'{display_name}' is made of more than {ARCHIVE_MAX_MEMBERS:,} parts, more than an ordinary document has, "
        "so it cannot be accepted. Save it as a PDF and upload that"
    )


def _expands_too_far(display_name: str) -> UploadRejected:
    return UploadRejected(
        f"'{display_name}' unpacks to far more than an ordinary document, so it cannot be accepted. "
        "Save it again from the program that made it, or save it as a PDF, and upload that"
    )


def _check_archive_limits(display_name: str, data: bytes, members: Sequence[zipfile.ZipInfo]) -> None:
    """Refuse an archive whose table of contents claims too many parts, too many bytes or too tight a packing."""
    if len(members) > ARCHIVE_MAX_MEMBERS:
        raise _too_many_parts(display_name)
    total = 0
    for info in members:
        if info.file_size > ARCHIVE_MAX_MEMBER_BYTES:
            raise _expands_too_far(display_name)
        if info.file_size > _RATIO_APPLIES_FROM and info.file_size > ARCHIVE_MAX_RATIO * max(info.compress_size, 1):
            raise _expands_too_far(display_name)
        total += info.file_size
    if total > ARCHIVE_MAX_TOTAL_BYTES:
        raise _expands_too_far(display_name)
    if total > _RATIO_APPLIES_FROM and total > ARCHIVE_MAX_RATIO * len(data):
        raise _expands_too_far(display_name)


def _office_zip_matches(display_name: str, extension: str, data: bytes) -> bool:
    """Whether a zip archive is the Office or OpenDocument file its name says, read within fixed bounds."""
    if not data.startswith(b"PK\x03\x04"):
        return False
    # Every entry of a zip's central directory starts with this signature, so counting it bounds the
    # number of entries before zipfile builds an object for each one (hundreds of thousands fit in 20 MB).
    if data.count(b"PK\x01\x02") > ARCHIVE_MAX_MEMBERS:
        raise _too_many_parts(display_name)
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except (zipfile.BadZipFile, ValueError, EOFError, OSError):
        return False
    with archive:
        members = archive.infolist()
        _check_archive_limits(display_name, data, members)
        names = {info.filename for info in members}
        marker = {".docx": "word/", ".xlsx": "xl/", ".pptx": "ppt/"}.get(extension)
        if marker:
            return "[Content_Types].xml" in names and any(n.startswith(marker) for n in names)
        try:
            info = archive.getinfo("mimetype")
        except KeyError:
            return False
        # A real OpenDocument file stores this part uncompressed and tiny; anything else is not one.
        if info.compress_type != zipfile.ZIP_STORED or info.file_size > _MIMETYPE_MAX_BYTES:
            return False
        try:
            with archive.open(info) as member:
                declared = member.read(_MIMETYPE_MAX_BYTES + 1).strip()
        except (zipfile.BadZipFile, RuntimeError, ValueError, EOFError, OSError, NotImplementedError):
            return False
    return declared == _OPEN_DOCUMENT_TYPES[extension]


def _formula_like(cell: str) -> bool:
    if not cell.startswith(FORMULA_TRIGGERS):
        return False
    try:
        float(cell)
    except ValueError:
        return True
    return False  # a signed number such as -5 or +3.2 is data, not a formula


def csv_safe_to_open(data: bytes) -> bytes:
    """A CSV file as it is sent for download: cells a spreadsheet would run as formulas begin with a quote.

    Evidence is kept exactly as uploaded (its SHA-256 is in the audit trail); only the copy sent to a
    reader's spreadsheet program is made safe, and a file without such cells is sent unchanged.
    """
    try:
        text = data.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except (UnicodeDecodeError, csv.Error):
        return data
    if not any(_formula_like(cell) for row in rows for cell in row):
        return data
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([["'" + c if _formula_like(c) else c for c in row] for row in rows])
    return buffer.getvalue().encode("utf-8-sig")


def read_limited(stream: IO[bytes], max_bytes: int) -> bytes:
    """At most one byte more than the limit: enough to know a file is too large without holding all of it."""
    return stream.read(max_bytes + 1)


def check_upload(filename: str | None, data: bytes, max_bytes: int) -> CheckedUpload:
    """Refuse empty, oversize, disallowed or disguised files with a message a person can act on."""
    # People recognise their own file names, so keep them (minus any folder path, control characters
    # and text-reordering marks); the name is only ever shown escaped or sent as a quoted download name.
    display_name = _CONTROL.sub("", (filename or "").replace("\\", "/").rsplit("/", 1)[-1]).strip()
    extension = Path(display_name).suffix.lower()
    if not display_name:
        raise UploadRejected("Choose a file to upload")
    if len(data) == 0:
        raise UploadRejected(f"'{display_name}' is empty")
    if len(data) > max_bytes:
        raise UploadRejected(f"'{display_name}' is too large: each file must be {size_label(max_bytes)} or smaller")
    if extension not in ALLOWED_EXTENSIONS:
        raise UploadRejected(f"'{display_name}' is not an allowed type: upload a {ALLOWED_DESCRIPTION} file")
    if not _looks_like(display_name, extension, data):
        raise UploadRejected(
            f"'{display_name}' is not really a {extension[1:].upper()} file: its content does "
            "not match its name. Check you chose the right file"
        )
    stored_as = display_name if len(display_name) <= 255 else display_name[: 255 - len(extension)] + extension
    return CheckedUpload(stored_as, ALLOWED_EXTENSIONS[extension], data, hashlib.sha256(data).hexdigest())


class LocalStorage:
    """Files in a directory outside the web root.  The seam where an object store would plug in."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def save(self, data: bytes) -> str:
        self.root.mkdir(parents=True, exist_ok=True)
        name = secrets.token_hex(20)
        path = self.root / name
        temporary = path.with_suffix(".part")
        temporary.write_bytes(data)
        temporary.replace(path)
        return name

    def path(self, stored_name: str) -> Path:
        if not stored_name.isalnum():
            raise FileNotFoundError(stored_name)
        return self.root / stored_name

    def read(self, stored_name: str) -> bytes:
        return self.path(stored_name).read_bytes()
