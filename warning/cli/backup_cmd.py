"""`qingfeng backup FILE` and `qingfeng restore FILE`."""

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import click

from warning.cli.errors import InputFile, OutputFile


@contextmanager
def _clean_up_on_sigterm() -> Iterator[None]:
    """Turn SIGTERM (a timer's timeout, systemctl stop) into an exit that runs clean-up:
    Python's default ends the process at once, leaving the database copy behind."""

    def stop(number: int, _: FrameType | None) -> None:
        raise SystemExit(128 + number)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@click.command("backup")
@click.argument("path", type=OutputFile())
def backup(path: Path) -> None:
    """Back up the database and attachments into one archive (safe while the service runs)."""
    from warning.cli.common import fail
    from warning.ops.archive import BackupError
    from warning.ops.backup import make_backup
    from warning.settings import load_settings

    try:
        with _clean_up_on_sigterm():
            manifest = make_backup(load_settings(), path)
    except BackupError as error:
        fail(str(error))
    files = len(manifest.members) - 1
    keys = ", ".join(manifest.reporter_key_fingerprints) or "无"
    click.echo(f"已备份到 {path}: {manifest.database_kind} 数据库 (版本 {manifest.revision}), "
               f"附件 {files} 个, 举报人密钥指纹 {keys}")


@click.command("restore")
@click.argument("path", type=InputFile())
@click.option("--force-key", is_flag=True,
              help="举报人密钥与备份不符时仍然恢复 (举报人信息将无法解密)")
def restore(path: Path, force_key: bool) -> None:
    """Restore an archive into an empty database; then run `qingfeng db upgrade`."""
    from warning.cli.common import fail
    from warning.ops.archive import BackupError
    from warning.ops.restore import restore_backup
    from warning.settings import load_settings

    try:
        done = restore_backup(load_settings(), path, force_key=force_key)
    except BackupError as error:
        fail(str(error))
    from warning.db.migrate import head_revision

    settings = load_settings()
    newest = head_revision(settings.database_url)
    then = ("; 备份较旧, 请运行 qingfeng db upgrade" if done.manifest.revision != newest
            else "; 已是最新版本")
    if done.resumed:
        click.echo("上次恢复在最后一步被中断, 数据库已恢复; 本次完成了剩余步骤")
    click.echo(f"已从 {path} 恢复: 数据库版本 {done.manifest.revision}, 附件 {done.attachments} 个 "
               f"(备份于 {done.manifest.created_at}){then}")
