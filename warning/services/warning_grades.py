"""A warning's grade as rules fire for it: a new warning graded by the heaviest of its
rules, and an open one counted and graded again as a signal joins it."""

from datetime import datetime
from typing import Any

from warning.db.models.signals import StoredSignal
from warning.domain.enums import Level, Response
from warning.domain.grading import Grade, GradingPolicy, RuleGrade
from warning.rules.evaluator import RuleMatch
from warning.services.directory import Directory, RiskPointRef
from warning.services.subjects import Subject
from warning.services.warning_rows import WarningRow
from warning.triage.policy import warning_key

Regrade = tuple[str, Grade, int]  # previous response, new grade, the count that raised it


# what a new warning's Opening holds but its id (department id, response, risk point name,
# department name, receive days, report days, day kind, proposed)
OpeningFields = tuple[int | None, str, str, str, int, int, Any, bool]


def new_warning(
    signal: StoredSignal, fired: list[tuple[RuleMatch, RuleGrade, Subject]], point: RiskPointRef,
    grading: GradingPolicy, directory: Directory, now: datetime,
    bases: dict[tuple[Level, int], Response], proposal: bool, apart: bool = False,
) -> tuple[WarningRow, OpeningFields]:
    """Open a warning graded by the heaviest of the rules that fired for it (`bases`: the
    matrix responses found so far, by level and severity), a proposal (待研判) or not, its
    subject held apart or not (`keeps_apart`)."""
    if len(fired) == 1:  # most warnings: one rule, graded alone (heaviest() of one rule)
        match, winner, subject = fired[0]
        grade = grading.grade(point.level, winner.severity, max(winner.times, 1),
                              winner.response)
        base = winner.response
        if base is None:
            try:
                base = bases[(point.level, winner.severity)]
            except KeyError:
                base = bases.setdefault((point.level, winner.severity),
                                        grading.base(point.level, winner.severity))
        severity, rule_ids = winner.severity, [winner.rule_id]
    else:
        rules = [rule for _m, rule, _s in fired]
        winner, grade = grading.heaviest(point.level, rules)
        match = next(m for m, rule, _s in fired if rule is winner)
        subject = fired[0][2]
        base = max((rule.response or grading.base(point.level, rule.severity)
                    for rule in rules), key=lambda r: r.rank)
        severity = max(rule.severity for rule in rules)
        rule_ids = list(dict.fromkeys(rule.rule_id for rule in rules))
    channel = directory.channel_by_id[signal.channel_id]
    department = signal.department_id or channel.default_department_id or point.department_id
    response = grade.response.value
    warning = WarningRow(
        risk_point_id=point.id, subject_key=warning_key(subject.key, proposal, apart),
        signal_id=signal.id,
        response=response, severity=severity,
        repeat_count=1, department_id=department, subject_kind=subject.kind.value,
        subject_name=subject.name, rule_id=winner.rule_id, rule_version=match.rule_version,
        created_at=now, base_response=base.value, rule_ids=rule_ids, is_proposal=proposal,
    )
    opening = (department, response, point.name,
               directory.name_of_department.get(department or 0, ""), grade.receive_days,
               grade.report_days, grade.day_kind, proposal)
    return warning, opening


def join(
    warning: WarningRow, rules: list[RuleGrade], point: RiskPointRef, grading: GradingPolicy
) -> tuple[Regrade | None, str]:
    """Count one more signal on an open warning and grade it again; return the regrade (if
    it became heavier) and the heaviest joining rule."""
    warning.repeat_count += 1
    warning.added += 1
    warning.changed = True
    present = Response(warning.response)
    base = Response(warning.base_response or warning.response)
    winner, _grade = grading.heaviest(point.level, rules, warning.repeat_count)
    grade = grading.regraded(point.level, present=present, base=base, rules=rules,
                             count=warning.repeat_count)
    bases = [base, *(r.response or grading.base(point.level, r.severity) for r in rules)]
    warning.base_response = max(bases, key=lambda r: r.rank).value
    warning.severity = max(warning.severity, *(r.severity for r in rules))
    warning.rule_ids = list(dict.fromkeys([*warning.rule_ids, *(r.rule_id for r in rules)]))
    if grade is None:
        return None, winner.rule_id
    warning.response = grade.response.value
    return (present.value, grade, warning.repeat_count), winner.rule_id
