"""The engine pipe's framing: one length-prefixed pickle per message."""

import pickle
import struct
from typing import IO

_FRAME = struct.Struct("<I")


def read_frame(stream: IO[bytes]) -> object:
    """Read one message; EOFError when the other side has gone."""
    head = stream.read(_FRAME.size)
    if len(head) < _FRAME.size:
        raise EOFError
    size = _FRAME.unpack(head)[0]
    body = stream.read(size)
    if len(body) < size:
        raise EOFError
    return pickle.loads(body)


def write_frame(stream: IO[bytes], message: object) -> None:
    """Write one message and flush it."""
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_FRAME.pack(len(body)) + body)
    stream.flush()
