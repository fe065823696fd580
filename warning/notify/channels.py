"""Send one message by e-mail (SMTP) or to a group-robot webhook (WeCom/DingTalk)."""

import asyncio
import json
import smtplib
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import urlsplit

import httpx


@dataclass(frozen=True)
class NotifyConfig:
    """Where and how notices are delivered."""

    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_ssl: bool = False  # implicit TLS (port 465)
    smtp_ca_file: str | None = None
    sender: str = "qingfeng@localhost"
    office_emails: tuple[str, ...] = ()
    webhooks: dict[str, str] = field(default_factory=dict)
    timeout_seconds: float = 10.0
    max_attempts: int = 6
    backoff_base_seconds: float = 30.0
    backoff_cap_seconds: float = 3600.0
    lease_seconds: float = 300.0
    batch_size: int = 20

    @property
    def send_limit_seconds(self) -> float:
        """Return the most one send may take: connect, talk and answer, each `timeout`.

        The timeouts of httpx and smtplib are per operation and restart with every byte,
        so a receiver answering a byte at a time would hold a send (and the delivery job,
        and every later notice) for ever; this bounds the whole send.
        """
        return self.timeout_seconds * 3


MAX_ANSWER_BYTES = 1_000_000  # a robot answers with a few dozen bytes of JSON


class MailError(RuntimeError):
    """A mail the SMTP server did not take, said in Chinese for the notice's last error."""


def send_email(config: NotifyConfig, to: str, subject: str, body: str, key: str = "") -> None:
    """Send a plain-text UTF-8 mail; `key` makes its Message-ID the same on every attempt."""
    if not config.smtp_host:
        raise MailError("未配置邮件服务器 (QINGFENG_SMTP_HOST)")
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = f"<{key}@qingfeng>" if key else make_msgid(domain="qingfeng")
    message.set_content(body, charset="utf-8")
    where = f"{config.smtp_host}:{config.smtp_port}"
    try:
        _send(config, message)
    except smtplib.SMTPAuthenticationError as error:
        raise MailError(f"邮件服务器 {where} 拒绝登录, 请检查用户名和密码 "
                        f"(QINGFENG_SMTP_USER/PASSWORD): {_reply(error)}") from None
    except UnicodeEncodeError:
        raise MailError("SMTP 用户名或密码含非 ASCII 字符, 邮件服务器登录只接受 ASCII") from None
    except smtplib.SMTPNotSupportedError as error:
        hint = ("; 多数服务器只在加密后允许登录: 设置 QINGFENG_SMTP_STARTTLS=true (端口 587) "
                "或 QINGFENG_SMTP_SSL=true (端口 465)"
                if config.smtp_user and not (config.smtp_starttls or config.smtp_ssl) else "")
        raise MailError(f"邮件服务器 {where} 不支持所需功能 (STARTTLS 或登录): {error}{hint}"
                        ) from None
    except smtplib.SMTPRecipientsRefused as error:
        raise MailError(f"邮件服务器 {where} 拒收收件人 {to}: {error.recipients}") from None
    except smtplib.SMTPResponseException as error:
        raise MailError(f"邮件服务器 {where} 拒绝发送: {_reply(error)}") from None
    except ssl.SSLError as error:
        raise MailError(f"与邮件服务器 {where} 建立 TLS 失败 (证书或协议不符, "
                        f"见 QINGFENG_SMTP_CA_FILE/SMTP_SSL/SMTP_STARTTLS): {error}") from None
    except TimeoutError:
        raise MailError(f"连接邮件服务器 {where} 超时 ({config.timeout_seconds:g} 秒)") from None
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(f"无法连接邮件服务器 {where}: {type(error).__name__}: {error}") from None


