"""Generate a benchmark workload: an organisation, N risk points and rules, and signals.

Texts are Chinese, about 500 characters, built from a fixed vocabulary so runs repeat
exactly (seeded). A share of the signals carries one rule's keyword; the rest match nothing.
"""

import json
import random
from dataclasses import dataclass
from pathlib import Path

import yaml

FILLER = (
    "根据年度工作安排，本单位认真落实党风廉政建设主体责任，持续加强对权力运行的制约和监督，"
    "各部门按照职责分工，梳理岗位职责和业务流程，完善内部控制制度，规范工作程序，"
    "围绕管人管钱管物管事等关键环节开展自查自纠，广泛征求干部职工意见建议，"
    "及时发现苗头性倾向性问题，做到早发现早提醒早纠正，推动形成不敢腐不能腐不想腐的长效机制。"
)
STEMS = "采购招标合同工程资金报销车辆接待人事薪酬资产审批验收付款补贴差旅会议培训物资设备"
ACTS = "违规虚报串通截留挪用套取私分收受索要泄露拆分规避插手干预隐瞒"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
DEPARTMENTS = [
    ("BGS", "办公室"),
    ("CWK", "财务科"),
    ("CGZX", "采购中心"),
    ("RSK", "人事科"),
    ("JJB", "基建办"),
    ("HQK", "后勤保障科"),
    ("ZCK", "资产管理科"),
    ("YWK", "业务科"),
]
CHANNELS = ("petition", "audit", "inspection", "api")


@dataclass(frozen=True)
class Workload:
    """Where the generated files are and what they hold."""

    rules_dir: Path
    channels_dir: Path
    keywords: list[str]


def keyword(i: int) -> str:
    """Return the unique two-part keyword of rule i (e.g. 采购违规甲3)."""
    stem = STEMS[(i * 2) % len(STEMS)] + STEMS[(i * 2 + 1) % len(STEMS)]
    act = ACTS[(i * 2) % len(ACTS)] + ACTS[(i * 2 + 1) % len(ACTS)]
    return f"{stem}{act}{i}号"


def rule_subject(i: int) -> dict[str, object] | None:
    """Return rule i's `repeat` in a register workload: a quarter count per department, a
    quarter per person, the rest none (about the most specific subject a signal names)."""
    if i % 4 == 1:
        return {"count": 2, "days": 90, "subject": "department"}
    if i % 4 == 3:
        return {"count": 1, "days": 365, "subject": "person"}
    return None


def point_code(i: int) -> str:
    """Return the code of risk point i."""
    return f"BR-{i:04d}"


def write_files(root: Path, n_rules: int, points: int | None = None) -> Workload:
    """Write channel files and rule files.

    points None: every rule its own risk point and no `repeat` (each hit its own new
    warning, the worst case). Else rule i belongs to risk point i % points (several rules a
    point, as in a real register) and a half of the rules count repeats by subject.
    """
    channels_dir = root / "channels"
    rules_dir = root / "rules"
    channels_dir.mkdir(parents=True)
    rules_dir.mkdir(parents=True)
    for code in CHANNELS:
        (channels_dir / f"{code}.yaml").write_text(
            yaml.safe_dump({"id": code, "name": code, "kind": "api"}, allow_unicode=True),
            encoding="utf-8",
        )
    keywords = [keyword(i) for i in range(n_rules)]
    rules = []
    for i, word in enumerate(keywords):
        when: dict[str, object] = {"text": {"any": [word, f"{word}问题"]}}
        if i % 5 == 1:
            when["amount"] = {"gte": 1000}
        if i % 7 == 2:
            when["channels"] = ["petition", "audit", "inspection"]
        if points is not None and (repeat := rule_subject(i)) is not None:
            when["repeat"] = repeat
        rules.append(
            {
                "id": f"bench-{i}",
                "name": f"基准规则{i}",
                "risk_point": point_code(i if points is None else i % points),
                "severity": 1 + i % 3,
                "when": when,
            }
        )
    for part in range(0, n_rules, 100):
        (rules_dir / f"bench-{part // 100}.yaml").write_text(
            yaml.safe_dump({"rules": rules[part : part + 100]}, allow_unicode=True),
            encoding="utf-8",
        )
    return Workload(rules_dir, channels_dir, keywords)


def person(rng: random.Random) -> str:
    """Return a random Chinese name."""
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)


def signals(n: int, keywords: list[str], match_share: float, seed: int = 7) -> list[dict]:
    """Generate n signal bodies; `match_share` of them carry one rule's keyword."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        start = rng.randrange(len(FILLER) - 60)
        text = (FILLER[start:] + FILLER + FILLER)[:480]
        if rng.random() < match_share:
            at = rng.randrange(len(text))
            text = text[:at] + keywords[rng.randrange(len(keywords))] + text[at:]
        out.append(
            {
                "channel": CHANNELS[i % len(CHANNELS)],
                "external_id": f"B-{i}",
                "title": f"关于{rng.choice(DEPARTMENTS)[1]}有关情况的反映{i}",
                "text": text,
                "department": rng.choice(DEPARTMENTS)[0],
                "person": person(rng),
                "amount": str(rng.randrange(100, 200000)),
            }
        )
    return out


def write_jsonl(path: Path, bodies: list[dict]) -> None:
    """Write signal bodies as JSON lines."""
    with path.open("w", encoding="utf-8") as handle:
        for body in bodies:
            handle.write(json.dumps(body, ensure_ascii=False) + "\n")


def seed_database(url: str, n_points: int) -> None:
    """Migrate `url` and add the organisation and `n_points` risk points."""
    from sqlalchemy import insert

    from warning.db.engine import make_engine
    from warning.db.migrate import upgrade
    from warning.db.models import Department, RiskPoint, Unit

    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        unit_id = conn.execute(insert(Unit).values(code="B", name="基准单位")).inserted_primary_key
        conn.execute(
            insert(Department),
            [{"unit_id": unit_id[0], "code": code, "name": name} for code, name in DEPARTMENTS],
        )
        conn.execute(
            insert(RiskPoint),
            [
                {
                    "code": point_code(i),
                    "name": f"基准风险点{i}",
                    "category": "业务流程",
                    "level": ("high", "medium", "low")[i % 3],
                    "owner_level": "department",
                    "manifestation": "",
                    "business_area": "",
                    "measure_prevention": "",
                    "measure_monitoring": "",
                    "measure_handling": "",
                    "responsible_person": "",
                }
                for i in range(n_points)
            ],
        )
    engine.dispose()
