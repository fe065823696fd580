"""Check attachments (type by name and content, size) and store them by sha256."""

import base64
import binascii
import contextlib
import errno
import hashlib
import logging
import os
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePath

from warning.domain.sizes import MB, limit_size
from warning.handling.errors import AttachmentNotStored, AttachmentRefused

ZIP = (b"PK\x03\x04",)
OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)  # Compound File: .doc .xls and WPS's .wps .et
# What offices exchange, by extension, and how each file must begin. OOXML and OFD are zip
# packages; WPS's own formats are OLE compound files like the old Office ones.
MAGIC = {
    "pdf": (b"%PDF",), "ofd": ZIP, "docx": ZIP, "xlsx": ZIP, "zip": ZIP,
    "doc": OLE, "xls": OLE, "wps": OLE, "et": OLE,
    "jpg": (b"\xff\xd8\xff",), "jpeg": (b"\xff\xd8\xff",), "png": (b"\x89PNG\r\n\x1a\n",),
}
ALLOWED = (*MAGIC, "txt")
MEDIA_TYPES = {
    "pdf": "application/pdf", "ofd": "application/ofd", "zip": "application/zip",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "doc": "application/msword", "xls": "application/vnd.ms-excel",
    "wps": "application/vnd.ms-works", "et": "application/vnd.ms-excel",
    "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png",
    "txt": "text/plain; charset=utf-8",
}
# Bidirectional overrides and isolates: "\u202etxt.exe" shows as "exe.txt".
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
log = logging.getLogger(__name__)
PART_SUFFIX = ".part"  # a file being written; renamed to its sha256 once whole
DISK_REASONS = {errno.ENOSPC: "磁盘已满", errno.EDQUOT: "磁盘配额已满",
                errno.EROFS: "附件目录只读", errno.EACCES: "无权写入附件目录",
                errno.EPERM: "无权写入附件目录"}
DEFAULT_MAX_BYTES = 5 * MB
MAX_COUNT = 10
MAX_NAME = 200  # as the API's filename field; petition_files.filename holds 255


class AttachmentTooLarge(AttachmentRefused):
    code = "attachment_too_large"


class AttachmentType(AttachmentRefused):
    code = "attachment_type_refused"


@dataclass(frozen=True)
class Prepared:
    """A checked attachment: its metadata for the event and its bytes to store."""

    filename: str
    content: bytes
    sha256: str

    @property
    def meta(self) -> dict[str, object]:
        return {"filename": self.filename, "size": len(self.content), "sha256": self.sha256}


def prepare(
    items: list[tuple[str, str]], max_bytes: int = DEFAULT_MAX_BYTES
) -> list[Prepared]:
    """Decode and check (filename, base64) pairs; refuse the whole lot on the first bad one."""
    if len(items) > MAX_COUNT:
        raise AttachmentRefused(f"附件最多 {MAX_COUNT} 个", f"at most {MAX_COUNT} attachments")
    return [_one(name, data, max_bytes) for name, data in items]


def prepare_files(
    items: list[tuple[str, bytes]], max_bytes: int = DEFAULT_MAX_BYTES
) -> list[Prepared]:
    """Check uploaded (filename, bytes) pairs; refuse the whole lot on the first bad one."""
    if len(items) > MAX_COUNT:
        raise AttachmentRefused(f"附件最多 {MAX_COUNT} 个", f"at most {MAX_COUNT} attachments")
    return [_checked(*_named(name), content, max_bytes) for name, content in items]


def _named(filename: str) -> tuple[str, str]:
    name = PurePath(filename.replace("\\", "/")).name.strip()
    if len(name) > MAX_NAME:
        # petition_files.filename holds 255: PostgreSQL refused a longer name where SQLite
        # kept it (the public report form answered the database's JSON 422, its text lost)
        raise AttachmentRefused(f"附件名称不能超过 {MAX_NAME} 个字，请改名后重新上传",
                                f"attachment name longer than {MAX_NAME} characters")
    if any(unicodedata.category(c) == "Cc" or c in BIDI_CONTROLS for c in name):
        # a control character in a stored name broke every later download of the file (a
        # header value may not hold one) and a direction override disguised its type
        raise AttachmentRefused("附件名称不能包含控制字符或文字方向控制符，请改名后重新上传",
                                "attachment name holds a control or bidi character")
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED:
        raise AttachmentType(
            f"附件“{name}”类型不允许，仅限 {', '.join(ALLOWED)}",
            f"attachment {name!r}: type not allowed (allowed: {', '.join(ALLOWED)})",
        )
    return name, ext


