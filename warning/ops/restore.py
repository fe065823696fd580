"""Restore a backup into an empty database: check everything first, then change anything."""

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from warning.db.engine import make_engine
from warning.db.migrate import newer_release_message, newer_than_code
from warning.ops.archive import BackupError, Manifest, read_archive
from warning.ops.backup import reporter_fingerprints
from warning.ops.postgres import check_tool, libpq_target, public_tables
from warning.settings import Settings

# Left inside the restored attachments directory until the database is restored too: a
# restore killed between the two steps is told apart from an office's own files by it.
PENDING_MARKER = ".qingfeng-restore-pending"


@dataclass(frozen=True)
class Restored:
    """What a restore brought back (`resumed`: it finished one a kill had interrupted)."""

    manifest: Manifest
    attachments: int
    resumed: bool = False


def restore_backup(settings: Settings, source: Path, *, force_key: bool = False) -> Restored:
    """Restore `source` into the (empty) database and attachments directory of `settings`.

    The attachments are moved into place first, holding a marker that names the backup,
    then the database is restored in one step, then the marker is removed. A restore killed
    at any moment is finished, or started again, by running the same restore again.
    """
    kind = "sqlite" if settings.is_sqlite else "postgresql"
    with tempfile.TemporaryDirectory() as scratch:
        unpacked = Path(scratch)
        manifest = read_archive(source, unpacked)
        if manifest.database_kind != kind:
            raise BackupError(f"备份来自 {manifest.database_kind}, 不能恢复到 {kind} 数据库")
        if newer_than_code(manifest.revision, settings.database_url):
            raise BackupError(f"{newer_release_message(str(manifest.revision))}, 未恢复任何数据")
        _check_key(manifest, force_key)
        attachments = settings.attachments_dir
        identity = _identity(manifest)
        pending = _pending(attachments)
        if pending is not None and not _database_empty(settings):
            if pending != identity:
                raise BackupError(
                    f"附件目录 {attachments} 留有另一个备份未完成的恢复, 数据库也已恢复: "
                    "请用那个备份文件再次运行 qingfeng restore, 未恢复任何数据")
            (attachments / PENDING_MARKER).unlink()  # killed after the database: finish
            return Restored(manifest, _count(attachments), resumed=True)
        if pending is not None:  # killed before the database was restored: start again
            shutil.rmtree(attachments)
        _check_empty(settings)
        if attachments.exists() and any(attachments.iterdir()):
            raise BackupError(f"附件目录 {attachments} 不是空的, 未恢复任何数据")
        placed = _place_attachments(unpacked / "attachments", attachments, identity)
        dump = unpacked / manifest.database_member
        try:
            if kind == "sqlite":
                _restore_sqlite(settings.database_url, dump)
            else:
                _restore_postgres(settings.database_url, dump, int(manifest.tool_version or 0))
        except BaseException:
            if placed:
                shutil.rmtree(attachments, ignore_errors=True)
            raise
        if placed:
            (attachments / PENDING_MARKER).unlink()
    return Restored(manifest, _count(attachments) if placed else 0)


def _identity(manifest: Manifest) -> str:
    """Return what names one backup: when it was made and the digest of every member."""
    seen = json.dumps([manifest.created_at, manifest.members], sort_keys=True, default=str)
    return hashlib.sha256(seen.encode()).hexdigest()


def _pending(attachments: Path) -> str | None:
    """Return the backup an interrupted restore was placing here, if one was."""
    try:
        return (attachments / PENDING_MARKER).read_text().strip()
    except (FileNotFoundError, NotADirectoryError):
        return None


def _database_empty(settings: Settings) -> bool:
    try:
        _check_empty(settings)
    except BackupError:
        return False
    return True


def _count(attachments: Path) -> int:
    return sum(1 for path in attachments.rglob("*")
               if path.is_file() and path.name != PENDING_MARKER)


def _place_attachments(unpacked: Path, attachments: Path, identity: str) -> bool:
    """Copy the backup's attachments next to their directory with the marker, then rename
    the copy into place; return whether there were any."""
    if not unpacked.is_dir():
        return False
    attachments.parent.mkdir(parents=True, exist_ok=True)
    staged = attachments.with_name(attachments.name + ".restoring")
    shutil.rmtree(staged, ignore_errors=True)  # a copy a killed restore left
    shutil.copytree(unpacked, staged)
    (staged / PENDING_MARKER).write_text(identity)
    if attachments.exists():
        attachments.rmdir()  # empty: checked above
    os.replace(staged, attachments)
    return True


def _check_key(manifest: Manifest, force_key: bool) -> None:
    wanted = set(manifest.reporter_key_fingerprints)
    if not wanted or force_key:
        return
    have = set(reporter_fingerprints())
    if not wanted <= have:
        shown = ", ".join(sorted(wanted))
        raise BackupError(
            f"举报人密钥与备份不符 (备份的密钥指纹: {shown}): 请设置备份时使用的 "
            "QINGFENG_REPORTER_KEY 或 QINGFENG_REPORTER_KEY_FILE; 确需恢复 (举报人信息将无法解密) "
            "请加 --force-key"
        )


def _check_empty(settings: Settings) -> None:
    if settings.is_sqlite:
        path = _sqlite_path(settings.database_url)
        if path.exists() and path.stat().st_size > 0:
            engine = make_engine(settings.database_url)
            try:
                tables = inspect(engine).get_table_names()
            finally:
                engine.dispose()
            if tables:
                raise BackupError(f"目标数据库 {path} 不是空的 ({len(tables)} 张表): "
                                  "请恢复到新的空数据库, 未恢复任何数据")
        return
    tables = public_tables(settings.database_url)
    if tables:
        raise BackupError(f"目标数据库不是空的 ({len(tables)} 张表): 请恢复到新建的空数据库 "
                          "(createdb), 未恢复任何数据")


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database:
        raise BackupError("SQLite 数据库地址没有文件名")
    return Path(database)


def _restore_sqlite(url: str, dump: Path) -> None:
    path = _sqlite_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_name(path.name + ".restoring")
    shutil.copyfile(dump, staged)
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    os.replace(staged, path)  # the database appears whole or not at all


def _restore_postgres(url: str, dump: Path, dumped_by: int) -> None:
    check_tool("pg_restore", dumped_by)
    target, env = libpq_target(url)
    done = subprocess.run(
        ["pg_restore", "--no-owner", "--no-privileges", "--single-transaction",
         "--exit-on-error", f"--dbname={target}", str(dump)],
        env=env, capture_output=True, text=True,
    )
    if done.returncode != 0:  # one transaction: nothing was kept
        raise BackupError(f"pg_restore 失败, 未恢复任何数据: {done.stderr.strip()}")
