"""Known, not yet fixed: a warning's number tells a department of the proposals between.

A warning's id is assigned when it is raised, before the office's 研判. 采购中心 reads two
warnings raised one after the other by audit findings, numbered 31 and 33: the 32 between
them is a petition about them that the office holds (待研判), or later dismissed. Nothing
else of it reaches them (test_demo_department_unmoved), but the gap does, on every list,
page, export, notice and URL that names a warning.

The fix needs a number a department reads that is given at 下达 (issue), and URLs and API
fields that carry it or an opaque reference instead of the id: see the branch's report. This
test reads the number a department is shown today (the id) and is expected to fail until
then; when that number is replaced it must read the new one.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.demo_world import DemoWorld, build_demo_world
from warning.services.signal_input import SignalIn

AUDIT = {"channel": "audit", "department": "CGZX"}
FIRST = {**AUDIT, "external_id": "SJ-N-1", "title": "办公耗材采购拆分", "person": "朱玉梅",
         "text": "同一供应商的办公耗材采购被拆分为5笔，规避集中采购。", "amount": 60000}
PETITION = {"channel": "petition", "department": "CGZX", "external_id": "XF-N-1",
            "title": "反映收受购物卡", "person": "徐志刚",
            "text": "中秋节前，供应商给采购员徐志刚送购物卡2张，每张1000元。"}
SECOND = {**AUDIT, "external_id": "SJ-N-2", "title": "劳保用品采购拆分", "person": "钱卫东",
          "text": "同一供应商的劳保用品采购被拆分为4笔，规避集中采购。", "amount": 70000}


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[DemoWorld]:
    yield from build_demo_world(db_url, tmp_path)


def _raise(world: DemoWorld, fields: dict[str, object]) -> int:
    [outcome] = world.runtime.intake.ingest([SignalIn(**fields)])  # type: ignore[arg-type]
    [warning] = outcome.warnings
    assert warning.new, outcome
    return warning.id


@pytest.mark.xfail(strict=True, reason="warning numbers are assigned when raised, before "
                   "研判; a department-facing number given at 下达 is not built yet")
def test_a_held_petition_leaves_no_gap_in_the_numbers_a_department_reads(
    world: DemoWorld,
) -> None:
    first, held, second = _raise(world, FIRST), _raise(world, PETITION), _raise(world, SECOND)
    shown = [item["id"] for item in world.get("cgzx", "/api/warnings", limit=500)["items"]]
    assert held not in shown and {first, second} <= set(shown)
    # no warning was issued between the two: their numbers follow one another
    assert second == first + 1
