"""The same register file imported twice at once stores each point and post once.

An import reads which points and posts exist, then inserts the rest. Two at once (the
import form sent twice over `serve --workers 2`, or the page beside `qingfeng register
import`) both read "missing": a new point's code failed the unique constraint (a 500) and a
new post was stored twice. An import now takes the lock of the organisation's changes
(warning.db.admin_lock) before it reads, since it adds posts to the organisation too.
"""

import csv
from pathlib import Path

from sqlalchemy import func, select

from tests.integration.test_admin_changes_at_once import _at_once
from warning.db.models import Post, RiskPoint
from warning.register.service import export_register, import_register
from warning.runtime import Runtime


def _file_with_a_new_point(runtime: Runtime, folder: Path) -> Path:
    path = folder / "register.csv"
    with runtime.sessions() as session:
        export_register(session, path)
    with path.open(encoding="utf-8-sig", newline="") as source:
        rows = list(csv.reader(source))
    header, first = rows[0], rows[1]
    added = list(first)
    added[header.index("编号") if "编号" in header else 0] = "BF-001"
    post_column = next(i for i, name in enumerate(header) if "岗位" in name)
    department_column = next(i for i, name in enumerate(header) if "部门" in name)
    added[department_column] = added[department_column] or "CGZX"
    added[post_column] = "并发导入岗位"
    with path.open("w", encoding="utf-8-sig", newline="") as target:
        csv.writer(target).writerows([*rows, added])
    return path


def test_one_file_imported_twice_at_once_stores_each_row_once(
    runtime: Runtime, tmp_path: Path
) -> None:
    path = _file_with_a_new_point(runtime, tmp_path)
    error = _at_once(runtime, lambda s: import_register(s, path),
                     lambda s: import_register(s, path))
    assert error is None, repr(error)
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(RiskPoint)
                              .where(RiskPoint.code == "BF-001")) == 1
        assert session.scalar(select(func.count()).select_from(Post)
                              .where(Post.name == "并发导入岗位")) == 1
