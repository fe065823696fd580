"""Every number of the quarterly review, for every demo role, is a count of what that reader
can open: computed here from the signals and warnings the API lets them read, never from the
review's own queries.

The review once counted a signal as having raised a warning (引发预警) whatever department
that warning went to, so 采购中心 read that its questionnaire had raised a warning it could
not open (the office had judged it 财务科's matter): a count of another department's
warnings. This checks each figure of the page's model (GET /api/review), the workbook, the
drill-down lists and the stored reviews (定稿) against the independent count.
"""

import csv
import io
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from openpyxl import load_workbook

from tests.integration.demo_world import (
    DEPARTMENTS_OF,
    ROLES,
    DemoWorld,
    build_demo_world,
    work_the_demo,
)
from warning.auth.visibility import HIDDEN_SUBJECT
from warning.domain.quarter import Quarter
from warning.review.period import Period

NOT_ISSUED = {"proposed", "dismissed", "merged"}


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[DemoWorld]:
    yield from build_demo_world(db_url, tmp_path)


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))


class Reader:
    """What one user can open through the API, and the review's figures counted from it."""

    def __init__(self, world: DemoWorld, user: str, period: Period) -> None:
        self.world, self.user, self.period = world, user, period
        quarter = period.quarter
        first, last = quarter.first_day, quarter.last_day
        raw = world.clients[user].get("/api/signals/export", params={
            "format": "csv", "since": first.isoformat(), "until": last.isoformat()})
        assert raw.status_code == 200, raw.text
        rows = list(csv.DictReader(io.StringIO(raw.content.decode("utf-8-sig"))))
        self.signals = {int(r["信号编号"]): r["渠道"] for r in rows}
        self.warnings: dict[int, dict[str, Any]] = {}
        offset = 0
        while True:
            page = world.get(user, "/api/warnings", limit=500, offset=offset)
            for item in page["items"]:
                detail = world.get(user, f"/api/warnings/{item['id']}")
                detail["events"] = world.get(user, f"/api/warnings/{item['id']}/events")
                self.warnings[item["id"]] = detail
            offset += 500
            if offset >= page["total"]:
                break
        points = world.get(user, "/api/risk-points")
        self.points = {p["code"]: p for p in points}
        self.departments = DEPARTMENTS_OF.get(user)

    def within(self, moment: datetime | None) -> bool:
        return moment is not None and self.period.start <= moment < self.period.end

    def issued(self) -> list[dict[str, Any]]:
        return [w for w in self.warnings.values() if w["state"] not in NOT_ISSUED]

    def happened(self, warning: dict[str, Any], action: str) -> bool:
        return any(e["action"] == action and self.within(_moment(e["created_at"]))
                   for e in warning["events"])

    def in_scope(self, department: str | None) -> bool:
        return self.departments is None or department in self.departments

    def figures(self, stale_before: str) -> dict[str, Any]:
        """Return the review's figures counted from what this reader can open."""
        issued = self.issued()
        new = [w for w in issued if self.within(_moment(w["issued_at"]))]
        kept = [w for w in new if w["state"] != "withdrawn"]
        on_issued = {s for w in issued for s in w["signal_ids"]}
        out: dict[str, Any] = {}
        by_channel: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for signal_id, channel in self.signals.items():
            by_channel[channel][0] += 1
            by_channel[channel][1] += signal_id in on_issued
        for channel, (signals, raised) in by_channel.items():
            out[f"channel:{channel}"] = (signals, raised)
        closed = [w for w in issued if w["state"] == "closed" and self.happened(w, "accept")]
        withdrawn = [w for w in issued
                     if w["state"] == "withdrawn" and self.happened(w, "withdraw")]
        returned = [w for w in issued if self.happened(w, "return")]
        escalated = [w for w in issued if self.happened(w, "escalate")]
        reported = [w for w in issued if self.happened(w, "report")]
        received = [w for w in issued if self.happened(w, "receive")]
        out["summary"] = {
            "signals": len(self.signals), "warnings": len(new), "closed": len(closed),
            "overdue": len(escalated), "returned": len(returned), "withdrawn": len(withdrawn),
        }
        departments: dict[str | None, Counter[str]] = defaultdict(Counter)
        for name, rows in (("warnings", new), ("closed", closed), ("returned", returned),
                           ("withdrawn", withdrawn), ("overdue", escalated)):
            for w in rows:
                departments[w["department"]][name] += 1
        for code, counts in departments.items():
            out[f"department:{code}"] = dict(counts)
        for dimension, value in (("category", lambda w: self.points[w["risk_point"]]["category"]),
                                 ("level", lambda w: w["level"]),
                                 ("response", lambda w: w["response"])):
            for key, count in Counter(value(w) for w in new).items():
                out[f"{dimension}:{key}"] = count
        out["measures"] = len(closed)
        hot: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for w in kept:
            hot[w["risk_point"]][0] += 1
            hot[w["risk_point"]][1] += w["repeat_count"]
        for code, (count, signals) in hot.items():
            out[f"hot:{code}"] = (count, signals, 0)
        groups: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        for w in kept:
            name = w["subject_name"]
            key = (w["id"],) if name == HIDDEN_SUBJECT else (w["subject_kind"], name)
            groups[(*key, w["department"])].append(w)
        out["repeat"] = sorted(
            (ws[0]["department"], len(ws), sum(w["repeat_count"] for w in ws))
            for ws in groups.values()
            if len(ws) > 1 or max(w["repeat_count"] for w in ws) > 1)
        out["trend"] = (len(self.signals), len(new), len(closed), len(returned))
        out["timings"] = (len(received), len(closed), len(reported),
                          len([w for w in returned if w in reported]))
        hit = {w["risk_point"] for w in issued if w["state"] != "withdrawn"}
        mine = [p for p in self.points.values() if self.in_scope(p["department"])]
        out["never_hit"] = sorted(p["code"] for p in mine if p["code"] not in hit)
        out["stale"] = len([p for p in mine
                            if p["reviewed_on"] is None or p["reviewed_on"] < stale_before])
        return out


