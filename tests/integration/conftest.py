"""Fixtures for integration tests: a runtime on the test database with test rules."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.full_disk import small_disk  # noqa: F401 (a fixture)
from tests.integration.triage_world import worlds  # noqa: F401 (a fixture)
from tests.support import DATA, seeded_runtime
from warning.runtime import Runtime


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    """A private copy of the test rule files, so a test may edit them."""
    target = tmp_path / "rules"
    shutil.copytree(DATA / "rules", target)
    grading = Path(__file__).parents[2] / "rules" / "grading.yaml"
    if grading.exists() and not (target / "grading.yaml").exists():
        shutil.copy(grading, target / "grading.yaml")
    return target


@pytest.fixture
def runtime(db_url: str, rules_dir: Path) -> Iterator[Runtime]:
    """A runtime with the test organisation, channels and rules loaded."""
    yield from seeded_runtime(db_url, rules_dir)