def _one(filename: str, data: str, max_bytes: int) -> Prepared:
    name, ext = _named(filename)
    if len(data) > max_bytes * 4 // 3 + 8:
        raise _too_large(name, max_bytes)
    try:
        content = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise AttachmentRefused(f"附件“{name}”不是合法的 base64", f"{name!r}: bad base64") from None
    return _checked(name, ext, content, max_bytes)


def _checked(name: str, ext: str, content: bytes, max_bytes: int) -> Prepared:
    if not content:
        # an empty file is never the report meant (a failed download, a cloud placeholder),
        # and a plain-text one passed every other check
        raise AttachmentRefused(f"附件“{name}”是空文件（0 字节），请检查后重新上传",
                                f"attachment {name!r} is empty")
    if len(content) > max_bytes:
        raise _too_large(name, max_bytes)
    if not _looks_like(ext, content):
        raise AttachmentType(f"附件“{name}”内容与类型不符", f"{name!r}: content is not {ext}")
    return Prepared(name, content, hashlib.sha256(content).hexdigest())


def _too_large(name: str, max_bytes: int) -> AttachmentTooLarge:
    return AttachmentTooLarge(f"附件“{name}”超过 {limit_size(max_bytes)} 上限",
                              f"attachment {name!r} exceeds {max_bytes} bytes")


def extension(filename: str) -> str:
    """Return a stored attachment's lower-case extension ("" when it has none)."""
    name = PurePath(filename.replace("\\", "/")).name
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def matches_type(filename: str, content: bytes) -> bool:
    """Tell whether `content` is what its file name says (an allowed type and its signature)."""
    ext = extension(filename)
    return ext in ALLOWED and _looks_like(ext, content)


def stored_path(directory: Path, sha256: str) -> Path:
    """Return where the attachment with this sha256 is kept."""
    return directory / sha256[:2] / sha256


def _looks_like(ext: str, content: bytes) -> bool:
    if ext == "txt":
        if b"\x00" in content:
            return False
        for encoding in ("utf-8", "gb18030"):
            try:
                content.decode(encoding)
                return True
            except UnicodeDecodeError:
                continue
        return False
    return content.startswith(MAGIC[ext])


def store(prepared: list[Prepared], directory: Path) -> None:
    """Write each attachment once, under its sha256; raise AttachmentNotStored if the disk
    refuses (callers store before they commit, so the action is then not recorded)."""
    for item in prepared:
        target = stored_path(directory, item.sha256)
        if target.exists():
            continue
        partial: Path | None = None
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            # A name of its own for each writer: two requests storing the same file at once
            # wrote one shared `.part`, the first renamed it while the second was still
            # writing into it, and the second's rename found nothing (its action refused).
            handle, name = tempfile.mkstemp(prefix=f"{item.sha256}.", suffix=PART_SUFFIX,
                                            dir=target.parent)
            partial = Path(name)
            with os.fdopen(handle, "wb") as out:
                out.write(item.content)
                out.flush()
                os.fsync(out.fileno())  # whole on disk before the action commits
            # (mkstemp's mode 0600: attachments of petitions are confidential; only the
            # service's own user reads them)
            os.replace(partial, target)  # atomic; the same bytes if another writer won
        except OSError as error:
            if partial is not None:
                _discard(partial)
            raise _not_stored(item.filename, error) from None


def _discard(partial: Path) -> None:
    # A disk that filled midway left part of the file; an unwritable directory has none.
    with contextlib.suppress(OSError):
        partial.unlink(missing_ok=True)


def _not_stored(name: str, error: OSError) -> AttachmentNotStored:
    reason = os.strerror(error.errno) if error.errno else type(error).__name__
    log.error("attachment %r not stored: %s", name, error)
    shown = DISK_REASONS.get(error.errno or 0, "附件目录不可写")
    return AttachmentNotStored(
        f"附件“{name}”无法保存到服务器（{shown}），本次办理未保存，请联系管理员",
        f"attachment {name!r} not stored: {reason}")
