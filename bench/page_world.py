"""Build the database of bench/page_bench.py: a year and a half of an office's work.

Nine departments, sixty risk points, the repository's fourteen channels (two of them
confidential: 信访举报 and 查办案件), `signals` signals with Chinese titles and texts, and
`warnings` warnings raised by some of them, each with its timeline, rule hits, handling
record and hash-chained events as the real loop writes them (issue, receive, assign, report,
return, accept, escalate). Rows go in with Core in chunks (COPY on PostgreSQL).
"""

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select, text

from bench.workload import DEPARTMENTS, FILLER, person
from warning.auth.users import add_user
from warning.channels.loader import load_channels
from warning.channels.sync import sync_channels
from warning.db.bulk import insert_many
from warning.db.engine import make_engine, make_sessionmaker, transaction
from warning.db.migrate import upgrade
from warning.db.models import (
    Channel,
    Department,
    HandlingEvent,
    HandlingRecord,
    RiskPoint,
    RiskWarning,
    RuleHit,
    Signal,
    Unit,
    WarningSignal,
)
from warning.handling.events import event_fields

PASSWORD = "Bench-Pages-2026!"
HANDLER_DEPARTMENT = "CGZX"
CHUNK = 10_000
NOW = datetime.now(UTC).replace(microsecond=0)
SPAN_DAYS = 540
# how signals arrive: opinion feeds and business systems dominate, petitions are one in ten
CHANNEL_WEIGHTS = {"opinion": 30, "api": 20, "audit": 12, "petition": 10, "inspection": 6,
                   "special-check": 5, "efficiency": 4, "case": 3, "questionnaire": 3,
                   "forum": 2, "cadre-assessment": 2, "democratic-evaluation": 1,
                   "duty-report": 1, "life-meeting": 1}
TOPICS = ["采购", "招标", "合同", "工程款", "报销", "公车", "接待", "人事", "薪酬", "资产",
          "审批", "验收", "付款", "补贴", "差旅", "会议费", "培训费", "物资", "设备", "选人用人"]
ACTS = ["违规", "虚报", "串通", "截留", "挪用", "套取", "私分", "收受礼品", "泄露标底",
        "拆分合同", "规避招标", "插手干预", "隐瞒不报"]
CATEGORIES = ["思想道德", "岗位职责", "业务流程", "制度机制", "外部环境"]
RARE_WORD = "冷链仓储"  # in about one signal in a thousand: the search box's narrow query
# the demo organisation's 党群办 too: the opinion channel's file names it as its department
ORG = [*DEPARTMENTS, ("DQB", "党群办")]


@dataclass(frozen=True)
class Facts:
    """What the bench asks for: rows each role may open."""

    handler_warning: int
    handler_signal: int
    office_warning: int
    office_signal: int


def _text(rng: random.Random, topic: str, act: str, dept: str, who: str, i: int) -> str:
    start = rng.randrange(len(FILLER) - 80)
    body = (FILLER[start:] + FILLER)[: rng.randrange(80, 320)]
    rare = f"涉及{RARE_WORD}项目，" if i % 997 == 0 else ""
    return f"反映{dept}{who}在{topic}工作中存在{act}问题，{rare}{body}"


