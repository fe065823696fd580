"""Open a stored attachment of a handling record, for whoever may see the record.

An attachment is found through the record's events (each event lists the files it carried),
so the warning's visibility decides who may open it, as for the record itself. Before it is
sent the stored bytes are checked again against the type its name claims: a file whose
content is not what it says is refused rather than handed to a browser.
"""

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.handling.attachments import MEDIA_TYPES, extension, matches_type, stored_path
from warning.handling.errors import AttachmentRefused, NotFound
from warning.handling.records import events_of


class AttachmentMismatch(AttachmentRefused):
    code = "attachment_content_mismatch"


@dataclass(frozen=True)
class Download:
    """A checked attachment ready to send."""

    filename: str
    media_type: str
    content: bytes


def open_attachment(
    session: Session, *, warning_id: int, sha256: str, principal: Principal | None,
    directory: Path,
) -> Download:
    """Return the attachment `sha256` of a warning's record; NotFound unless it is there."""
    names = [
        str(item.get("filename") or "附件")
        for event in events_of(session, warning_id=warning_id, principal=principal)
        for item in (event.data or {}).get("attachments", [])
        if isinstance(item, dict) and item.get("sha256") == sha256
    ]
    path = stored_path(directory, sha256)
    if not names or not path.is_file():
        raise NotFound(f"预警 {warning_id} 没有这个附件", f"warning {warning_id} has no such "
                       "attachment")
    content = path.read_bytes()
    filename = names[0]
    if not matches_type(filename, content):
        raise AttachmentMismatch(f"附件“{filename}”的内容与其类型不符，已拒绝下载",
                                 f"attachment {filename!r}: content does not match its type")
    return Download(filename, MEDIA_TYPES.get(extension(filename), "application/octet-stream"),
                    content)
