"""`flask backup` and `flask restore`: the database and the evidence files, as one checked archive.

SQLite is copied with its online backup API, so a backup taken while the app serves requests is
still consistent.  PostgreSQL is dumped with ``pg_dump --format=custom`` and restored with
``pg_restore``; both tools must be on PATH and match the server's major version.

The archive is a .tar.gz holding ``manifest.json`` (format, database kind, schema revision, and the
SHA-256 of every other member), the database, and ``uploads/``.  Restore verifies every checksum
before touching anything.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url

from .extensions import db

FORMAT = 1
SQLITE_MEMBER = "database.sqlite"
POSTGRES_MEMBER = "database.pgdump"


class BackupError(click.ClickException):
    pass


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _schema_revision() -> str | None:
    from alembic.migration import MigrationContext

    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _migrations():
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())


def _sqlite_path() -> Path | None:
    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        return None
    if url.database in (None, "", ":memory:"):
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def _postgres_command(tool: str, *args: str) -> tuple[list[str], dict[str, str]]:
    """The tool's command line and environment; the password travels in the environment, never argv."""
    if shutil.which(tool) is None:
        raise BackupError(f"{tool} is not installed; see docs/security.md for manual PostgreSQL backups")
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    dsn = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return [tool, *args, f"--dbname={dsn}"], env


def _copy_sqlite(source: Path, destination: Path) -> None:
    with sqlite3.connect(source) as live, sqlite3.connect(destination) as copy:
        live.backup(copy)
    with sqlite3.connect(destination) as copy:
        result = copy.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        raise BackupError(f"the copied database failed its integrity check: {result}")


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.now(UTC).timestamp())
    archive.addfile(info, io.BytesIO(data))


@click.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False))
@with_appcontext
def backup(destination: str) -> None:
    """Write the database and evidence files to DESTINATION, a .tar.gz archive."""
    target = Path(destination)
    uploads = Path(current_app.config["UPLOAD_FOLDER"])
    with tempfile.TemporaryDirectory() as work:
        work_dir = Path(work)
        sqlite_path = _sqlite_path()
        if sqlite_path is not None:
            member, kind = SQLITE_MEMBER, "sqlite"
            _copy_sqlite(sqlite_path, work_dir / member)
        else:
            member, kind = POSTGRES_MEMBER, "postgresql"
            command, env = _postgres_command(
                "pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={work_dir / member}"
            )
            result = subprocess.run(command, env=env, capture_output=True, text=True)  # noqa: S603 - fixed argv, no shell
            if result.returncode != 0:
                raise BackupError(f"pg_dump failed: {result.stderr.strip()[-500:]}")
        files = {member: _sha256(work_dir / member)}
        upload_files = (
            sorted(p for p in uploads.rglob("*") if p.is_file() and not p.name.endswith(".part"))
            if uploads.is_dir()
            else []
        )
        for path in upload_files:
            files["uploads/" + path.relative_to(uploads).as_posix()] = _sha256(path)
        manifest = {
            "format": FORMAT,
            "database": kind,
            "schema_revision": _schema_revision(),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "files": files,
        }
        partial = target.with_name(target.name + ".part")
        with tarfile.open(partial, "w:gz") as archive:
            _add_bytes(archive, "manifest.json", json.dumps(manifest, indent=2, sort_keys=True).encode())
            archive.add(work_dir / member, arcname=member)
            for path in upload_files:
                archive.add(path, arcname="uploads/" + path.relative_to(uploads).as_posix())
        # Only a complete archive ever carries the final name.
        os.replace(partial, target)
    click.echo(
        f"Backed up the {kind} database and {len(upload_files)} files to {target} "
        f"(schema {manifest['schema_revision']})"
    )


def _read_archive(archive_path: Path, into: Path) -> dict:
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            # The "data" filter refuses absolute paths, "..", links and device files.
            archive.extractall(into, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"{archive_path} is not a readable backup archive: {exc}") from None
    try:
        manifest = json.loads((into / "manifest.json").read_text())
    except (OSError, ValueError):
        raise BackupError(f"{archive_path} has no readable manifest.json") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unsupported backup format {manifest.get('format')!r}")
    listed = manifest.get("files") or {}
    present = {p.relative_to(into).as_posix() for p in into.rglob("*") if p.is_file()} - {"manifest.json"}
    if present != set(listed):
        raise BackupError("the archive's files do not match its manifest; it may be incomplete or altered")
    for name, digest in listed.items():
        if _sha256(into / name) != digest:
            raise BackupError(f"{name} does not match its checksum; the archive is damaged or altered")
    return manifest


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Replace the current data without asking.")
@with_appcontext
def restore(archive: str, yes: bool) -> None:
    """Replace the database and evidence files with those in ARCHIVE (made by `flask backup`)."""
    from .services.audit import record

    with tempfile.TemporaryDirectory() as work:
        work_dir = Path(work)
        manifest = _read_archive(Path(archive), work_dir)
        sqlite_path = _sqlite_path()
        kind = "sqlite" if sqlite_path is not None else "postgresql"
        if manifest["database"] != kind:
            raise BackupError(f"the archive holds a {manifest['database']} database but this app uses {kind}")
        revision = manifest.get("schema_revision")
        if revision and revision not in {script.revision for script in _migrations().walk_revisions()}:
            raise BackupError(f"the archive's schema {revision} is newer than this version of Gateway")
        if not yes:
            click.confirm(f"Replace ALL current data with the backup taken {manifest['created_at']}?", abort=True)

        db.session.remove()
        db.engine.dispose()
        if sqlite_path is not None:
            extracted = work_dir / SQLITE_MEMBER
            with sqlite3.connect(extracted) as copy:
                if copy.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                    raise BackupError("the database in the archive failed its integrity check")
            # The backup API writes the pages under SQLite's own locks, so readers never see a mix.
            with sqlite3.connect(extracted) as source, sqlite3.connect(sqlite_path, timeout=30) as live:
                source.backup(live)
        else:
            command, env = _postgres_command(
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                str(work_dir / POSTGRES_MEMBER),
            )
            result = subprocess.run(command, env=env, capture_output=True, text=True)  # noqa: S603 - fixed argv, no shell
            if result.returncode != 0:
                raise BackupError(f"pg_restore failed; nothing was changed: {result.stderr.strip()[-500:]}")

        uploads = Path(current_app.config["UPLOAD_FOLDER"])
        restored = 0
        for name in manifest["files"]:
            if not name.startswith("uploads/"):
                continue
            destination = uploads / name[len("uploads/") :]
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(work_dir / name, destination)
            restored += 1

    record("ops.restored", backup_created_at=manifest["created_at"], schema_revision=revision, files=restored)
    db.session.commit()
    click.echo(
        f"Restored the {kind} database (schema {revision}) and {restored} files from {archive}."
        + ("" if revision == _migrations().get_current_head() else " Run `flask db upgrade` next.")
    )


def register(app) -> None:
    app.cli.add_command(backup)
    app.cli.add_command(restore)
