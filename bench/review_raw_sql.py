"""The review bench's yardstick: one hand-written SQL query computing the review's counts.

It computes what `build_review` counts for a reader of every department, by the same rules
(proposals left out, 新下达 by the record's issue time), written by hand as one statement of
UNION ALL parts, each a single grouped pass:
- signals by channel, and how many reached a warning;
- the quarter's records (issued, closed, returned, escalated in it, or still waiting on
  their department at its end) with their warning and risk point, grouped by department,
  category, level, response and measure applied: issued in the quarter, closed, closed on
  time, closed late, withdrawn, returned, overdue;
- risk points hit in the quarter and the one before (withdrawn left out), subjects with
  several warnings or repeats, risk points never hit, stale risk points;
- the eight quarters' trend (signals, issued, closed, records returned), each one grouped
  pass over the two years;
- the timings' counts (records first signed for, reported, returned and reported).
Hot points and repeats leave a withdrawn warning (no hit) out by NOT IN the few withdrawn
records, the faster form on both databases at a million records. What it leaves out: the
percentiles (the figures compute them; the query only counts), labels and ordering, which
make it a stricter yardstick, not a weaker one.
Columns: kind, five keys, seven counts. The bench times the query as one statement and as its
parts one by one, and takes the faster as the yardstick.
"""

from datetime import datetime

from warning.domain.quarter import Quarter, recent_quarters

WAITING = "('issued', 'received', 'in_progress')"
TREND = "\n".join(f"WHEN {{col}} < :q{i} THEN {i - 1}" for i in range(1, 8))


def _bucket(column: str) -> str:
    return f"CASE {TREND.format(col=column)} ELSE 7 END"


