"""A review as a workbook: one sheet per table, Chinese headers, the same numbers as the page."""

from decimal import Decimal
from zoneinfo import ZoneInfo

from warning.domain.calendar import SHANGHAI
from warning.exports.files import Table, workbook_bytes
from warning.review.model import Bucket, Review

SUMMARY_ROWS = (
    ("signals", "信号数"),
    ("warnings", "新下达预警数"),
    ("closed", "本季度办结"),
    ("closed_on_time", "其中按期办结"),
    ("closed_late", "其中逾期办结"),
    ("overdue", "逾期"),
    ("returned", "退回整改"),
    ("withdrawn", "撤销"),
    ("repeat_subjects", "重复对象"),
    ("recurring_risk_points", "反复出现的风险点"),
    ("stale_risk_points", "久未复核的风险点"),
)
DEPARTMENT_HEADER = ("部门编码", "部门", "新下达预警", "办结", "按期办结", "逾期办结", "逾期",
                     "退回", "撤销")


def summary_table(review: Review, tz: ZoneInfo = SHANGHAI) -> Table:
    """Return the review's heading facts and totals as a two-column sheet."""
    fmt = "%Y-%m-%d %H:%M"
    facts: list[tuple[str, str | int]] = [
        ("季度", review.label),
        ("起止（北京时间）", f"{review.starts_at.astimezone(tz):{fmt}} 至 "
                     f"{review.ends_at.astimezone(tz):{fmt}}（不含）"),
        ("统计截至", review.cutoff.astimezone(tz).strftime(fmt)),
        ("范围", "全部部门" if review.all_departments else "本人可见部门"),
        ("久未复核标准", f"{review.stale_before.isoformat()} 之前复核或从未复核"
                     f"（{review.stale_months} 个月）"),
    ]
    totals = review.summary.model_dump()
    facts += [(label, totals[key]) for key, label in SUMMARY_ROWS]
    return Table("概况", ("项目", "数值"), facts)


def _buckets(title: str, dimension: str, buckets: list[Bucket]) -> Table:
    return Table(title, (dimension, "预警数"), [(b.label, b.warnings) for b in buckets])


def review_tables(review: Review, tz: ZoneInfo = SHANGHAI) -> list[Table]:
    """Return every table of the review, in the page's order."""
    return [
        summary_table(review, tz),
        Table("信号·按渠道", ("渠道编码", "渠道", "信号数", "引发预警的信号"),
              [(c.channel, c.name, c.signals, c.raised) for c in review.signals_by_channel]),
        Table("预警·按部门", DEPARTMENT_HEADER, [
            (d.department, d.name, d.warnings, d.closed, d.closed_on_time, d.closed_late,
             d.overdue, d.returned, d.withdrawn)
            for d in review.warnings_by_department
        ]),
        _buckets("预警·按风险类别", "风险类别", review.warnings_by_category),
        _buckets("预警·按风险等级", "风险等级", review.warnings_by_level),
        _buckets("预警·按处置措施", "处置措施", review.warnings_by_response),
        Table("办结·实际处置措施", ("实际采取的处置措施", "办结记录数"),
              [(b.label, b.warnings) for b in review.measures_applied]),
        Table("重复对象", ("对象类型", "对象", "部门", "预警数", "信号数", "涉及风险点数"), [
            (s.subject_kind_label, s.subject_name, s.department_name, s.warnings, s.signals,
             s.risk_points)
            for s in review.repeat_subjects
        ]),
        Table("高频风险点", ("风险点编号", "风险点", "风险类别", "风险等级", "责任部门",
                         "本季度预警", "信号数", "上季度预警", "建议"), [
            (p.code, p.name, p.category, p.level_label, p.department_name, p.warnings,
             p.signals, p.previous_quarter, p.advice_label)
            for p in review.hot_risk_points
        ]),
        Table("久未复核风险点", ("风险点编号", "风险点", "风险类别", "风险等级", "责任部门",
                            "上次复核日期"), [
            (p.code, p.name, p.category, p.level_label, p.department_name, p.reviewed_on)
            for p in review.stale_risk_points
        ]),
    ]


def trend_tables(review: Review) -> list[Table]:
    """Return the trend, the comparisons, the timings and the register's coverage as sheets."""
    t = review.trends
    if t is None:
        return []
    timing = t.timings
    return [
        Table("近八个季度", ("季度", "信号数", "新下达预警", "办结", "退回"),
              [(p.label, p.signals, p.warnings, p.closed, p.returned) for p in t.trend]),
        Table("同比环比", ("指标", "本季度", "上季度", "去年同期"),
              [(c.label, c.now, c.previous_quarter, c.same_quarter_last_year)
               for c in t.changes]),
        Table("处置用时", ("项目", "数值"), [
            ("本季度签收（件）", timing.received),
            ("下达至签收·中位数（小时）", _decimal(timing.receipt_median_hours)),
            ("下达至签收·90%分位（小时）", _decimal(timing.receipt_p90_hours)),
            ("本季度办结（件）", timing.closed),
            ("下达至办结·中位数（小时）", _decimal(timing.closure_median_hours)),
            ("下达至办结·90%分位（小时）", _decimal(timing.closure_p90_hours)),
            ("本季度上报（件）", timing.reported),
            ("其中被退回（件）", timing.returned),
            ("退回率", _decimal(timing.return_rate)),
        ]),
        Table("从未命中的风险点", ("风险点编号", "风险点", "风险类别", "风险等级", "责任部门"),
              [(p.code, p.name, p.category, p.level_label, p.department_name)
               for p in t.coverage.never_hit]),
    ]


def _decimal(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def review_xlsx(review: Review, tz: ZoneInfo = SHANGHAI, ledger: Table | None = None) -> bytes:
    """Return the review as an .xlsx workbook; with `ledger`, its 台账 as the last sheet."""
    tables = review_tables(review, tz) + trend_tables(review)
    return workbook_bytes(tables + ([ledger] if ledger is not None else []))
