"""requirements.lock pins every distribution the installed package needs, at its version."""

import contextlib
import re
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

LOCK = Path(__file__).parents[2] / "requirements.lock"


def _locked() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
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


def test_the_lock_pins_every_dependency_of_the_package() -> None:
    locked = _locked()
    missing = sorted(_needed("qingfeng") - set(locked))
    assert missing == [], f"refresh requirements.lock (docs/install-offline.md): {missing}"
