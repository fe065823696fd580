"""Make a consistent backup while the service runs: SQLite's backup API or pg_dump."""

import errno
import os
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from warning import __version__
from warning.db.engine import make_engine
from warning.db.migrate import current_revision
from warning.handling.attachments import PART_SUFFIX
from warning.ops.archive import BackupError, Manifest, key_fingerprint, write_archive
from warning.ops.postgres import check_tool, libpq_target, server_major
from warning.ops.scratch import work_directory
from warning.settings import Settings


def reporter_fingerprints() -> list[str]:
    """Return the fingerprints of the configured reporter keys (never the keys)."""
    from warning.petitions.keys import ReporterKeySettings, configured_keys

    return [key_fingerprint(key) for key in configured_keys(ReporterKeySettings())]


def make_backup(settings: Settings, target: Path) -> Manifest:
    """Write one archive holding the database, the attachments and a manifest."""
    engine = make_engine(settings.database_url)
    try:
        revision = current_revision(engine)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as error:
        raise BackupError(f"无法连接数据库: {type(error).__name__}: {error}") from None
    finally:
        engine.dispose()
    kind = "sqlite" if settings.is_sqlite else "postgresql"
    manifest = Manifest(
        format=1, created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        qingfeng_version=__version__, database_kind=kind, revision=revision,
        database_member=f"database.{'sqlite' if kind == 'sqlite' else 'pgdump'}",
        reporter_key_fingerprints=reporter_fingerprints(),
    )
    try:
        with work_directory(target.parent) as work:
            copy = work / manifest.database_member
            if kind == "sqlite":
                _sqlite_copy(settings.database_url, copy)
            else:
                manifest.tool_version = str(_pg_dump(settings.database_url, copy))
            files = {manifest.database_member: copy}
            files.update(_attachments(settings.attachments_dir))
            write_archive(target, manifest, files, work / "archive.partial")
    except (OSError, sqlite3.Error) as error:
        if isinstance(error, OSError) and error.filename is not None:
            raise  # a path that cannot be opened: the command names it (cli/errors.py)
        raise BackupError(f"无法写入备份 {target} ({_reason(error)}), 未生成备份文件") from None
    return manifest


def _reason(error: OSError | sqlite3.Error) -> str:
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return "磁盘已满"
    if isinstance(error, sqlite3.Error) and "full" in str(error):
        return "磁盘已满"
    if isinstance(error, OSError) and error.errno:
        return os.strerror(error.errno)
    return f"{type(error).__name__}: {error}"


def _sqlite_copy(url: str, copy: Path) -> None:
    from sqlalchemy.engine import make_url

    source = make_url(url).database
    if not source or not Path(source).exists():
        raise BackupError(f"SQLite 数据库文件不存在: {source}")
    live, out = sqlite3.connect(source), sqlite3.connect(copy)
    try:
        live.backup(out)  # a consistent snapshot, even while the service writes
    finally:
        out.close()
        live.close()


def _pg_dump(url: str, copy: Path) -> int:
    tool = check_tool("pg_dump", server_major(url))
    target, env = libpq_target(url)
    done = subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={copy}",
         f"--dbname={target}"], env=env, capture_output=True, text=True,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_dump 失败: {done.stderr.strip()}")
    return tool


def _attachments(directory: Path) -> dict[str, Path]:
    if not directory.is_dir():
        return {}
    # Stored files never change; a part file is one being written (or one a killed writer
    # left), renamed away at any moment: it is no attachment and would not read back whole.
    return {
        f"attachments/{path.relative_to(directory).as_posix()}": path
        for path in sorted(directory.rglob("*"))
        if path.is_file() and not path.name.endswith(PART_SUFFIX)
    }
