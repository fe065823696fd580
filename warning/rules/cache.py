"""A cache of parsed rule files, so a command does not re-read 2,000 rules on every run.

Parsing and validating 2,000 rules (YAML with line numbers, then pydantic) took ~0.2 s of
CPU at every `qingfeng signal import`; unpickling the result takes ~0.02 s. An entry holds
the rules of one directory and a key: the sha256 of every rule file's shown name and bytes,
and of the code that parses them (the rule modules' source, pydantic's and Python's
versions). So an edited, added or removed file, or a changed parser, never reads a stale
entry: the files are parsed again and the entry replaced.

- Only rule files that parsed without any problem are cached. What depends on the database
  (risk point, department and channel codes, duplicate ids across files) and the grading
  file are checked on every load, cached or not.
- One entry per rules directory, replaced whole: the writer writes a temporary file beside
  it and renames it over the entry (atomic), so a reader sees the old entry or the new one,
  never half of one; two processes compiling at once both write complete entries.
- Anything wrong with an entry (unreadable, truncated, not a pickle, another key, objects
  missing a field) is a miss, never an error: the rules are parsed again and the entry
  rewritten. The key hashes the code files on disk, which a process that loaded the code
  before an upgrade replaced them writes under too: its rules lacked the new field and every
  later command failed on them (AttributeError) until the files changed, so each object
  read is checked to hold every field its class has now.
- Pickle runs code from what it reads, so an entry is read only from a file owned by this
  user and writable by no one else, in a directory made 0700 (the data directory, which
  holds the SQLite database too).
"""

import dataclasses
import hashlib
import logging
import os
import pickle
import sys
import tempfile
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
FORMAT = b"qingfeng-rulebook-cache 1"
_CODE = Path(__file__).resolve().parent
_DOMAIN = _CODE.parent / "domain"


@cache
def code_key() -> bytes:
    """Return the digest of what the cached objects depend on besides the rule files."""
    import pydantic

    digest = hashlib.sha256(FORMAT)
    digest.update(f"{sys.version_info[:3]} {pydantic.VERSION}".encode())
    for path in [*sorted(_CODE.glob("*.py")), _DOMAIN / "enums.py", _DOMAIN / "grading.py"]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.digest()


def content_key(files: Sequence[tuple[str, bytes]]) -> bytes:
    """Return the key of a directory's rule files: (shown name, bytes) in load order."""
    digest = hashlib.sha256(code_key())
    for shown, raw in files:
        digest.update(b"\0" + shown.encode() + b"\0" + hashlib.sha256(raw).digest())
    return digest.digest()


class RulebookCache:
    """Parsed rules by the content of their files, kept in one file per rules directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _entry(self, rules_dir: Path) -> Path:
        name = hashlib.sha256(str(rules_dir.resolve()).encode()).hexdigest()[:24]
        return self.directory / f"rulebook-{name}.pickle"

    def get(self, rules_dir: Path, files: Sequence[tuple[str, bytes]]) -> tuple[Any, ...] | None:
        """Return the cached rules of these files, or None (absent, stale or unusable)."""
        try:
            with self._entry(rules_dir).open("rb") as handle:
                info = os.fstat(handle.fileno())
                if info.st_uid != os.getuid() or info.st_mode & 0o022:
                    log.warning("rule cache %s not trusted (owner or mode); ignored", handle.name)
                    return None
                key, rules = pickle.load(handle)
        except FileNotFoundError:
            return None
        except Exception as error:  # a truncated or foreign entry is a miss, never a failure
            log.info("rule cache unreadable (%s); the rules are parsed again", error)
            return None
        if key != content_key(files) or not isinstance(rules, tuple):
            return None
        if not all(map(whole, rules)):
            log.info("rule cache written by other code (a field missing); parsed again")
            return None
        return rules

    def put(self, rules_dir: Path, files: Sequence[tuple[str, bytes]], rules: tuple[Any, ...]
            ) -> None:
        """Store the parsed rules of these files; a failure to write is logged, not raised."""
        body = pickle.dumps((content_key(files), rules), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=self.directory, prefix=".rulebook-")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(body)
                os.replace(temporary, self._entry(rules_dir))
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError as error:
            log.info("rule cache not written (%s)", error)


def whole(value: object) -> bool:
    """Whether an unpickled object, and each one it holds, has every field its class has
    (dataclasses and pydantic models; tuples, lists and dict values are looked into)."""
    if isinstance(value, tuple | list):
        return all(map(whole, value))
    if isinstance(value, dict):
        return all(map(whole, value.values()))
    names: list[str] = []
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = [f.name for f in dataclasses.fields(value)]
    elif hasattr(type(value), "model_fields") and not isinstance(value, type):
        names = list(type(value).model_fields)  # type: ignore[attr-defined]
    else:
        return True
    held = vars(value)
    return all(name in held and whole(held[name]) for name in names)

