"""The risk register (廉洁风险点清单) and its configurable categories."""

from datetime import date

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warning.db.models.base import Base
from warning.db.models.org import Department, Post


class Category(Base):
    """A risk category (风险类别); the seeds' five are the default rows."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    position: Mapped[int] = mapped_column(default=0)


class RiskPoint(Base):
    __tablename__ = "risk_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    manifestation: Mapped[str] = mapped_column(Text, default="")  # 风险表现形式
    category: Mapped[str] = mapped_column(String(50))
    level: Mapped[str] = mapped_column(String(10))  # Level value
    owner_level: Mapped[str] = mapped_column(String(20))  # OwnerLevel value
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"))
    business_area: Mapped[str] = mapped_column(String(100), default="")
    measure_prevention: Mapped[str] = mapped_column(Text, default="")  # 前期预防
    measure_monitoring: Mapped[str] = mapped_column(Text, default="")  # 中期监控
    measure_handling: Mapped[str] = mapped_column(Text, default="")  # 后期处置
    responsible_person: Mapped[str] = mapped_column(String(100), default="")
    reviewed_on: Mapped[date | None] = mapped_column(Date, default=None)

    department: Mapped[Department | None] = relationship()
    post: Mapped[Post | None] = relationship()
