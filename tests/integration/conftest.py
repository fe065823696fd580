"""Fixtures for integration tests: a runtime on the test database with test rules."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import DATA, seed_org
from warning.runtime import Runtime, build_runtime
from warning.settings import load_settings


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
    settings = load_settings(
        database_url=db_url, rules_dir=rules_dir, channels_dir=DATA / "channels",
        intake_batch_wait_ms=1.0,
    )
    rt = build_runtime(settings, load_rules=False)
    seed_org(rt.sessions)
    rt.sync_channels()
    problems = rt.rules.load()
    assert problems == [], problems
    yield rt
    rt.close()