def _send(config: NotifyConfig, message: EmailMessage) -> None:
    try:
        context = ssl.create_default_context(cafile=config.smtp_ca_file or None)
    except FileNotFoundError:
        raise MailError(f"QINGFENG_SMTP_CA_FILE 指定的证书文件 {config.smtp_ca_file} 不存在"
                        ) from None
    except OSError as error:
        raise MailError(f"无法读取 QINGFENG_SMTP_CA_FILE 指定的证书文件 "
                        f"{config.smtp_ca_file}: {error.strerror or error}") from None
    smtp: smtplib.SMTP  # made unconnected, so that connecting is under the time limit too
    if config.smtp_ssl:
        smtp = smtplib.SMTP_SSL(timeout=config.timeout_seconds, context=context)
    else:
        smtp = smtplib.SMTP(timeout=config.timeout_seconds)
    with _cut_off_after(config.send_limit_seconds, smtp) as expired:
        try:
            smtp._host = config.smtp_host  # the TLS name, set only by a connecting __init__
            smtp.connect(config.smtp_host, config.smtp_port)
            with smtp:
                if config.smtp_starttls and not config.smtp_ssl:
                    smtp.starttls(context=context)
                if config.smtp_user:
                    smtp.login(config.smtp_user, config.smtp_password)
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException):
            if expired.is_set():
                raise TimeoutError from None
            raise


@contextmanager
def _cut_off_after(seconds: float, smtp: smtplib.SMTP) -> Iterator[threading.Event]:
    """Shut the connection down if the block still runs after `seconds`; the event says
    it was."""
    expired = threading.Event()

    def cut() -> None:
        expired.set()
        sock = getattr(smtp, "sock", None)
        if sock is not None:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    timer = threading.Timer(seconds, cut)
    timer.daemon = True
    timer.start()
    try:
        yield expired
    finally:
        timer.cancel()


def _reply(error: smtplib.SMTPResponseException) -> str:
    text = error.smtp_error
    reply = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{error.smtp_code} {reply}"


def robot_payload(subject: str, body: str, key: str = "") -> dict[str, object]:
    """Return the text message JSON that WeCom and DingTalk group robots accept.

    `idempotency_key` (ignored by the robots) lets any other receiver drop a repeat.
    """
    payload: dict[str, object] = {"msgtype": "text", "text": {"content": f"{subject}\n{body}"}}
    if key:
        payload["idempotency_key"] = key
    return payload


class WebhookError(RuntimeError):
    """A robot webhook that did not take the notice, said without its URL (it holds the key)."""


def send_webhook(config: NotifyConfig, url: str, subject: str, body: str, key: str = "") -> None:
    """POST the notice to a robot webhook; a non-2xx answer or an errcode is a failure."""
    headers = {"Idempotency-Key": key} if key else {}
    where = f"webhook {urlsplit(url).hostname or '（地址已隐藏）'}"
    try:
        response, answered = asyncio.run(
            _post(config, url, robot_payload(subject, body, key), headers))
    except httpx.HTTPError as error:  # httpx may name the URL: say it without its query
        text = str(error).replace(url, where)
        raise WebhookError(f"无法连接 {where}: {type(error).__name__}: {text}") from None
    if response.is_error:
        raise WebhookError(f"{where} 答复 HTTP {response.status_code} "
                           f"{response.reason_phrase}")
    if "json" in response.headers.get("content-type", ""):
        answer = json.loads(answered)
        if isinstance(answer, dict) and answer.get("errcode", 0) not in (0, None):
            raise RuntimeError(f"robot refused: {answer.get('errcode')} {answer.get('errmsg')}")


async def _post(config: NotifyConfig, url: str, payload: dict[str, object],
                headers: dict[str, str]) -> tuple[httpx.Response, bytes]:
    """POST within the send's time limit; return the response and its body (capped)."""
    async def post() -> tuple[httpx.Response, bytes]:
        async with httpx.AsyncClient(timeout=config.timeout_seconds) as client, \
                client.stream("POST", url, json=payload, headers=headers) as response:
            answered = bytearray()
            async for chunk in response.aiter_bytes():
                answered += chunk
                if len(answered) > MAX_ANSWER_BYTES:
                    raise RuntimeError(f"webhook answer over {MAX_ANSWER_BYTES} bytes")
            return response, bytes(answered)

    try:
        return await asyncio.wait_for(post(), config.send_limit_seconds)
    except TimeoutError:
        raise httpx.TimeoutException(
            f"webhook 未在 {config.send_limit_seconds:g} 秒内答复 (no answer in time)"
        ) from None
