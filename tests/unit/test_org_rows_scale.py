"""Checking an organisation file takes time in proportion to its rows.

Each row's post was looked up in a list of the posts seen so far, and each leader among
every person: 20,500 rows took 10 s in `parse_org` alone and 40,000 about four times
that, where a large unit's file has tens of thousands of people.
"""

import time

from warning.org.rows import Existing, parse_org
from warning.register.rows import RawRow


def _rows(departments: int, people: int) -> list[RawRow]:
    rows = []
    for d in range(departments):
        for p in range(people):
            rows.append(RawRow(len(rows) + 2, {
                "unit_code": "U1", "unit": "单位", "department_code": f"D{d}",
                "department": f"部门{d}", "leader": f"领导{d}", "post": f"岗位{d}-{p}",
                "person": f"人员{d}-{p}"}))
        rows.append(RawRow(len(rows) + 2, {"department_code": f"D{d}", "person": f"领导{d}"}))
    return rows


def test_forty_thousand_rows_are_checked_in_seconds() -> None:
    rows = _rows(800, 50)
    started = time.perf_counter()
    plan, problems = parse_org(rows, Existing())
    elapsed = time.perf_counter() - started
    assert problems == [] and len(plan.posts) == 40_000 and len(plan.people) == 40_800
    assert elapsed < 8, f"{elapsed:.1f} s"
