"""Settings from environment variables prefixed QINGFENG_."""

import os
import re
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator

from warning.database_url import check_database_url
from warning.env_settings import EnvSettings

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")  # as users' and the organisation's e-mails
DAY = 86_400.0  # seconds: the longest interval, lease or wait a setting may name


def default_data_dir() -> Path:
    """Return $XDG_DATA_HOME/qingfeng (~/.local/share/qingfeng): state kept out of the checkout."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "qingfeng"


class Settings(EnvSettings):
    """Everything the service reads from its environment (QINGFENG_<FIELD>)."""

    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Where the SQLite database and the attachments go unless set on their own "
        "(default: $XDG_DATA_HOME/qingfeng, i.e. ~/.local/share/qingfeng).",
    )
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL; SQLite file by default (<data dir>/qingfeng.db), "
        "PostgreSQL in production.",
    )
    rules_dir: Path = Path("rules")
    channels_dir: Path = Path("channels")
    timezone: str = "Asia/Shanghai"
    max_body_bytes: int = Field(
        default=8 * 1024 * 1024, ge=64 * 1024, le=1024 * 1024 * 1024,
        description="Largest request body (8 MB); attachments travel as base64."
    )
    attachments_dir: Path | None = Field(
        default=None, description="Handling-report attachments (default: <data dir>/attachments).")
    max_attachment_bytes: int = Field(
        default=5 * 1024 * 1024, ge=1, le=1024 * 1024 * 1024,
        description="Largest attachment (5 MB as Windows counts).")
    public_base_url: str = Field(
        default="", description="The public report page's address as reporters reach it, printed "
        "on receipt slips (default: the address the request came to).")
    public_channel: str = Field(
        default="petition", description="The confidential channel the public report page files to.")
    feed_failure_threshold: int = Field(default=3, ge=1, le=1000)
    holidays_file: Path | None = Field(
        default=None, description="节假日日历: the holidays and 调休 working days deadlines are "
        "counted by, as YAML (default: the bundled warning/handling/data/holidays-cn.yaml).")
    triage_days: int = Field(
        default=3, ge=1, le=60, description="研判期限: working days the office has to judge a "
        "proposal (待研判) before it shows as overdue on its 待办.")
    smtp_host: str = ""
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_user: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_starttls: bool = Field(default=False, description="Upgrade with STARTTLS (port 587).")
    smtp_ssl: bool = Field(default=False, description="Implicit TLS from the start (port 465).")
    smtp_timeout: float = Field(
        default=10.0, gt=0, le=600, description="Seconds per SMTP connection.")
    smtp_ca_file: Path | None = Field(
        default=None, description="CA certificates the mail server's certificate is checked "
        "against (an intranet CA); default: the system's.",
    )
    mail_sender: str = "qingfeng@localhost"
    office_emails: str = Field(default="", description="Comma-separated addresses of the office.")
    webhook_urls: dict[str, str] = Field(
        default_factory=dict,
        description='Group-robot webhooks as JSON, by audience: "*" (office and every '
        'department), "office", "department:<code>", "person:<id>".',
    )
    intake_batch_size: int = Field(default=200, ge=1, le=10_000)
    # A negative wait killed the intake writer thread (queue.get(timeout=-0.001) raises),
    # and every signal after it waited for ever.
    intake_batch_wait_ms: float = Field(default=2.0, ge=0, le=10_000)
    token_cache_seconds: float = Field(
        default=5.0, ge=0, le=3600,
        description="How long a process remembers a token's user (0: never)."
    )
    request_statement_seconds: float = Field(
        default=60.0, gt=0, le=3600,
        description="PostgreSQL: the longest a web request's database statement may run or wait "
        "for a lock; past it the request is answered 503 with Retry-After.",
    )
    worker_threads: int | None = Field(
        default=None, ge=1, le=200,
        description="Threads per process that run blocking routes (default: 8 on SQLite, "
        "whose writes queue on one lock anyway; 16 on PostgreSQL). On PostgreSQL each "
        "process keeps as many connections open, plus a few for its background jobs.",
    )
    rules_check_seconds: float = Field(
        default=5.0, ge=0, le=DAY,
        description="How often the service looks for changed rule files (0: never)."
    )
    rules_settle_seconds: float = Field(
        default=1.0, ge=0, le=600,
        description="How long rule files must stay unchanged before any load reads them "
        "(start-up, the watcher, a reload asked for): a file being written is not read.",
    )
    run_scheduler: bool = True
    evaluation_lease_seconds: float = Field(
        default=300.0, gt=0, le=DAY,
        description="How long a process holds a signal it evaluates; a "
        "signal whose holder died is evaluated by the retry job after this.")
    evaluation_max_attempts: int = Field(
        default=5, ge=1, le=100,
        description="Failed evaluations of one signal before it is `dead`.")
    evaluation_backoff_seconds: float = Field(
        default=60.0, ge=0, le=DAY, description="Wait after a signal's first failed evaluation; "
        "doubles after each further failure, at most an hour.")
    retry_seconds: float = Field(default=60.0, gt=0, le=DAY, description="Retry job interval.")
    deliver_seconds: float = Field(
        default=30.0, gt=0, le=DAY, description="Outbox delivery interval.")
    delivery_lease_seconds: float = Field(
        default=300.0, ge=20, le=DAY, description="How long a deliverer holds the notices it sends "
        "(it starts a send only while 3 x the SMTP timeout and 5 s more fit in the lease).")
    overdue_scan_seconds: float = Field(
        default=300.0, gt=0, le=DAY, description="Overdue scan interval.")
    scheduler_lease_seconds: float = Field(
        default=15.0, gt=0, le=3600, description="The scheduler leader's lease; another instance "
        "takes over at most this long (plus one renewal) after the leader dies.")
    scheduler_renew_seconds: float = Field(
        default=5.0, gt=0, le=3600,
        description="How often the leader renews (and others try) the lease.")
    secret_key: str = Field(
        default="", description="Signs forms; if empty, a key generated once and kept in the "
        "database is used.")
    api_token_days: float = Field(
        default=90, gt=0, le=3660, description="Lifetime of a new API token.")
    security_log_days: int = Field(
        default=365, ge=180, le=36_600,
        description="How long security-log rows are kept (at least the "
        "six months the Cybersecurity Law asks of network logs).")
    session_hours: float = Field(
        default=12, gt=0, le=24 * 31, description="Longest a session lasts.")
    session_idle_minutes: float = Field(
        default=30, gt=0, le=DAY / 60, description="A session unused this long is signed out.")
    login_max_failures: int = Field(
        default=5, ge=1, le=1000,
        description="Failed sign-ins of one account within the window that "
        "lock it.")
    login_max_failures_per_address: int = Field(
        default=20, ge=1, le=100_000,
        description="Failed sign-ins from one client address within the "
        "window that lock the address.")
    login_window_minutes: float = Field(default=15, gt=0, le=DAY / 60)
    lockout_minutes: float = Field(default=15, gt=0, le=DAY / 60)
    trusted_proxies: str = Field(
        default="", description="Comma-separated IPs or CIDRs of reverse proxies whose "
        "X-Forwarded-For and X-Forwarded-Proto are believed (default: none).")
    metrics_networks: str = Field(
        default="127.0.0.1,::1", description="Comma-separated IPs or CIDRs that may read "
        "GET /metrics without signing in (after trusted-proxy handling); the office and admins "
        "may read it signed in from anywhere, anyone else gets 404.")
    log_format: Literal["text", "json"] = Field(
        default="text", description="json: one JSON object per line, with the request id."
    )

    @field_validator("database_url")
    @classmethod
    def _usable_database_url(cls, url: str) -> str:
        """Refuse, by name, a URL no engine here can use (form, driver, port)."""
        return check_database_url(url) if url else url

    @field_validator("smtp_ssl")
    @classmethod
    def _one_way_to_tls(cls, ssl: bool, info: ValidationInfo) -> bool:
        """Refuse implicit TLS and STARTTLS together: one connection starts one way."""
        if ssl and info.data.get("smtp_starttls"):
            raise ValueError("与 QINGFENG_SMTP_STARTTLS 只能设置其一 (端口 465 用 SMTP_SSL, "
                             "端口 587 用 SMTP_STARTTLS)")
        return ssl

    @field_validator("office_emails")
    @classmethod
    def _office_addresses(cls, text: str) -> str:
        """Refuse an office address a mail server would bounce, when it is read."""
        bad = [a.strip() for a in text.split(",") if a.strip() and not _EMAIL.fullmatch(a.strip())]
        if bad:
            raise ValueError(f"不是邮箱地址: {'、'.join(bad)} (多个地址用英文逗号分隔)")
        _fit_targets(a.strip() for a in text.split(","))
        return text

    @field_validator("webhook_urls")
    @classmethod
    def _webhooks_fit(cls, urls: dict[str, str]) -> dict[str, str]:
        """Refuse an address longer than a delivery's target column holds."""
        _fit_targets(urls.values())
        return urls

    @field_validator("timezone")
    @classmethod
    def _known_time_zone(cls, name: str) -> str:
        """Refuse a time zone the scheduler could not use, before anything starts."""
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # 'Asia': IsADirectoryError
            raise ValueError(f"未知的时区“{name}” (如 Asia/Shanghai)") from None
        return name

    @model_validator(mode="after")
    def _delivery_lease_outlasts_a_send(self) -> "Settings":
        """A deliverer starts a send only while the send (at most 3 x the SMTP timeout) and
        5 s more fit in its lease: a shorter lease would send nothing, ever."""
        least = 3 * self.smtp_timeout + 5
        if self.delivery_lease_seconds <= least:
            raise ValueError(
                f"QINGFENG_DELIVERY_LEASE_SECONDS（{self.delivery_lease_seconds:g}）须大于 "
                f"3×QINGFENG_SMTP_TIMEOUT+5 = {least:g} 秒，否则任何通知都发不出去")
        return self

    @model_validator(mode="after")
    def _state_under_data_dir(self) -> "Settings":
        """Put the database and attachments under the data directory unless set."""
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'qingfeng.db'}"
        if self.attachments_dir is None:
            self.attachments_dir = self.data_dir / "attachments"
        return self

    @cached_property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def route_threads(self) -> int:
        """Threads per process that run blocking routes."""
        return self.worker_threads or (8 if self.is_sqlite else 16)


MAX_TARGET = 500  # deliveries.target: PostgreSQL refused a longer one at every delivery run


def _fit_targets(targets: Iterable[str]) -> None:
    long = [t[:60] + "…" for t in targets if len(t) > MAX_TARGET]
    if long:
        raise ValueError(f"地址超过 {MAX_TARGET} 个字符: {'、'.join(long)}")


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment, with explicit overrides taking precedence."""
    return Settings(**overrides)  # type: ignore[arg-type]