def shown(review: dict[str, Any]) -> dict[str, Any]:
    """Return the same figures as the review shows them (zero rows left out)."""
    out: dict[str, Any] = {}
    for c in review["signals_by_channel"]:
        out[f"channel:{c['name']}"] = (c["signals"], c["raised"])
    s = review["summary"]
    out["summary"] = {key: s[key] for key in ("signals", "warnings", "closed", "overdue",
                                              "returned", "withdrawn")}
    assert s["closed_on_time"] + s["closed_late"] == s["closed"]
    for d in review["warnings_by_department"]:
        out[f"department:{d['department']}"] = {
            key: d[key] for key in ("warnings", "closed", "returned", "withdrawn", "overdue")
            if d[key]}
    for dimension, table in (("category", "warnings_by_category"),
                             ("level", "warnings_by_level"),
                             ("response", "warnings_by_response")):
        for b in review[table]:
            if b["warnings"]:
                out[f"{dimension}:{b['key']}"] = b["warnings"]
    out["measures"] = sum(b["warnings"] for b in review["measures_applied"])
    for p in review["hot_risk_points"]:
        out[f"hot:{p['code']}"] = (p["warnings"], p["signals"], p["previous_quarter"])
    out["repeat"] = sorted((r["department"], r["warnings"], r["signals"])
                           for r in review["repeat_subjects"])
    assert s["repeat_subjects"] == len(review["repeat_subjects"])
    assert s["recurring_risk_points"] == len([p for p in review["hot_risk_points"]
                                              if p["advice"]])
    trends = review["trends"]
    last = trends["trend"][-1]
    out["trend"] = (last["signals"], last["warnings"], last["closed"], last["returned"])
    assert all(p[k] == 0 for p in trends["trend"][:-1]
               for k in ("signals", "warnings", "closed", "returned")), trends["trend"]
    t = trends["timings"]
    out["timings"] = (t["received"], t["closed"], t["reported"], t["returned"])
    out["never_hit"] = sorted(p["code"] for p in trends["coverage"]["never_hit"])
    out["stale"] = s["stale_risk_points"]
    assert s["stale_risk_points"] == len(review["stale_risk_points"])
    return out


def _drill(reader: Reader, quarter: str, **params: str) -> dict[str, Any]:
    """Return every row behind a figure, checking each is one the reader can open."""
    found = reader.world.get(reader.user, "/api/review/drill", quarter=quarter, limit=500,
                             **params)
    assert found["total"] == len(found["items"])
    if found["kind"] == "signal":
        rows, readable = {i["signal_id"] for i in found["items"]}, set(reader.signals)
    elif found["kind"] == "warning":
        rows, readable = {i["warning_id"] for i in found["items"]}, set(reader.warnings)
    else:
        rows, readable = {i["code"] for i in found["items"]}, set(reader.points)
    assert rows <= readable, (reader.user, params, rows - readable)
    return found


