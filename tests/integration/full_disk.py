"""A real full disk for tests: a small tmpfs mounted in the test's directory, then filled.

Mounting needs root, as CI runs; elsewhere the tests that need it skip saying so.
"""

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def small_disk() -> Iterator["SmallDisks"]:
    """Yield a mounter of small tmpfs disks; unmount them after the test."""
    disks = SmallDisks()
    yield disks
    disks.unmount_all()


class SmallDisks:
    """Mount small tmpfs disks and fill them."""

    def __init__(self) -> None:
        self.mounted: list[Path] = []

    def mount(self, where: Path, size: str = "4k") -> Path:
        """Mount an empty tmpfs of `size` at `where` (made if missing); return `where`."""
        where.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                               str(where)], capture_output=True, text=True)
        if done.returncode != 0:
            message = ("a full disk is simulated with a tmpfs mount, which needs root: "
                       + done.stderr.strip())
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message + " (run the tests as root, as CI does)")
        self.mounted.append(where)
        return where

    @staticmethod
    def fill(where: Path) -> None:
        """Take every free byte of the disk mounted at `where`."""
        with contextlib.suppress(OSError), (where / "filler").open("wb") as filler:
            while True:
                filler.write(b"\0" * 4096)
                filler.flush()

    @staticmethod
    def free(where: Path) -> None:
        """Give back what `fill` took."""
        (where / "filler").unlink(missing_ok=True)

    def unmount_all(self) -> None:
        """Unmount every disk this mounted (lazily: a file may still be open on one)."""
        while self.mounted:
            subprocess.run(["umount", "-l", str(self.mounted.pop())], check=False)
