"""Evidence files: checked by content as well as name, stored outside the web root under random names."""

from __future__ import annotations

import hashlib
import re
import secrets
import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import IO

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
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_OPEN_DOCUMENT_TYPES = {
    ".odt": b"application/vnd.oasis.opendocument.text",
    ".ods": b"application/vnd.oasis.opendocument.spreadsheet",
}


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


def _looks_like(extension: str, data: bytes) -> bool:
    if extension == ".pdf":
        return data.startswith(b"%PDF-")
    if extension == ".png":
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    if extension in (".jpg", ".jpeg"):
        return data.startswith(b"\xff\xd8\xff")
    if extension in (".doc", ".xls", ".ppt"):
        return data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    if extension in (".docx", ".xlsx", ".pptx", ".odt", ".ods"):
        return _office_zip_matches(extension, data)
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


def _office_zip_matches(extension: str, data: bytes) -> bool:
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        names = set(zipfile.ZipFile(BytesIO(data)).namelist())
    except zipfile.BadZipFile:
        return False
    marker = {".docx": "word/", ".xlsx": "xl/", ".pptx": "ppt/"}.get(extension)
    if marker:
        return "[Content_Types].xml" in names and any(n.startswith(marker) for n in names)
    if "mimetype" not in names:
        return False
    try:
        declared = zipfile.ZipFile(BytesIO(data)).read("mimetype").strip()
    except (zipfile.BadZipFile, KeyError, RuntimeError):
        return False
    return declared == _OPEN_DOCUMENT_TYPES[extension]


def read_limited(stream: IO[bytes], max_bytes: int) -> bytes:
    """At most one byte more than the limit: enough to know a file is too large without holding all of it."""
    return stream.read(max_bytes + 1)


def check_upload(filename: str | None, data: bytes, max_bytes: int) -> CheckedUpload:
    """Refuse empty, oversize, disallowed or disguised files with a message a person can act on."""
    # People recognise their own file names, so keep them (minus any folder path and control
    # characters); the name is only ever shown escaped or sent as a quoted download name.
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
    if not _looks_like(extension, data):
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
