"""`flask backup` / `flask restore` round trip on SQLite and PostgreSQL, and refusal of bad archives."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest

from assessor.extensions import db
from assessor.models import Answer, AuditEvent, Evidence, Submission
from assessor.services.audit import record


def _snapshot(data, upload_folder: Path) -> dict:
    with data() as session:
        answers = sorted(
            (a.submission_id, a.question_id, a.value_json, a.version) for a in session.scalars(db.select(Answer))
        )
        audit = [
            (e.id, e.action, e.detail_json) for e in session.scalars(db.select(AuditEvent).order_by(AuditEvent.id))
        ]
        statuses = sorted((s.id, s.status) for s in session.scalars(db.select(Submission)))
        files = {}
        for evidence in session.scalars(db.select(Evidence)):
            path = upload_folder / evidence.stored_name
            files[evidence.stored_name] = (
                evidence.sha256,
                hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None,
            )
    return {"answers": answers, "audit": audit, "statuses": statuses, "files": files}


def _change_everything(data, upload_folder: Path) -> None:
    with data() as session:
        answer = session.scalar(db.select(Answer).order_by(Answer.id))
        answer.value_json, answer.version = json.dumps("changed after the backup"), answer.version + 1
        session.scalar(db.select(Submission).order_by(Submission.id)).status = "draft"
        record("test.after_backup")
        session.commit()
    for path in upload_folder.iterdir():
        if path.is_file():
            path.write_bytes(b"overwritten after the backup")
            break


def test_backup_then_restore_brings_back_data_audit_trail_and_files(demo, data, tmp_path):
    upload_folder = Path(demo.config["UPLOAD_FOLDER"])
    runner = demo.test_cli_runner()
    before = _snapshot(data, upload_folder)
    assert before["files"] and all(stored == actual for stored, actual in before["files"].values())

    archive = tmp_path / "gateway-backup.tar.gz"
    result = runner.invoke(args=["backup", str(archive)])
    assert result.exit_code == 0, result.output
    assert archive.exists() and not Path(str(archive) + ".part").exists()

    _change_everything(data, upload_folder)
    assert _snapshot(data, upload_folder) != before

    result = runner.invoke(args=["restore", str(archive), "--yes"])
    assert result.exit_code == 0, result.output
    after = _snapshot(data, upload_folder)
    assert after["answers"] == before["answers"]
    assert after["statuses"] == before["statuses"]
    assert after["files"] == before["files"]
    # The restored trail is the old one plus one event saying a restore happened.
    assert after["audit"][:-1] == before["audit"] and after["audit"][-1][1] == "ops.restored"

    # The app works on the restored database.
    from tests.web_client import Browser

    browser = Browser(demo.test_client())
    browser.login("lead@northshire-trust.example")
    assert browser.get("/provider/").status_code == 200


def test_restore_refuses_a_damaged_or_altered_archive_and_changes_nothing(demo, data, tmp_path):
    upload_folder = Path(demo.config["UPLOAD_FOLDER"])
    runner = demo.test_cli_runner()
    archive = tmp_path / "backup.tar.gz"
    assert runner.invoke(args=["backup", str(archive)]).exit_code == 0
    before = _snapshot(data, upload_folder)

    # Altered: one evidence file swapped, the manifest left as it was.
    altered = tmp_path / "altered.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(altered, "w:gz") as target:
        swapped = False
        for member in source.getmembers():
            content = source.extractfile(member).read()
            if member.name.startswith("uploads/") and not swapped:
                content, swapped = b"%PDF-1.4 tampered", True
                member.size = len(content)
            target.addfile(member, io.BytesIO(content))
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    escaping = tmp_path / "escaping.tar.gz"
    with tarfile.open(escaping, "w:gz") as target:
        info = tarfile.TarInfo("../../outside.txt")
        info.size = 3
        target.addfile(info, io.BytesIO(b"bad"))

    for bad, reason in ((altered, "checksum"), (truncated, "not a readable backup"), (escaping, "not a readable")):
        result = runner.invoke(args=["restore", str(bad), "--yes"])
        assert result.exit_code != 0 and reason in result.output, (bad.name, result.output)
    assert not (tmp_path.parent / "outside.txt").exists()
    assert _snapshot(data, upload_folder) == before


def test_restore_asks_before_replacing_data(demo, tmp_path):
    runner = demo.test_cli_runner()
    archive = tmp_path / "backup.tar.gz"
    assert runner.invoke(args=["backup", str(archive)]).exit_code == 0
    result = runner.invoke(args=["restore", str(archive)], input="n\n")
    assert result.exit_code != 0 and "Replace ALL current data" in result.output


@pytest.fixture(autouse=True)
def _postgres_needs_its_dump_tools(request):
    if request.node.name.endswith("[postgresql]") and not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump/pg_restore not installed")
