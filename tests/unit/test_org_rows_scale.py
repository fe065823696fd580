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


def _checked(departments: int) -> float:
    rows = _rows(departments, 50)
    started = time.process_time()
    plan, problems = parse_org(rows, Existing())
    elapsed = time.process_time() - started
    assert problems == [] and len(plan.posts) == departments * 50
    assert len(plan.people) == departments * 51
    return elapsed


def test_four_times_the_rows_take_about_four_times_as_long() -> None:
    """The bound is the growth, not seconds (a loaded machine slows both runs alike):
    linear work gives 4x, the lookups in lists gave 16x."""
    small = min(_checked(200) for _ in range(2))
    large = _checked(800)  # 40,000 posts, 40,800 people
    assert large < 8 * small + 0.2, f"{large:.2f} s against {small:.2f} s for a quarter"
