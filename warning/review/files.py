"""A review as a file to hand in: .xlsx (every table and the 台账) or .docx (the written report)."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.db.models import Unit
from warning.domain.calendar import SHANGHAI
from warning.domain.quarter import Quarter
from warning.review.figures import build_review
from warning.review.ledger import ledger_table
from warning.review.period import Period


class ReviewFormat(StrEnum):
    """The files a review can be saved as."""

    XLSX = "xlsx"
    DOCX = "docx"

    @property
    def media_type(self) -> str:
        if self is ReviewFormat.DOCX:
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ReviewFile:
    """A review's file: its bytes, its Chinese name and its ASCII fallback name."""

    content: bytes
    filename: str
    ascii_filename: str
    media_type: str


def review_file(
    session: Session, *, principal: Principal | None, quarter: Quarter, now: datetime,
    fmt: ReviewFormat, tz: ZoneInfo = SHANGHAI,
) -> ReviewFile:
    """Build a quarter's review as `fmt`, scoped to `principal` (None: every department)."""
    review = build_review(session, principal=principal, quarter=quarter, now=now, tz=tz)
    if fmt is ReviewFormat.DOCX:
        from warning.review.document import review_docx

        unit = session.scalar(select(Unit.name).order_by(Unit.id).limit(1)) or ""
        content = review_docx(review, unit=unit, tz=tz)
        name = f"季度审查报告-{review.quarter}.docx"
    else:
        from warning.review.workbook import review_xlsx

        period = Period.of(quarter, now, tz)
        ledger = ledger_table(session, principal=principal, period=period, tz=tz)
        content = review_xlsx(review, tz, ledger)
        name = f"季度审查-{review.quarter}.xlsx"
    return ReviewFile(content, name, f"review-{review.quarter}.{fmt.value}", fmt.media_type)
