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
    lease_seconds: float = 300.0
    batch_size: int = 20


def send_email(config: NotifyConfig, to: str, subject: str, body: str, key: str = "") -> None:
    """Send a plain-text UTF-8 mail; `key` makes its Message-ID the same on every attempt."""
    if not config.smtp_host:
        raise RuntimeError("SMTP host not configured")
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = f"<{key}@qingfeng>" if key else make_msgid(domain="qingfeng")
    message.set_content(body, charset="utf-8")
    with smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=config.timeout_seconds) as smtp:
        if config.smtp_starttls:
            smtp.starttls()
        if config.smtp_user:
            smtp.login(config.smtp_user, config.smtp_password)
        smtp.send_message(message)


def robot_payload(subject: str, body: str, key: str = "") -> dict[str, object]:
    """Return the text message JSON that WeCom and DingTalk group robots accept.

    `idempotency_key` (ignored by the robots) lets any other receiver drop a repeat.
    """
    payload: dict[str, object] = {"msgtype": "text", "text": {"content": f"{subject}\n{body}"}}
    if key:
        payload["idempotency_key"] = key
    return payload


def send_webhook(config: NotifyConfig, url: str, subject: str, body: str, key: str = "") -> None:
    """POST the notice to a robot webhook; a non-2xx answer or an errcode is a failure."""
    headers = {"Idempotency-Key": key} if key else {}
    response = httpx.post(url, json=robot_payload(subject, body, key), headers=headers,
                          timeout=config.timeout_seconds)
    response.raise_for_status()
    if "json" in response.headers.get("content-type", ""):
        answer = response.json()
        if isinstance(answer, dict) and answer.get("errcode", 0) not in (0, None):
            raise RuntimeError(f"robot refused: {answer.get('errcode')} {answer.get('errmsg')}")
