"""Domain errors of the handling service; the web layer maps each code to a status."""

from warning.domain.lifecycle import DomainError


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "version_conflict"

    def __init__(self, state: str, version: int, seen: int | None = None) -> None:
        super().__init__(
            f"处置记录已被他人修改（当前状态“{state}”，版本 {version}），请刷新后重试",
            f"the record changed (state {state!r}, version {version}); reload and retry",
            state=state, version=version, seen=seen,
        )
        self.state = state
        self.version = version


class AttachmentRefused(DomainError):
    code = "attachment_refused"


class AttachmentNotStored(DomainError):
    """The server could not write a checked file (a full disk, a read-only directory)."""

    code = "attachment_not_stored"


def not_found(warning_id: int) -> NotFound:
    """Return the error for a warning that does not exist or is not visible."""
    return NotFound(f"预警 {warning_id} 不存在", f"warning {warning_id} not found")
