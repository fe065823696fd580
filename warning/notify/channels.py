"""Send one message by e-mail (SMTP) or to a group-robot webhook (WeCom/DingTalk)."""

import smtplib
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import httpx


@dataclass(frozen=True)
class NotifyConfig:
    """Where and how notices are delivered."""

    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    sender: str = "qingfeng@localhost"
    office_emails: tuple[str, ...] = ()
    webhooks: dict[str, str] = field(default_factory=dict)
    timeout_seconds: float = 10.0
    max_attempts: int = 6
    backoff_base_seconds: float = 30.0
    backoff_cap_seconds: float = 3600.0


def send_email(config: NotifyConfig, to: str, subject: str, body: str) -> None:
    """Send a plain-text UTF-8 mail through the configured SMTP server."""
    if not config.smtp_host:
        raise RuntimeError("SMTP host not configured")
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="qingfeng")
    message.set_content(body, charset="utf-8")
    with smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=config.timeout_seconds) as smtp:
        if config.smtp_starttls:
            smtp.starttls()
        if config.smtp_user:
            smtp.login(config.smtp_user, config.smtp_password)
        smtp.send_message(message)


def robot_payload(subject: str, body: str) -> dict[str, object]:
    """Return the text message JSON that WeCom and DingTalk group robots accept."""
    return {"msgtype": "text", "text": {"content": f"{subject}\n{body}"}}


def send_webhook(config: NotifyConfig, url: str, subject: str, body: str) -> None:
    """POST the notice to a robot webhook; a non-2xx answer or an errcode is a failure."""
    response = httpx.post(url, json=robot_payload(subject, body), timeout=config.timeout_seconds)
    response.raise_for_status()
    if "json" in response.headers.get("content-type", ""):
        answer = response.json()
        if isinstance(answer, dict) and answer.get("errcode", 0) not in (0, None):
            raise RuntimeError(f"robot refused: {answer.get('errcode')} {answer.get('errmsg')}")
