"""Intake writes its evaluation without SQLite's foreign-key checks and leaves none broken.

warning.db.unchecked switches the checks off for the evaluation transaction on SQLite:
after batches that write every kind of row, `PRAGMA foreign_key_check` finds nothing and
the connections have their checks on again. PostgreSQL keeps its foreign keys throughout.
"""

from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import StaticPool

from warning.db.models import (
    HandlingEvent,
    Notice,
    RiskWarning,
    RuleHit,
    WarningSignal,
)
from warning.db.unchecked import unchecked_transaction
from warning.runtime import Runtime
from warning.services.signal_input import SignalIn

PROPOSING_RULE = """rules:
  - id: car-private-proposal
    name: 公车私用(研判)
    risk_point: BG-001
    severity: 1
    triage: true
    when:
      text:
        any: [私车公养]
"""


def _signal(n: int, text: str, channel: str = "petition", **fields: object) -> SignalIn:
    return SignalIn.model_validate(
        {"channel": channel, "external_id": f"FK-{n}", "title": f"来信 {n}", "text": text}
        | fields
    )


def _batches() -> list[list[SignalIn]]:
    first = [
        _signal(1, "王五参与串标", department="CGZX", person="王五"),        # new warning
        _signal(2, "又反映王五围标串标", department="CGZX", person="王五"),  # join, regrade
        _signal(3, "张三虚报差旅费", department="CWK", person="张三"),       # repeat 1 of 3
        _signal(4, "张三冒领补贴", department="CWK", person="张三"),         # repeat 2 of 3
        _signal(5, "反映公车私用", department="BGS"),                      # monitor hit only
        _signal(6, "反映私车公养", department="BGS"),                      # a proposal
        _signal(7, "采购中心拆分合同规避招标", channel="audit", department="CGZX",
                amount="50000"),
    ]
    second = [
        _signal(8, "再次反映王五陪标", department="CGZX", person="王五"),   # join a stored one
        _signal(9, "张三套取资金", department="CWK", person="张三"),         # repeat 3: fires
        _signal(10, "反映公车私用", department="BGS"),                     # near duplicate of 5
        _signal(11, "采购中心再次拆分合同", channel="audit", department="CGZX",
                amount="60000"),
    ]
    return [first, second]


def _count(rt: Runtime, statement: object) -> int:
    with rt.sessions() as session:
        return session.scalar(statement) or 0  # type: ignore[call-overload]


def test_every_kind_of_intake_row_keeps_its_foreign_keys(
    runtime: Runtime, rules_dir: Path,
) -> None:
    (rules_dir / "proposal.yaml").write_text(PROPOSING_RULE, encoding="utf-8")
    assert runtime.rules.load() == []
    for batch in _batches():
        outcomes = runtime.intake.ingest(batch)
        assert all(o.status == "evaluated" for o in outcomes), outcomes
    # every kind of row was written
    assert _count(runtime, select(func.count()).select_from(RiskWarning)
                  .where(RiskWarning.is_proposal.is_(False))) >= 3
    assert _count(runtime, select(func.count()).select_from(RiskWarning)
                  .where(RiskWarning.is_proposal.is_(True))) == 1
    assert _count(runtime, select(func.max(RiskWarning.repeat_count))) >= 3
    assert _count(runtime, select(func.count()).select_from(RuleHit)
                  .where(RuleHit.rule_id == "false-claims-repeat")) == 3
    assert _count(runtime, select(func.count()).select_from(RuleHit)
                  .where(RuleHit.mode == "monitor")) == 2
    assert _count(runtime, select(func.count()).select_from(WarningSignal)) == 7
    assert _count(runtime, select(func.count()).select_from(HandlingEvent)
                  .where(HandlingEvent.action == "regrade")) >= 1
    assert _count(runtime, select(func.count()).select_from(HandlingEvent)
                  .where(HandlingEvent.action == "propose")) == 1
    assert _count(runtime, select(func.count()).select_from(Notice)) >= 3
    if runtime.engine.dialect.name != "sqlite":
        return  # PostgreSQL checked every row as it was written
    with runtime.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    # every connection the pool holds has its checks on again
    pool = runtime.engine.pool
    held = [runtime.engine.raw_connection() for _ in range(pool.checkedin() or 1)]
    try:
        for raw in held:
            assert raw.cursor().execute("PRAGMA foreign_keys").fetchone() == (1,)
    finally:
        for raw in held:
            raw.close()


def _sqlite_sessions(path: Path) -> sessionmaker:  # type: ignore[type-arg]
    from warning.db.engine import _sqlite_pragmas

    engine = create_engine(f"sqlite:///{path}", poolclass=StaticPool)
    from sqlalchemy import event

    event.listen(engine, "connect", _sqlite_pragmas)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        conn.exec_driver_sql(
            "CREATE TABLE child (id INTEGER PRIMARY KEY, "
            "parent_id INTEGER NOT NULL REFERENCES parent (id))")
    return sessionmaker(engine)


def test_checks_are_off_only_inside_the_transaction_and_back_on_after_an_error(
    tmp_path: Path,
) -> None:
    sessions = _sqlite_sessions(tmp_path / "fk.db")
    pragma = text("PRAGMA foreign_keys")
    with unchecked_transaction(sessions) as session:
        assert session.scalar(pragma) == 0
        session.execute(text("INSERT INTO parent (id) VALUES (1)"))
        session.execute(text("INSERT INTO child (parent_id) VALUES (1)"))
    with pytest.raises(RuntimeError), unchecked_transaction(sessions) as session:
        session.execute(text("INSERT INTO child (parent_id) VALUES (1)"))
        raise RuntimeError("the batch failed")
    with sessions() as session:
        assert session.scalar(pragma) == 1
        assert session.scalar(text("SELECT count(*) FROM child")) == 1  # rolled back
    with pytest.raises(Exception, match="FOREIGN KEY"), sessions() as session, \
            session.begin():
        session.execute(text("INSERT INTO child (parent_id) VALUES (99)"))
