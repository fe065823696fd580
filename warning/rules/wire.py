"""The engine pipe's framing: one length-prefixed pickle per message."""

import pickle
import struct
from typing import IO

FRAME = struct.Struct("<I")


def read_frame(stream: IO[bytes]) -> object:
    """Read one message; EOFError when the other side has gone."""
    head = stream.read(FRAME.size)
    if len(head) < FRAME.size:
        raise EOFError
    size = FRAME.unpack(head)[0]
    body = stream.read(size)
    if len(body) < size:
        raise EOFError
    return pickle.loads(body)


def frame(message: object) -> bytes:
    """Return one message as it crosses the pipe: its length, then its pickle."""
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return FRAME.pack(len(body)) + body


def write_frame(stream: IO[bytes], message: object) -> None:
    """Write one message and flush it."""
    stream.write(frame(message))
    stream.flush()
