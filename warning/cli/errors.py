"""Turn the failures an operator causes (a path, a database address) into one Chinese line.

A command that writes to a directory that does not exist, reads a file it may not, or
names a database that is down would otherwise end in a Python traceback. These are the
operator's to fix, so they get what failed, where, and what to check, and exit 1.
"""

import errno
import sys
from pathlib import Path
from typing import Any

import click

# errno -> what it means to someone who typed a path
FILE_REASONS: dict[int, str] = {
    errno.ENOENT: "文件或所在目录不存在",
    errno.EACCES: "没有权限",
    errno.EPERM: "没有权限",
    errno.EISDIR: "这是一个目录, 不是文件",
    errno.ENOTDIR: "路径中有一段不是目录",
    errno.ENOSPC: "磁盘空间不足",
    errno.EROFS: "文件系统只读",
    errno.EEXIST: "已存在",
}


def explain(error: BaseException) -> str | None:
    """Return a Chinese line for an operator's mistake, or None for anything else (a bug)."""
    if isinstance(error, OSError) and error.filename is not None:
        reason = FILE_REASONS.get(error.errno or 0, error.strerror or type(error).__name__)
        return f"无法读写 {error.filename}: {reason} ({error.strerror})"
    domain = sys.modules.get("warning.domain.lifecycle")
    if domain is not None and isinstance(error, domain.DomainError):
        return str(error.message)  # a refusal with its Chinese message (e.g. the reporter key)
    exc = sys.modules.get("sqlalchemy.exc")  # not imported: it cannot be a database error
    if exc is not None and isinstance(error, exc.OperationalError | exc.InterfaceError) and (
        error.statement is None or error.connection_invalidated
    ):  # connecting failed, or the connection was lost; not a statement SQLite refused
        detail = str(getattr(error, "orig", None) or error).strip().splitlines()
        first = detail[0] if detail else type(error).__name__
        return (f"无法访问数据库 (QINGFENG_DATABASE_URL): {first}; 请检查数据库服务是否在运行、"
                "地址、数据库名和权限是否正确 (database unreachable)")
    return None


class InputFile(click.Path):
    """A file to read: a missing one, a directory, or anything but a regular file (a FIFO,
    a device) is refused in Chinese, not click's English. Opening a FIFO blocks until a
    writer comes and /dev/zero never ends: every import and `restore` hung on them."""

    def __init__(self) -> None:
        super().__init__(exists=True, dir_okay=False, path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        path = Path(value)
        problem = ("不存在" if not path.exists() else
                   "是一个目录, 不是文件" if path.is_dir() else
                   "不是普通文件 (FIFO、设备或套接字), 读取它会一直等待" if not path.is_file()
                   else None)
        if problem:
            click.secho(f"文件 {value} {problem}, 未做任何操作", fg="red", err=True)
            sys.exit(1)
        return super().convert(value, param, ctx)


class OutputFile(click.Path):
    """A file to write: a directory, or an existing path that is not a regular file (a
    FIFO, a device), is refused in Chinese. Opening a FIFO to write blocks until a reader
    comes: an export, a backup or a review written to one hung."""

    def __init__(self) -> None:
        super().__init__(dir_okay=False, writable=True, path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        path = Path(value)
        problem = ("是一个目录, 不是文件" if path.is_dir() else
                   "不是普通文件 (FIFO、设备或套接字), 写入它会一直等待"
                   if path.exists() and not path.is_file() else None)
        if problem:
            click.secho(f"文件 {value} {problem}, 未做任何操作", fg="red", err=True)
            sys.exit(1)
        return super().convert(value, param, ctx)

