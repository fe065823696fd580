"""A warning's id tells a department nothing of the warnings between its own.

A warning's id is given when it is raised, before the office's 研判. Given in sequence,
采购中心 read two warnings raised one after the other by audit findings as 31 and 33: the 32
between them was a petition about them that the office holds (待研判), or later dismissed,
and the gap reached them on every list, page, export, notice and URL that names a warning.
Ids are now a keyed permutation of the sequence (warning.db.opaque_ids): neither their
order nor their distance follows the order warnings were raised.
"""

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

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


def test_a_held_petition_leaves_no_trace_in_the_ids_a_department_reads(
    world: DemoWorld,
) -> None:
    first, held, second = _raise(world, FIRST), _raise(world, PETITION), _raise(world, SECOND)
    more = [_raise(world, {**SECOND, "external_id": f"SJ-N-{n}", "person": f"采购员{n}号"})
            for n in range(3, 23)]
    raised = [first, second, *more]
    shown = [item["id"] for item in world.get("cgzx", "/api/warnings", limit=500)["items"]]
    assert held not in shown and set(raised) <= set(shown)
    # listed newest first by when they were raised, not by id
    assert [i for i in shown if i in raised] == raised[::-1]
    # the ids in raise order neither rise nor fall in step, nor sit next to one another
    assert raised not in (sorted(raised), sorted(raised, reverse=True))
    assert min(abs(b - a) for a, b in itertools.pairwise(raised)) > 1
    # the office reads the same ids, the held petition among them
    office = [item["id"] for item in world.get("jjjcs", "/api/warnings", limit=500)["items"]]
    assert held in office and set(raised) <= set(office)


def test_an_id_a_warning_already_holds_is_passed_over(world: DemoWorld) -> None:
    """Ids given in sequence before 0011a, or under the key of an earlier upgrade, are
    stored among the new ones; the next number drawn may fall on one."""
    held = _raise(world, FIRST)
    with world.runtime.sessions() as session, session.begin():  # the next draw repeats it
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT setval('warnings_numbers', 1, false)"))
        else:
            session.execute(text("UPDATE id_counters SET last = 0"))
    ids = [_raise(world, {**SECOND, "external_id": f"SJ-F-{n}", "person": f"采购员{n}号"})
           for n in range(3)]
    assert held not in ids and len(set(ids)) == 3


def test_the_schema_goes_back_below_opaque_ids_and_up_again_keeping_every_id(
    world: DemoWorld, db_url: str,
) -> None:
    from alembic import command

    from warning.db.migrate import alembic_config

    before = {_raise(world, FIRST), _raise(world, SECOND)}
    world.runtime.engine.dispose()
    command.downgrade(alembic_config(db_url), "0010g_r17")
    command.upgrade(alembic_config(db_url), "head")
    after = {_raise(world, {**SECOND, "external_id": f"SJ-U-{n}", "person": f"采购员{n}号"})
             for n in range(3)}
    with world.runtime.sessions() as session:
        stored = set(session.scalars(text("SELECT id FROM warnings")))
    assert before | after <= stored and len(after) == 3 and not before & after