# The quarter's records, written the way each database runs faster (measured at 1M, session 7):
# PostgreSQL one scan with an OR, SQLite a UNION of index ranges.
TOUCHED = {
    "postgresql": f"""(r.issued_at >= :start AND r.issued_at < :end)
     OR (r.closed_at >= :start AND r.closed_at < :end)
     OR (r.state IN {WAITING} AND r.issued_at < :end)
     OR r.id IN (SELECT record_id FROM handling_events WHERE action IN ('return', 'escalate')
                 AND created_at >= :start AND created_at < :end)""",
    "sqlite": f"""r.id IN (
       SELECT id FROM handling_records WHERE issued_at >= :start AND issued_at < :end
       UNION SELECT id FROM handling_records WHERE closed_at >= :start AND closed_at < :end
       UNION SELECT id FROM handling_records WHERE state IN {WAITING} AND issued_at < :end
       UNION SELECT record_id FROM handling_events WHERE action IN ('return', 'escalate')
             AND created_at >= :start AND created_at < :end)""",
}
_RAW_SQL = f"""
SELECT 'signals', s.channel_id, NULL, NULL, NULL, NULL, COUNT(*),
       SUM(CASE WHEN EXISTS (SELECT 1 FROM warning_signals ws
                             JOIN warnings wn ON wn.id = ws.warning_id
                             WHERE ws.signal_id = s.id AND NOT wn.is_proposal)
           THEN 1 ELSE 0 END), NULL, NULL, NULL, NULL, NULL
  FROM signals s WHERE s.received_at >= :start AND s.received_at < :end
  GROUP BY s.channel_id
UNION ALL
SELECT 'records', w.department_id, p.category, p.level, w.response, r.measure_applied,
       SUM(CASE WHEN r.issued_at >= :start AND r.issued_at < :end THEN 1 ELSE 0 END),
       SUM(CASE WHEN r.state = 'closed' AND r.closed_at >= :start AND r.closed_at < :end
           THEN 1 ELSE 0 END),
       SUM(CASE WHEN r.state = 'closed' AND r.closed_at >= :start AND r.closed_at < :end
                AND NOT (r.escalated_at IS NOT NULL OR COALESCE(r.received_at > r.receive_due_at,
                         FALSE)
                         OR COALESCE(COALESCE(r.reported_at, r.closed_at) > r.report_due_at,
                                     FALSE))
           THEN 1 ELSE 0 END),
       SUM(CASE WHEN r.state = 'closed' AND r.closed_at >= :start AND r.closed_at < :end
                AND (r.escalated_at IS NOT NULL OR COALESCE(r.received_at > r.receive_due_at,
                     FALSE)
                     OR COALESCE(COALESCE(r.reported_at, r.closed_at) > r.report_due_at, FALSE))
           THEN 1 ELSE 0 END),
       SUM(CASE WHEN r.state = 'withdrawn' AND r.closed_at >= :start AND r.closed_at < :end
           THEN 1 ELSE 0 END),
       SUM(CASE WHEN r.id IN (SELECT record_id FROM handling_events WHERE action = 'return'
                              AND created_at >= :start AND created_at < :end)
           THEN 1 ELSE 0 END),
       SUM(CASE WHEN r.id IN (SELECT record_id FROM handling_events WHERE action = 'escalate'
                              AND created_at >= :start AND created_at < :end)
                OR (r.state IN {WAITING} AND CASE WHEN r.state = 'issued'
                    THEN r.receive_due_at ELSE r.report_due_at END < :cutoff)
           THEN 1 ELSE 0 END)
  FROM handling_records r JOIN warnings w ON w.id = r.warning_id AND NOT w.is_proposal
  JOIN risk_points p ON p.id = w.risk_point_id
  WHERE {{touched}}
  GROUP BY w.department_id, p.category, p.level, w.response, r.measure_applied
UNION ALL
SELECT 'hot', w.risk_point_id, NULL, NULL, NULL, NULL,
       SUM(CASE WHEN w.created_at >= :start THEN 1 ELSE 0 END),
       SUM(CASE WHEN w.created_at >= :start THEN w.repeat_count ELSE 0 END),
       SUM(CASE WHEN w.created_at < :start THEN 1 ELSE 0 END), NULL, NULL, NULL, NULL
  FROM warnings w
  WHERE w.created_at >= :previous AND w.created_at < :end AND NOT w.is_proposal
    AND w.id NOT IN (SELECT warning_id FROM handling_records WHERE state = 'withdrawn')
  GROUP BY w.risk_point_id HAVING SUM(CASE WHEN w.created_at >= :start THEN 1 ELSE 0 END) > 0
UNION ALL
SELECT 'repeat', w.department_id, w.subject_kind, w.subject_key, NULL, NULL, COUNT(*),
       SUM(w.repeat_count), COUNT(DISTINCT w.risk_point_id), NULL, NULL, NULL, NULL
  FROM warnings w
  WHERE w.created_at >= :start AND w.created_at < :end AND NOT w.is_proposal
    AND w.id NOT IN (SELECT warning_id FROM handling_records WHERE state = 'withdrawn')
  GROUP BY w.department_id, w.subject_kind, w.subject_key
  HAVING COUNT(*) > 1 OR MAX(w.repeat_count) > 1
UNION ALL
SELECT 'register', NULL, NULL, NULL, NULL, NULL, COUNT(*),
       SUM(CASE WHEN p.level = 'high' THEN 1 ELSE 0 END),
       SUM(CASE WHEN p.reviewed_on IS NULL OR p.reviewed_on < :stale THEN 1 ELSE 0 END),
       SUM(CASE WHEN NOT EXISTS (
             SELECT 1 FROM warnings w JOIN handling_records r ON r.warning_id = w.id
             WHERE w.risk_point_id = p.id AND w.created_at < :end AND NOT w.is_proposal
               AND r.state <> 'withdrawn') THEN 1 ELSE 0 END), NULL, NULL, NULL
  FROM risk_points p
UNION ALL
SELECT 'trend signals', {_bucket("received_at")}, NULL, NULL, NULL, NULL, COUNT(*),
       NULL, NULL, NULL, NULL, NULL, NULL
  FROM signals WHERE received_at >= :q0 AND received_at < :q8 GROUP BY 2
UNION ALL
SELECT 'trend issued', {_bucket("issued_at")}, NULL, NULL, NULL, NULL, COUNT(*),
       NULL, NULL, NULL, NULL, NULL, NULL
  FROM handling_records WHERE issued_at >= :q0 AND issued_at < :q8 GROUP BY 2
UNION ALL
SELECT 'trend closed', {_bucket("closed_at")}, NULL, NULL, NULL, NULL, COUNT(*),
       NULL, NULL, NULL, NULL, NULL, NULL
  FROM handling_records WHERE state = 'closed' AND closed_at >= :q0 AND closed_at < :q8
  GROUP BY 2
UNION ALL
SELECT 'trend returned', {_bucket("created_at")}, NULL, NULL, NULL, NULL,
       COUNT(DISTINCT record_id), NULL, NULL, NULL, NULL, NULL, NULL
  FROM handling_events WHERE action = 'return' AND created_at >= :q0 AND created_at < :q8
  GROUP BY 2
UNION ALL
SELECT 'timings', NULL, NULL, NULL, NULL, NULL,
       (SELECT COUNT(*) FROM handling_records
        WHERE received_at >= :start AND received_at < :end),
       (SELECT COUNT(DISTINCT record_id) FROM handling_events
        WHERE action = 'report' AND created_at >= :start AND created_at < :end),
       (SELECT COUNT(DISTINCT record_id) FROM handling_events
        WHERE action = 'return' AND created_at >= :start AND created_at < :end
          AND record_id IN (SELECT record_id FROM handling_events WHERE action = 'report'
                            AND created_at >= :start AND created_at < :end)),
       NULL, NULL, NULL, NULL
"""


