"""Evidence files: checked by content as well as name, stored outside the web root under random names."""
from __future__ import annotations

import hashlib
import secrets
import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from werkzeug.utils import secure_filename

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


class UploadRejected(ValueError):
    pass


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
        if b"\x00" in data:
            return False
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return False
        return True
    return False


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
    return "mimetype" in names


def check_upload(filename: str | None, data: bytes, max_bytes: int) -> CheckedUpload:
    """Refuse empty, oversize, disallowed or disguised files with a message a person can act on."""
    display_name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    safe_name = secure_filename(display_name) or "evidence"
    extension = Path(safe_name).suffix.lower()
    if not display_name:
        raise UploadRejected("Choose a file to upload")
    if len(data) == 0:
        raise UploadRejected(f"'{display_name}' is empty")
    if len(data) > max_bytes:
        raise UploadRejected(f"'{display_name}' is larger than {max_bytes // (1024 * 1024)} MB")
    if extension not in ALLOWED_EXTENSIONS:
        raise UploadRejected(f"'{display_name}' is not an allowed type: upload a {ALLOWED_DESCRIPTION} file")
    if not _looks_like(extension, data):
        raise UploadRejected(f"'{display_name}' does not contain what its name says ({extension} file expected)")
    return CheckedUpload(safe_name[:255], ALLOWED_EXTENSIONS[extension], data, hashlib.sha256(data).hexdigest())


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
