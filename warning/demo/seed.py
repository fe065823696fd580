"""Load the demo data into an empty database."""

from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import func, select

from warning.db.models import Unit
from warning.demo.users import seed_users
from warning.runtime import Runtime
from warning.services.signal_files import RowError, read_rows, to_signal

DATA = Path(__file__).parent / "data"


class DemoRefused(RuntimeError):
    """The demo's rules (from the configured rules directory) did not load."""


def seed_demo(runtime: Runtime) -> Iterator[str]:
    """Load org, register, rules and sample signals unless the database has a unit already."""
    from warning.demo.load import load_org, load_register

    with runtime.sessions() as session:
        if session.scalar(select(func.count()).select_from(Unit)):
            yield "数据库已有数据，跳过演示数据 (demo data skipped: database not empty)"
            return
    with runtime.sessions() as session, session.begin():
        load_org(session)
    with runtime.sessions() as session, session.begin():
        load_register(session)
    runtime.sync_channels()
    problems = runtime.rules.load()
    if problems:
        raise DemoRefused("演示规则未通过检查 (demo rules refused):\n"
                          + "\n".join(str(p) for p in problems))
    yield from seed_users(runtime)
    items = []
    for line, raw in read_rows(DATA / "signals.jsonl"):
        parsed = to_signal(line, raw, None)
        if isinstance(parsed, RowError):
            raise RuntimeError(f"demo signals: {parsed}")
        items.append(parsed)
    outcomes = runtime.intake.ingest(items)
    raised = sum(w.new for o in outcomes for w in o.warnings)
    yield f"已载入演示数据: {len(items)} 条信号, {raised} 条预警"