def build(url: str, channels_dir: Path, signals: int, warnings: int, seed: int = 11) -> Facts:
    """Migrate `url` and fill it; return ids the bench opens."""
    upgrade(url)
    rng = random.Random(seed)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with transaction(sessions) as session:
        unit = Unit(code="BENCH", name="基准测试单位")
        session.add(unit)
        session.flush()
        session.add_all([Department(unit_id=unit.id, code=c, name=n) for c, n in ORG])
        session.flush()
        sync_channels(session, load_channels(channels_dir))
        departments = dict(session.execute(select(Department.code, Department.id)).all())
        dept_names = {departments[c]: n for c, n in ORG}
        session.add_all([
            RiskPoint(code=f"PB-{i:03d}", name=f"{TOPICS[i % len(TOPICS)]}环节{ACTS[i % 13]}风险",
                      category=CATEGORIES[i % 5], level=("high", "medium", "low")[i % 3],
                      owner_level="department",
                      department_id=departments[DEPARTMENTS[i % 8][0]])
            for i in range(60)
        ])
        add_user(session, name="bench_office", role="office", password=PASSWORD)
        add_user(session, name="bench_handler", role="handler", password=PASSWORD,
                 department_code=HANDLER_DEPARTMENT)
        session.flush()
        channels = dict(session.execute(select(Channel.code, Channel.id)).all())
        confidential = set(session.scalars(select(Channel.id).where(Channel.confidential)))
        points = [(p.id, p.department_id) for p in session.scalars(select(RiskPoint))]
    codes = list(CHANNEL_WEIGHTS)
    weights = list(CHANNEL_WEIGHTS.values())
    dept_ids = list(departments.values())
    signal_rows: list[dict] = []
    received: list[tuple[datetime, int, int | None, str]] = []
    for i in range(1, signals + 1):
        channel = channels[rng.choices(codes, weights)[0]]
        dept = rng.choice(dept_ids) if rng.random() > 0.05 else None
        at = NOW - timedelta(seconds=int(SPAN_DAYS * 86400 * (1 - i / signals)) + 60)
        who = person(rng)
        topic, act = rng.choice(TOPICS), rng.choice(ACTS)
        dname = dept_names.get(dept, "本单位")
        status = "evaluated" if rng.random() > 0.01 else rng.choice(["received", "failed"])
        signal_rows.append({
            "id": i, "channel_id": channel, "external_id": f"PB-{i}",
            "title": f"关于{dname}{topic}{act}问题的反映（{i}）",
            "text": _text(rng, topic, act, dname, who, i), "department_id": dept,
            "person": who, "post": f"{topic}岗", "amount": Decimal(rng.randrange(500, 500_000)),
            "received_at": at, "status": status, "extra": {},
        })
        received.append((at, channel, dept, who))
    with engine.begin() as conn:
        for at in range(0, len(signal_rows), CHUNK):
            insert_many(conn, Signal.__table__, signal_rows[at:at + CHUNK])
    del signal_rows
    # warnings: raised by signals with a department, spread over the span, newest most open
    candidates = [i for i in range(1, signals + 1) if received[i - 1][2] is not None]
    origins = sorted(rng.sample(candidates, warnings))
    tables: dict[str, list[dict]] = {"w": [], "ws": [], "hits": [], "rec": [], "ev": []}
    link_id = hit_id = event_id = 0
    hit: set[tuple[int, int]] = set()
    facts: dict[str, int] = {}
    for wid, sid in enumerate(origins, start=1):
        at, channel, dept, who = received[sid - 1]
        point, _ = rng.choice(points)
        kind = rng.choices(["person", "post", "department"], [5, 2, 3])[0]
        name = {"person": who, "post": "采购岗", "department": dept_names[dept]}[kind]
        created = at + timedelta(minutes=2)
        response = rng.choices(["reminder", "talk", "admonition", "rectification"],
                               [4, 3, 2, 1])[0]
        age_days = (NOW - created).days
        open_ = age_days < 60 or rng.random() < 0.03
        tables["w"].append({
            "id": wid, "risk_point_id": point, "department_id": dept, "subject_kind": kind,
            "subject_key": f"{kind}:{wid}", "subject_name": name, "rule_id": f"bench-{point}",
            "rule_version": "v1", "signal_id": sid, "response": response,
            "base_response": response, "rule_ids": [f"bench-{point}"], "severity": 1 + wid % 3,
            "repeat_count": 1, "is_open": open_, "created_at": created,
        })
        later = [sid] + [s for s in (sid + rng.randrange(1, 500) for _ in range(
            rng.choices([0, 1, 2], [7, 2, 1])[0])) if s <= signals and s != sid]
        for s in dict.fromkeys(later):
            link_id += 1
            tables["ws"].append({"id": link_id, "warning_id": wid, "signal_id": s,
                                 "rule_id": f"bench-{point}", "attached_at": created})
            if (s, point) in hit:
                continue
            hit.add((s, point))
            hit_id += 1
            tables["hits"].append({"id": hit_id, "signal_id": s, "rule_id": f"bench-{point}",
                                   "rule_version": "v1", "risk_point_id": point,
                                   "mode": "active", "subject_key": f"{kind}:{wid}",
                                   "hit_at": created, "counted_at": created,
                                   "warning_id": wid})
        steps = _steps(rng, open_)
        handler = f"user:h_{wid % 40}"
        actors = {"issue": "system:intake", "accept": "user:bench_office",
                  "return": "user:bench_office", "escalate": "system:overdue"}
        prev, when = "", created
        for seq, (action, before, after) in enumerate(steps, start=1):
            event_id += 1
            when = when + timedelta(hours=rng.randrange(1, 72))
            fields = event_fields(
                record_id=wid, seq=seq, action=action, from_state=before, to_state=after,
                actor=actors.get(action, handler), created_at=min(when, NOW),
                comment="已按要求整改，建立台账。" if action == "report" else "",
                data={"responsible_person": who} if action == "assign" else {}, prev_hash=prev)
            prev = fields["hash"]
            tables["ev"].append({"id": event_id, **fields})
        state = steps[-1][2]
        receive_due, report_due = created + timedelta(days=3), created + timedelta(days=20)
        overdue = 1 if open_ and report_due < NOW else 0
        tables["rec"].append({
            "id": wid, "warning_id": wid, "state": state, "version": len(steps),
            "responsible_person": who if len(steps) > 2 else "",
            "receive_due_at": receive_due, "report_due_at": report_due,
            "overdue_level": overdue, "report_round": 0,
            "measure_applied": response if state == "closed" else None,
            "closed_at": min(when, NOW) if state == "closed" else None,
            "updated_at": min(when, NOW),
        })
        if dept == departments[HANDLER_DEPARTMENT]:
            facts["handler_warning"], facts["handler_signal"] = wid, sid
        if channel in confidential and kind == "person":
            facts["office_warning"], facts["office_signal"] = wid, sid
    with engine.begin() as conn:
        for key, table in (("w", RiskWarning), ("ws", WarningSignal), ("hits", RuleHit),
                           ("rec", HandlingRecord), ("ev", HandlingEvent)):
            rows = tables[key]
            for at in range(0, len(rows), CHUNK):
                insert_many(conn, table.__table__, rows[at:at + CHUNK])
    _finish(engine)
    engine.dispose()
    return Facts(**facts)


