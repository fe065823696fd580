"""What pages and API read from the app's state: attachment settings, the reporter cipher."""

from pathlib import Path

from fastapi import Request

from warning.handling import attachments as files
from warning.petitions.keys import ReporterCipher, ReporterKeySettings, load_cipher


def attachment_settings(request: Request) -> tuple[Path, int]:
    """Return where attachments are stored and the largest one accepted."""
    state = request.app.state
    runtime = getattr(state, "runtime", None)
    settings = getattr(runtime, "settings", None)
    directory = getattr(state, "attachments_dir", None) or getattr(
        settings, "attachments_dir", Path("attachments"))
    limit = getattr(state, "max_attachment_bytes", None) or getattr(
        settings, "max_attachment_bytes", files.DEFAULT_MAX_BYTES)
    return Path(directory), int(limit)


def get_reporter_cipher(request: Request) -> ReporterCipher | None:
    """Return the app's reporter cipher, read from the environment on first use."""
    state = request.app.state
    if not hasattr(state, "reporter_cipher"):
        state.reporter_cipher = load_cipher(ReporterKeySettings())
    cipher: ReporterCipher | None = state.reporter_cipher
    return cipher
