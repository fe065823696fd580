"""Builders for integration tests: a small organisation, register and channel set."""

import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

from sqlalchemy.orm import Session, sessionmaker

from warning.db.models import Department, Person, RiskPoint, Unit
from warning.runtime import Runtime, build_runtime
from warning.settings import load_settings

DATA = Path(__file__).parent / "data"


def seed_org(sessions: sessionmaker[Session]) -> None:
    """Create one unit with three departments, people and four risk points."""
    with sessions() as session, session.begin():
        unit = Unit(code="U1", name="测试单位")
        session.add(unit)
        session.flush()
        for code, name in (("CGZX", "采购中心"), ("CWK", "财务科"), ("BGS", "办公室")):
            session.add(Department(unit_id=unit.id, code=code, name=name))
        session.flush()
        session.add(Person(name="王强", department_id=None, title="副局长"))
        points = [
            ("CG-001", "采购中心", "物资采购中串通投标", "业务流程", "high"),
            ("CG-002", "采购中心", "化整为零规避招标", "制度机制", "medium"),
            ("CW-001", "财务科", "虚报冒领套取资金", "岗位职责", "high"),
            ("BG-001", "办公室", "公车私用", "思想道德", "low"),
        ]
        departments = {d.name: d.id for d in session.query(Department)}
        for code, dept, name, category, level in points:
            session.add(RiskPoint(code=code, name=name, category=category, level=level,
                                  owner_level="department", department_id=departments[dept]))


def child_log() -> IO[bytes]:
    """A file for a long-running child's stderr. A pipe nobody reads fills at 64 KB and then
    blocks the child at its next log line: the served engine stress test hung that way."""
    return tempfile.TemporaryFile()


def log_text(log: IO[bytes], limit: int = 20_000) -> str:
    """The end of what a child wrote to its `child_log()`."""
    log.seek(0)
    return log.read()[-limit:].decode("utf-8", "replace")


def seeded_runtime(db_url: str, rules_dir: Path, channels_dir: Path | None = None,
                   *, settle_s: float = 0) -> Iterator[Runtime]:
    """Yield a runtime with the test organisation, the channels (the test channels by
    default) and the rules of `rules_dir` loaded; close it afterwards. `settle_s` 0: the
    fixture copied the rule files and nothing writes them."""
    settings = load_settings(database_url=db_url, rules_dir=rules_dir,
                             channels_dir=channels_dir or DATA / "channels",
                             intake_batch_wait_ms=1.0, rules_settle_seconds=settle_s)
    rt = build_runtime(settings, load_rules=False)
    seed_org(rt.sessions)
    rt.sync_channels()
    problems = rt.rules.load()
    assert problems == [], problems
    try:
        yield rt
    finally:
        rt.close()


def book_bytes(rows: list[list[object]], merged: Sequence[str] = ()) -> bytes:
    """Return a new .xlsx holding `rows` on its first sheet, the `merged` ranges (such as
    "A2:A4") merged."""
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    for cells in merged:
        sheet.merge_cells(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_book(path: Path, rows: list[list[object]], merged: Sequence[str] = ()) -> Path:
    """Write `book_bytes(rows, merged)` to `path` and return the path."""
    path.write_bytes(book_bytes(rows, merged))
    return path