def _check_drills(reader: Reader, quarter: str, review: dict[str, Any]) -> None:
    s = review["summary"]
    for c in review["signals_by_channel"]:
        assert _drill(reader, quarter, figure="signals",
                      channel=c["channel"])["total"] == c["signals"]
    for d in review["warnings_by_department"]:
        code = d["department"] or "none"
        assert _drill(reader, quarter, figure="warnings",
                      department=code)["total"] == d["warnings"]
    for figure in ("closed", "closed_on_time", "closed_late", "overdue", "returned",
                   "withdrawn"):
        assert _drill(reader, quarter, figure=figure)["total"] == s[figure], figure
    for p in review["hot_risk_points"]:
        assert _drill(reader, quarter, figure="hot",
                      risk_point=p["code"])["total"] == p["warnings"]
    assert _drill(reader, quarter, figure="measure")["total"] == s["closed"]
    assert _drill(reader, quarter, figure="stale")["total"] == s["stale_risk_points"]
    assert _drill(reader, quarter, figure="never_hit")["total"] == len(
        review["trends"]["coverage"]["never_hit"])


def _check_workbook(world: DemoWorld, user: str, quarter: str, review: dict[str, Any],
                    reader: Reader) -> None:
    raw = world.clients[user].get("/api/review/export", params={"quarter": quarter,
                                                                "format": "xlsx"})
    assert raw.status_code == 200
    book = load_workbook(io.BytesIO(raw.content), read_only=True)
    channels = [tuple(r) for r in book["信号·按渠道"].iter_rows(min_row=2, values_only=True)]
    assert channels == [(c["channel"], c["name"], c["signals"], c["raised"])
                        for c in review["signals_by_channel"]]
    departments = [r[2:] for r in book["预警·按部门"].iter_rows(min_row=2, values_only=True)]
    assert departments == [
        tuple(d[k] for k in ("warnings", "closed", "closed_on_time", "closed_late", "overdue",
                             "returned", "withdrawn"))
        for d in review["warnings_by_department"]]
    ledger = [r[0] for r in book["台账"].iter_rows(min_row=2, values_only=True)]  # 预警编号
    assert set(ledger) <= set(reader.warnings), (user, set(ledger) - set(reader.warnings))


def _channels_shown(world: DemoWorld, user: str, quarter: str) -> dict[str, Any]:
    """Return the channel table as the page and as the written report (.docx) show it."""
    page = world.clients[user].get("/review", params={"quarter": quarter})
    assert page.status_code == 200, page.text[:300]
    table = page.text.split('id="by-channel"', 1)[1].split("</table>", 1)[0]
    row = re.compile(r"<th>([^<]+)</th>.*?>(\d+)</a></td><td class=\"num\">(\d+)</td>", re.S)
    rows = [found.groups() for part in table.split("<tr>")[2:] if (found := row.search(part))]
    shown = {"page": {f"channel:{n}": (int(a), int(b)) for n, a, b in rows}}
    raw = world.clients[user].get("/api/review/export", params={"quarter": quarter,
                                                                "format": "docx"})
    assert raw.status_code == 200
    document = Document(io.BytesIO(raw.content))
    [found] = [t for t in document.tables if t.rows[0].cells[-1].text == "引发预警的信号"]
    shown["docx"] = {f"channel:{r.cells[0].text}": (int(r.cells[1].text), int(r.cells[2].text))
                     for r in found.rows[1:]}
    return shown


def test_every_review_figure_counts_only_what_its_reader_can_open(world: DemoWorld) -> None:
    made = work_the_demo(world)
    now = datetime.now(UTC)
    quarter = Quarter.containing(now)
    period = Period.of(quarter, now)
    stored = world.post("jjjcs", "/api/review/snapshots",
                        {"quarter": str(quarter), "note": "测试定稿"}, status=201)
    for user in ROLES:
        review = world.get(user, "/api/review", quarter=str(quarter))
        reader = Reader(world, user, period)
        expected = reader.figures(review["stale_before"])
        assert shown(review) == expected, user
        _check_drills(reader, str(quarter), review)
        _check_workbook(world, user, str(quarter), review, reader)
        channels = {k: v for k, v in expected.items() if k.startswith("channel:")}
        for form, table in _channels_shown(world, user, str(quarter)).items():
            assert table == channels, (user, form)
        if user in ("jjjcs", "reviewer", "admin"):  # stored reviews: readers of every department
            snapshot = world.get(user, f"/api/review/snapshots/{stored['id']}")
            assert shown(snapshot["figures"]) == expected, user
    # the case that leaked: a 采购中心 signal raised 财务科's warning, none of theirs
    channel = world.get("jjjcs", f"/api/signals/{made['cross_signal']}")["channel"]
    handler = world.get("cgzx", "/api/review", quarter=str(quarter))
    raised = [c["raised"] for c in handler["signals_by_channel"] if c["channel"] == channel]
    assert raised == [0], made