def _steps(rng: random.Random, open_: bool) -> list[tuple[str, str, str]]:
    steps = [("issue", "", "issued")]
    stop = rng.choice(["issued", "received", "in_progress", "reported"]) if open_ else ""
    for action, before, after in (("receive", "issued", "received"),
                                  ("assign", "received", "in_progress"),
                                  ("report", "in_progress", "reported")):
        if steps[-1][2] == stop:
            return steps
        steps.append((action, before, after))
    if rng.random() < 0.2:
        steps += [("return", "reported", "in_progress"), ("report", "in_progress", "reported")]
    if open_:
        return steps
    return [*steps, ("accept", "reported", "closed")]


def _finish(engine: object) -> None:
    """Move PostgreSQL's sequences past the explicit ids, and gather statistics."""
    with engine.begin() as conn:  # type: ignore[attr-defined]
        if conn.dialect.name == "postgresql":
            for table in ("signals", "warnings", "warning_signals", "rule_hits",
                          "handling_records", "handling_events"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))
            conn.execute(text("ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))
    if engine.dialect.name == "sqlite":  # type: ignore[attr-defined]
        # What the scheduler's 更新搜索索引 job does within a minute of a signal's arrival.
        from sqlalchemy.orm import sessionmaker

        from warning.queries.search_index import index_new_signals

        index_new_signals(sessionmaker(engine))  # type: ignore[call-overload]


def facts_of(url: str) -> Facts:
    """Return the ids the bench opens, from a database `build` filled before."""
    engine = make_engine(url)
    with engine.connect() as conn:
        dept = conn.scalar(select(Department.id).where(Department.code == HANDLER_DEPARTMENT))
        mine = conn.execute(select(RiskWarning.id, RiskWarning.signal_id)
                            .where(RiskWarning.department_id == dept)
                            .order_by(RiskWarning.id.desc()).limit(1)).one()
        secret = conn.execute(
            select(RiskWarning.id, RiskWarning.signal_id)
            .join(Signal, Signal.id == RiskWarning.signal_id)
            .join(Channel, Channel.id == Signal.channel_id)
            .where(Channel.confidential, RiskWarning.subject_kind == "person")
            .order_by(RiskWarning.id.desc()).limit(1)).one()
    engine.dispose()
    return Facts(mine[0], mine[1], secret[0], secret[1])


def counts(url: str) -> dict[str, int]:
    """Return how many rows the main tables hold."""
    engine = make_engine(url)
    with engine.connect() as conn:
        found = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                 for t in ("signals", "warnings", "handling_records", "handling_events",
                           "warning_signals")}
        found["open records"] = conn.execute(
            select(func.count()).select_from(HandlingRecord)
            .where(HandlingRecord.closed_at.is_(None))).scalar_one()
    engine.dispose()
    return found
