"""The backup archive: a gzipped tar of the database copy, the attachments and a manifest.

The manifest is written last and lists every member's size and sha256, so an archive cut
short (a full disk, a copy interrupted) is recognised before anything is restored.
"""

import hashlib
import io
import json
import tarfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

MANIFEST = "manifest.json"
FORMAT = 1


class BackupError(RuntimeError):
    """A backup or restore that cannot go on; the message is for the operator, in Chinese."""


@dataclass
class Manifest:
    """What a backup holds and where it came from."""

    format: int
    created_at: str
    qingfeng_version: str
    database_kind: str  # "sqlite" or "postgresql"
    revision: str | None
    database_member: str
    reporter_key_fingerprints: list[str]
    tool_version: str = ""  # pg_dump's major version on PostgreSQL
    members: dict[str, dict[str, object]] = field(default_factory=dict)


def sha256_of(path: Path) -> str:
    """Return the hex sha256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def key_fingerprint(key: str) -> str:
    """Return a short fingerprint of a reporter key that reveals nothing of the key."""
    return hashlib.sha256(b"qingfeng reporter key\0" + key.encode()).hexdigest()[:16]


def write_archive(
    target: Path, manifest: Manifest, files: dict[str, Path], partial: Path
) -> None:
    """Write `files` (archive name -> file) and the manifest into `partial` (on the target's
    file system), then rename it: the target appears only whole."""
    with tarfile.open(partial, "w:gz") as tar:
        for name, path in files.items():
            manifest.members[name] = {"size": path.stat().st_size, "sha256": sha256_of(path)}
            tar.add(path, arcname=name, recursive=False)
        body = json.dumps(asdict(manifest), ensure_ascii=False, indent=2).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
    partial.replace(target)


def read_archive(source: Path, into: Path) -> Manifest:
    """Extract an archive into `into` and check every member; raise BackupError if damaged."""
    damaged = f"备份文件 {source.name} 不完整或已损坏 (截断或被修改), 未恢复任何数据"
    try:
        with tarfile.open(source, "r:gz") as tar:
            tar.extractall(into, filter="data")
    except FileNotFoundError:
        raise BackupError(f"找不到备份文件 {source}") from None
    except (tarfile.TarError, EOFError, OSError, ValueError) as error:
        raise BackupError(f"{damaged}: {type(error).__name__}") from None
    manifest_path = into / MANIFEST
    if not manifest_path.is_file():
        raise BackupError(f"{damaged}: 缺少 {MANIFEST}")
    try:
        manifest = Manifest(**json.loads(manifest_path.read_text(encoding="utf-8")))
    except (ValueError, TypeError) as error:
        raise BackupError(f"{damaged}: {MANIFEST} 无法读取 ({error})") from None
    if manifest.format != FORMAT:
        raise BackupError(f"备份格式 {manifest.format} 不受支持 (本版本读格式 {FORMAT})")
    for name, expected in manifest.members.items():
        path = into / name
        if not path.is_file() or sha256_of(path) != expected["sha256"]:
            raise BackupError(f"{damaged}: {name} 校验不符")
    return manifest