def raw_sql(dialect: str) -> str:
    """Return the query for `dialect` ("postgresql" or "sqlite")."""
    return _RAW_SQL.replace("{touched}", TOUCHED[dialect])


def raw_parts(dialect: str) -> list[str]:
    """Return the query's UNION ALL parts, each a query of its own (timed apart as well: on
    PostgreSQL the one statement is planned, and JIT-compiled, as a whole)."""
    return raw_sql(dialect).split("UNION ALL\nSELECT '")[:1] + [
        "SELECT '" + part for part in raw_sql(dialect).split("UNION ALL\nSELECT '")[1:]]


def raw_parameters(quarter: Quarter, now: datetime, stale_before: str,
                   sqlite: bool) -> dict[str, object]:
    """Return the query's parameters as each database stores times (SQLite: UTC text)."""
    spans = list(reversed(recent_quarters(quarter, 8)))
    times = {"start": quarter.starts_at(), "end": quarter.ends_at(),
             "previous": quarter.previous().starts_at(),
             "cutoff": min(now, quarter.ends_at()),
             **{f"q{i}": q.starts_at() for i, q in enumerate(spans)},
             "q8": quarter.ends_at()}
    if sqlite:
        fmt = "%Y-%m-%d %H:%M:%S.%f"
        return {**{k: v.strftime(fmt) for k, v in times.items()}, "stale": stale_before}
    return {**times, "stale": stale_before}


def raw_totals(rows: list[tuple[object, ...]]) -> dict[str, object]:
    """Sum the query's rows into the review's totals, to check both count the same."""
    def total(kind: str, column: int) -> int:
        return sum(int(row[column] or 0) for row in rows if row[0] == kind)

    register = next(row for row in rows if row[0] == "register")
    timing = next(row for row in rows if row[0] == "timings")
    trend = {name: [0] * 8 for name in ("signals", "warnings", "closed", "returned")}
    for row in rows:
        kind = str(row[0])
        if kind.startswith("trend "):
            name = {"issued": "warnings"}.get(kind[6:], kind[6:])
            trend[name][int(row[1])] = int(row[6])  # type: ignore[call-overload]
    return {
        "signals": total("signals", 6), "raised": total("signals", 7),
        "warnings": total("records", 6), "closed": total("records", 7),
        "closed_on_time": total("records", 8), "closed_late": total("records", 9),
        "withdrawn": total("records", 10), "returned": total("records", 11),
        "overdue": total("records", 12), "hot_points": sum(1 for row in rows if row[0] == "hot"),
        "repeat_subjects": sum(1 for row in rows if row[0] == "repeat"),
        "points": int(register[6]), "high": int(register[7]),  # type: ignore[call-overload]
        "stale": int(register[8]), "never_hit": int(register[9]),  # type: ignore[call-overload]
        "received": int(timing[6]), "reported": int(timing[7]),  # type: ignore[call-overload]
        "returned_reported": int(timing[8]), "trend": trend,  # type: ignore[call-overload]
    }


def review_totals(review: object) -> dict[str, object]:
    """The same totals read from a `Review`."""
    r: object = review
    s = r.summary  # type: ignore[attr-defined]
    t = r.trends  # type: ignore[attr-defined]
    return {
        "signals": s.signals, "raised": sum(c.raised for c in r.signals_by_channel),  # type: ignore[attr-defined]
        "warnings": s.warnings, "closed": s.closed, "closed_on_time": s.closed_on_time,
        "closed_late": s.closed_late, "withdrawn": s.withdrawn, "returned": s.returned,
        "overdue": s.overdue, "hot_points": len(r.hot_risk_points),  # type: ignore[attr-defined]
        "repeat_subjects": s.repeat_subjects, "points": t.coverage.points,
        "high": t.coverage.high, "stale": s.stale_risk_points,
        "never_hit": len(t.coverage.never_hit), "received": t.timings.received,
        "reported": t.timings.reported, "returned_reported": t.timings.returned,
        "trend": {name: [getattr(p, name) for p in t.trend]
                  for name in ("signals", "warnings", "closed", "returned")},
    }
