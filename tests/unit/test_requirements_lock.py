"""The locks pin every distribution the installed package needs, at its version."""

import contextlib
import re
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).parents[2]
LOCKS = ("requirements.lock", "requirements-3.12.lock")


def _locked(lock: str = "requirements.lock") -> dict[str, str]:
    pins = {}
    for line in (ROOT / lock).read_text(encoding="utf-8").splitlines():
        found = re.match(r"^([A-Za-z0-9._-]+)==(\S+)$", line.strip())
        if found:
            pins[canonicalize_name(found.group(1))] = found.group(2)
    return pins


def _needed(name: str, extras: frozenset[str] = frozenset(), seen: set[str] | None = None
            ) -> set[str]:
    """Return the distributions `name` needs, recursively, with markers for this Python."""
    seen = set() if seen is None else seen
    for text in distribution(name).requires or []:
        requirement = Requirement(text)
        environments = [{"extra": e} for e in extras] or [{"extra": ""}]
        if requirement.marker and not any(requirement.marker.evaluate(env)
                                          for env in environments):
            continue
        key = canonicalize_name(requirement.name)
        if key not in seen:
            seen.add(key)
            with contextlib.suppress(PackageNotFoundError):  # checked against the lock anyway
                _needed(requirement.name, frozenset(requirement.extras), seen)
    return seen


@pytest.mark.parametrize("lock", LOCKS)
def test_the_lock_pins_every_dependency_of_the_package(lock: str) -> None:
    locked = _locked(lock)
    missing = sorted(_needed("qingfeng") - set(locked))
    assert missing == [], f"refresh {lock} (docs/install-offline.md): {missing}"


def test_the_locks_for_3_11_and_3_12_pin_the_same_versions() -> None:
    assert _locked("requirements-3.12.lock") == _locked("requirements.lock")
