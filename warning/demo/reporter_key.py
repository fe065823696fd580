"""The demo's reporter key: made once in the data directory, so that a named petition
works in `serve --demo`. A real office keeps its key outside the data directory and the
backups (docs/petitions.md); the demo says where its key is."""

import os
from pathlib import Path

from warning.petitions.errors import ReporterKeyError
from warning.petitions.keys import (
    KEY_FILE_VARIABLE,
    ReporterKeySettings,
    configured_keys,
    generate_key,
)

DEMO_KEY_NAME = "demo-reporter.key"


def demo_reporter_key(data_dir: Path) -> Path | None:
    """Point QINGFENG_REPORTER_KEY_FILE (read by this process and its HTTP workers) at the
    demo's key, made on first use with mode 0600, when no key is configured; return its
    path, or None when a key is configured (or named, even unreadably: start-up says so)."""
    try:
        if configured_keys(ReporterKeySettings()):
            return None
    except ReporterKeyError:
        return None
    path = data_dir / DEMO_KEY_NAME
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass  # made by an earlier demo run: its petitions' reporters open with it
    else:
        with os.fdopen(handle, "w", encoding="ascii") as key_file:
            key_file.write(generate_key() + "\n")
    os.environ[KEY_FILE_VARIABLE] = str(path)
    return path
