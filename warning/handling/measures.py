"""The measure the office applies when it closes a record (处置措施), which may differ from
the grade the warning was issued with: the seeds evaluate the report first, then apply
风险提示、谈话提醒、诫勉谈话 or 责令整改 "by the seriousness of the case", or none."""

from warning.domain.enums import Response
from warning.domain.lifecycle import DomainError

NO_MEASURE = "none"
MEASURES: dict[str, str] = {**{r.value: r.label for r in Response}, NO_MEASURE: "不采取处置措施"}


class InvalidMeasure(DomainError):
    code = "invalid_measure"


def applied_measure(given: str, graded: str) -> str:
    """Return the measure to record on closing: the one given, else the grade at issue."""
    measure = given.strip() or graded
    if measure not in MEASURES:
        raise InvalidMeasure(
            f"处置措施“{measure}”无效，应为：{'、'.join(MEASURES.values())}",
            f"unknown measure {measure!r}: one of {', '.join(MEASURES)}", field="measure",
        )
    return measure
