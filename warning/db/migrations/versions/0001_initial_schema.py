"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 13:42:52.520323
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import warning.db.models.base

DEFAULT_CATEGORIES = ("思想道德", "岗位职责", "业务流程", "制度机制", "外部环境")

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_categories")),
        sa.UniqueConstraint("name", name=op.f("uq_categories_name")),
    )
    op.create_table(
        "units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_units")),
        sa.UniqueConstraint("code", name=op.f("uq_units_code")),
    )
    op.create_table(
        "departments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("leader_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_departments_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_departments")),
        sa.UniqueConstraint("code", name=op.f("uq_departments_code")),
    )
    op.create_table(
        "channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("confidential", sa.Boolean(), nullable=False),
        sa.Column("default_department_id", sa.Integer(), nullable=True),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("definition_hash", sa.String(length=64), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("etag", sa.String(length=500), nullable=False),
        sa.Column("last_modified", sa.String(length=100), nullable=False),
        sa.Column("gone", sa.Boolean(), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("last_run_at", warning.db.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.String(length=32), nullable=False),
        sa.Column("last_error", sa.String(length=2000), nullable=False),
        sa.ForeignKeyConstraint(
            ["default_department_id"],
            ["departments.id"],
            name=op.f("fk_channels_default_department_id_departments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channels")),
        sa.UniqueConstraint("code", name=op.f("uq_channels_code")),
    )
    op.create_table(
        "posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_posts_department_id_departments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posts")),
    )
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_people_department_id_departments")
        ),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], name=op.f("fk_people_post_id_posts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
    )
    with op.batch_alter_table("departments") as batch_op:
        batch_op.create_foreign_key(
            op.f("fk_departments_leader_id_people"), "people", ["leader_id"], ["id"]
        )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_people_name"), ["name"], unique=False)

    op.create_table(
        "risk_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("manifestation", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=50), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("owner_level", sa.String(length=20), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("business_area", sa.String(length=100), nullable=False),
        sa.Column("measure_prevention", sa.Text(), nullable=False),
        sa.Column("measure_monitoring", sa.Text(), nullable=False),
        sa.Column("measure_handling", sa.Text(), nullable=False),
        sa.Column("responsible_person", sa.String(length=100), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_risk_points_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_risk_points_post_id_posts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_points")),
        sa.UniqueConstraint("code", name=op.f("uq_risk_points_code")),
    )
    op.create_table(
        "signals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("person", sa.String(length=100), nullable=False),
        sa.Column("post", sa.String(length=200), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("occurred_at", warning.db.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("received_at", warning.db.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=2000), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_signals_channel_id_channels")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_signals_department_id_departments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signals")),
        sa.UniqueConstraint(
            "channel_id", "external_id", name=op.f("uq_signals_channel_id_external_id")
        ),
    )
    with op.batch_alter_table("signals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signals_status"), ["status"], unique=False)

    op.create_table(
        "warnings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("risk_point_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("subject_key", sa.String(length=300), nullable=False),
        sa.Column("subject_name", sa.String(length=200), nullable=False),
        sa.Column("rule_id", sa.String(length=100), nullable=False),
        sa.Column("rule_version", sa.String(length=64), nullable=False),
        sa.Column("signal_id", sa.Integer(), nullable=False),
        sa.Column("response", sa.String(length=16), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column("repeat_count", sa.Integer(), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("created_at", warning.db.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_warnings_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["risk_point_id"],
            ["risk_points.id"],
            name=op.f("fk_warnings_risk_point_id_risk_points"),
        ),
        sa.ForeignKeyConstraint(
            ["signal_id"], ["signals.id"], name=op.f("fk_warnings_signal_id_signals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warnings")),
    )
    with op.batch_alter_table("warnings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_warnings_created_at"), ["created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_warnings_department_id"), ["department_id"], unique=False
        )
        batch_op.create_index(
            "ix_warnings_open_subject", ["risk_point_id", "subject_key", "is_open"], unique=False
        )

    op.create_table(
        "handling_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warning_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("responsible_person", sa.String(length=100), nullable=False),
        sa.Column(
            "receive_due_at", warning.db.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "report_due_at", warning.db.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("overdue_level", sa.Integer(), nullable=False),
        sa.Column("closed_at", warning.db.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", warning.db.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["warning_id"], ["warnings.id"], name=op.f("fk_handling_records_warning_id_warnings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handling_records")),
        sa.UniqueConstraint("warning_id", name=op.f("uq_handling_records_warning_id")),
    )
    with op.batch_alter_table("handling_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_handling_records_state"), ["state"], unique=False)

    op.create_table(
        "rule_hits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("signal_id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(length=100), nullable=False),
        sa.Column("rule_version", sa.String(length=64), nullable=False),
        sa.Column("risk_point_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("subject_key", sa.String(length=300), nullable=False),
        sa.Column("hit_at", warning.db.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("warning_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["risk_point_id"],
            ["risk_points.id"],
            name=op.f("fk_rule_hits_risk_point_id_risk_points"),
        ),
        sa.ForeignKeyConstraint(
            ["signal_id"], ["signals.id"], name=op.f("fk_rule_hits_signal_id_signals")
        ),
        sa.ForeignKeyConstraint(
            ["warning_id"], ["warnings.id"], name=op.f("fk_rule_hits_warning_id_warnings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_hits")),
        sa.UniqueConstraint("signal_id", "rule_id", name=op.f("uq_rule_hits_signal_id_rule_id")),
    )
    with op.batch_alter_table("rule_hits", schema=None) as batch_op:
        batch_op.create_index(
            "ix_rule_hits_rule_subject", ["rule_id", "subject_key", "hit_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_rule_hits_signal_id"), ["signal_id"], unique=False)

    op.create_table(
        "warning_signals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warning_id", sa.Integer(), nullable=False),
        sa.Column("signal_id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(length=100), nullable=False),
        sa.Column("attached_at", warning.db.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["signal_id"], ["signals.id"], name=op.f("fk_warning_signals_signal_id_signals")
        ),
        sa.ForeignKeyConstraint(
            ["warning_id"], ["warnings.id"], name=op.f("fk_warning_signals_warning_id_warnings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warning_signals")),
        sa.UniqueConstraint(
            "warning_id", "signal_id", name=op.f("uq_warning_signals_warning_id_signal_id")
        ),
    )
    with op.batch_alter_table("warning_signals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_warning_signals_warning_id"), ["warning_id"], unique=False
        )

    op.create_table(
        "handling_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=False),
        sa.Column("to_state", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", warning.db.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["handling_records.id"],
            name=op.f("fk_handling_events_record_id_handling_records"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handling_events")),
        sa.UniqueConstraint("record_id", "seq", name=op.f("uq_handling_events_record_id_seq")),
    )
    categories = sa.table(
        "categories", sa.column("name", sa.String), sa.column("position", sa.Integer)
    )
    op.bulk_insert(
        categories, [{"name": n, "position": i} for i, n in enumerate(DEFAULT_CATEGORIES)]
    )


def downgrade() -> None:
    op.drop_table("handling_events")
    with op.batch_alter_table("warning_signals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_warning_signals_warning_id"))

    op.drop_table("warning_signals")
    with op.batch_alter_table("rule_hits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rule_hits_signal_id"))
        batch_op.drop_index("ix_rule_hits_rule_subject")

    op.drop_table("rule_hits")
    with op.batch_alter_table("handling_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handling_records_state"))

    op.drop_table("handling_records")
    with op.batch_alter_table("warnings", schema=None) as batch_op:
        batch_op.drop_index("ix_warnings_open_subject")
        batch_op.drop_index(batch_op.f("ix_warnings_department_id"))
        batch_op.drop_index(batch_op.f("ix_warnings_created_at"))

    op.drop_table("warnings")
    with op.batch_alter_table("signals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signals_status"))

    op.drop_table("signals")
    op.drop_table("risk_points")
    with op.batch_alter_table("departments") as batch_op:
        batch_op.drop_constraint(op.f("fk_departments_leader_id_people"), type_="foreignkey")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_people_name"))

    op.drop_table("people")
    op.drop_table("posts")
    op.drop_table("channels")
    op.drop_table("departments")
    op.drop_table("units")
    op.drop_table("categories")
