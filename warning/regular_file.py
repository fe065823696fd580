"""Read a file the operator named, refusing anything that is not a regular file.

Opening a FIFO blocks until a writer comes, and a device such as /dev/zero never ends:
a rule, channel or holiday file, or the reporter key file, that is one hung the command
or the service at start. The file is opened without blocking and its type checked on the
open descriptor, so a file swapped for a FIFO between a check and the read cannot block
the reader either; a `limit` bounds what is read (rule files: warning.rules.loader).
"""

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

NOT_REGULAR = "不是普通文件 (FIFO、设备或套接字), 读取会一直等待"


class NotRegularFileError(OSError):
    """A path that is a FIFO, socket or device: reading it could block for ever."""


class TooLargeError(OSError):
    """A file over the limit its reader set."""


def open_regular(path: Path) -> BinaryIO:
    """Open a file for reading bytes; refuse (OSError) anything but a regular file (links
    followed), without blocking on a FIFO."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    handle = os.fdopen(fd, "rb")
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "is a directory", str(path))
        if not stat.S_ISREG(mode):
            raise NotRegularFileError(errno.EINVAL, NOT_REGULAR, str(path))
    except OSError:
        handle.close()
        raise
    return handle


def read_regular(path: Path, limit: int | None = None) -> bytes:
    """Read a file's bytes, at most `limit` of them; refuse (OSError) anything but a
    regular file (links followed) and a file over the limit."""
    with open_regular(path) as handle:
        raw = handle.read() if limit is None else handle.read(limit + 1)
    if limit is not None and len(raw) > limit:
        raise TooLargeError(errno.EFBIG, f"文件过大 (file too large): 超过 {limit} 字节",
                            str(path))
    return raw
