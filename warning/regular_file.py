"""Read a file the operator named, refusing anything that is not a regular file.

Opening a FIFO blocks until a writer comes, and a device such as /dev/zero never ends:
a rule, channel or holiday file, or the reporter key file, that is one hung the command
or the service at start.
"""

import errno
import stat
from pathlib import Path

NOT_REGULAR = "不是普通文件 (FIFO、设备或套接字), 读取会一直等待"


class NotRegularFileError(OSError):
    """A path that is a FIFO, socket or device: reading it could block for ever."""


def read_regular(path: Path) -> bytes:
    """Read a file's bytes; refuse (OSError) anything but a regular file, links followed."""
    if not stat.S_ISREG(path.stat().st_mode):
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, "is a directory", str(path))
        raise NotRegularFileError(errno.EINVAL, NOT_REGULAR, str(path))
    return path.read_bytes()
