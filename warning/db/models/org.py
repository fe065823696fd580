"""The organisation: units, departments with their supervising leader, posts, people."""

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warning.db.models.base import Base


class Unit(Base):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # 分管领导: receives escalations for this department (下管一级、上究一级).
    leader_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", use_alter=True), default=None
    )

    unit: Mapped[Unit] = relationship()
    leader: Mapped["Person | None"] = relationship(foreign_keys=[leader_id])


class Post(Base):
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    name: Mapped[str] = mapped_column(String(200))

    department: Mapped[Department] = relationship()


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"))
    title: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(200), default="")

    department: Mapped[Department | None] = relationship(foreign_keys=[department_id])
    post: Mapped[Post | None] = relationship()
