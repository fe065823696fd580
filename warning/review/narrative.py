"""The review's figures in sentences, as the written report opens each section."""

from warning.review.model import Review, Timings

NUMERALS = {1: "一", 2: "二", 3: "三", 4: "四", 5: "五", 6: "六", 7: "七", 8: "八", 9: "九",
            10: "十"}


def _versus(now: int, before: int, name: str) -> str:
    if before == 0:
        return f"{name}无可比数据" if now else f"与{name}持平"
    change = (now - before) / before
    if change == 0:
        return f"与{name}持平"
    return f"较{name}{'增加' if change > 0 else '减少'} {abs(change):.0%}"


def not_started_text(review: Review) -> str:
    """Return the line that says a future quarter has not begun (as the page says it)."""
    return f"{review.label}尚未开始，暂无数据；以下各项均为 0。"


def summary_paragraphs(review: Review) -> list[str]:
    """Return the opening paragraphs: totals, then the change against earlier quarters."""
    s = review.summary
    paragraphs = [
        f"{review.label}，共收集预警信息 {s.signals} 条，下达预警 {s.warnings} 件；"
        f"办结处置记录 {s.closed} 件，其中按期办结 {s.closed_on_time} 件、逾期办结 "
        f"{s.closed_late} 件；逾期 {s.overdue} 件，退回整改 {s.returned} 件，撤销 "
        f"{s.withdrawn} 件。重复对象 {s.repeat_subjects} 个，反复出现的风险点 "
        f"{s.recurring_risk_points} 个，久未复核的风险点 {s.stale_risk_points} 个。"
    ]
    if review.trends is not None:
        parts = [
            f"{c.label} {c.now}，{_versus(c.now, c.previous_quarter, '上季度')}，"
            f"{_versus(c.now, c.same_quarter_last_year, '去年同期')}"
            for c in review.trends.changes
        ]
        paragraphs.append("与此前相比：" + "；".join(parts) + "。")
    return paragraphs


def _duration(hours: float | None) -> str:
    if hours is None:
        return "—"
    return f"{hours:.1f} 小时" if hours < 48 else f"{hours / 24:.1f} 天"


def timing_paragraph(t: Timings) -> str:
    """Return the sentence on receipt and closure times and the return rate."""
    rate = "—" if t.return_rate is None else f"{t.return_rate:.0%}"
    return (
        f"本季度签收处置记录 {t.received} 件，自下达至签收用时中位数 "
        f"{_duration(t.receipt_median_hours)}、90% 分位 {_duration(t.receipt_p90_hours)}；"
        f"办结 {t.closed} 件，自下达至办结用时中位数 {_duration(t.closure_median_hours)}、"
        f"90% 分位 {_duration(t.closure_p90_hours)}。上报整改情况 {t.reported} 件，"
        f"其中被退回 {t.returned} 件，退回率 {rate}。"
    )
