"""Data and recorders for the browser tests."""

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from PIL import Image
from sqlalchemy import select, update

from warning.auth.principal import Principal
from warning.db.models import Department, HandlingRecord, RiskPoint
from warning.domain.lifecycle import Action, Role
from warning.handling.records import act
from warning.runtime import Runtime
from warning.services.signal_input import SignalIn

if TYPE_CHECKING:
    from playwright.sync_api import Page

MEASURES = {
    "measure_prevention": "落实招标文件集体审定；评标专家随机抽取并签署保密承诺。",
    "measure_monitoring": "纪检监察室全程监督开标评标；比对投标文件雷同情况。",
    "measure_handling": "发现串标线索即暂停采购，移交纪检监察机构核查，依规追责。",
}


@dataclass
class Requests:
    """Every request a page made, to check that none left 127.0.0.1."""

    urls: list[str] = field(default_factory=list)

    def foreign(self) -> list[str]:
        """Return the requests to any host other than 127.0.0.1."""
        return [u for u in self.urls
                if urlsplit(u).scheme not in ("data", "blob", "about")
                and urlsplit(u).hostname != "127.0.0.1"]


@dataclass(frozen=True)
class Seeded:
    """Ids the tests open: a signal and the warning it raised (with a handling history)."""

    signal_id: int
    warning_id: int


def _signal(n: int, channel: str, title: str, text: str, **extra: object) -> SignalIn:
    return SignalIn(channel=channel, external_id=f"E2E-{n}", title=title, text=text, **extra)


def seed_warnings(runtime: Runtime) -> Seeded:
    """Log signals that raise several warnings and take one warning to 已上报."""
    with runtime.sessions() as session, session.begin():
        session.execute(update(RiskPoint).where(RiskPoint.code == "CG-001").values(
            manifestation="投标人之间串通报价，或与招标人串通，排斥其他投标人。",
            business_area="物资采购", responsible_person="采购中心主任", **MEASURES))
    items = [
        _signal(1, "petition", "反映设备采购存在串标", "某供应商与他人围标串标。",
                department="CGZX", amount=Decimal("128000")),
        _signal(2, "audit", "办公家具采购拆分", "将同一批次采购拆分为三次，化整为零。",
                department="CGZX", amount=Decimal("56000")),
        *[_signal(10 + n, "petition", f"反映张某虚报差旅费（第{n + 1}封）", "张某虚报冒领差旅费。",
                  department="CWK", person="张某") for n in range(3)],
        _signal(20, "petition", "反映公车私用", "周末公车私用。", department="BGS"),
        _signal(21, "api", "例行报送", "无异常。"),
    ]
    outcomes = runtime.intake.ingest(items)
    first = outcomes[0]
    assert first.signal_id is not None and first.warnings, first
    warning_id = first.warnings[0].id
    with runtime.sessions() as session:
        department_id = session.scalar(select(Department.id).where(Department.code == "CGZX"))
        handler = Principal(user_id=0, name="李敏", role=Role.HANDLER, department_id=department_id)
        steps = [(Action.RECEIVE, "", ""), (Action.ASSIGN, "", "李敏"),
                 (Action.REPORT, "已暂停该项目采购，重新组织招标，相关人员已作书面说明。", "")]
        for action, comment, person in steps:
            version = session.scalar(
                select(HandlingRecord.version - HandlingRecord.triage_version)  # as shown
                .where(HandlingRecord.warning_id == warning_id)
            )
            act(session, warning_id=warning_id, principal=handler, action=action,
                version=version, comment=comment, responsible_person=person)
            session.commit()
    return Seeded(first.signal_id, warning_id)


SCREENSHOTS_VARIABLE = "QINGFENG_SCREENSHOTS"
SCREEN = (1280, 800)


@dataclass
class Screenshots:
    """Screenshots of pages at the fixed viewport, checked; kept only when `keep` is set.

    Every run takes them into `work` (a tmp dir) and checks each is a real, non-blank image;
    only with QINGFENG_SCREENSHOTS=docs/screenshots are they also written, palette-compressed,
    into `keep`, so a CI run leaves the checkout clean.
    """

    work: Path
    keep: Path | None
    taken: list[str] = field(default_factory=list)

    def take(self, tab: "Page", name: str) -> Path:
        """Screenshot the tab's viewport as `name`.png and check it shows something."""
        self.work.mkdir(parents=True, exist_ok=True)
        path = self.work / f"{name}.png"
        tab.screenshot(path=str(path), animations="disabled", caret="hide")
        with Image.open(path) as image:
            assert (image.format, image.size) == ("PNG", SCREEN), (name, image.size)
            colours = image.convert("RGB").getcolors(maxcolors=SCREEN[0] * SCREEN[1])
            assert colours is not None and len(colours) > 16, f"{name}.png is blank"
            if self.keep is not None:
                self.keep.mkdir(parents=True, exist_ok=True)
                # 256 colours are plenty for a flat UI; about a third of the plain PNG's size.
                small = image.convert("RGB").quantize(colors=256, dither=Image.Dither.NONE)
                small.save(self.keep / f"{name}.png", optimize=True)
        self.taken.append(name)
        return path
