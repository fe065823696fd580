"""Store petitions with their reporter apart, reveal a reporter with a reason, read receipts.

No function here logs, formats or raises with a reporter's name, contact or id number.
Services flush; the caller commits.
"""

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import SecretStr
from sqlalchemy import false, or_, select
from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.auth.visibility import reporter_progress
from warning.db.models import (
    Channel,
    Department,
    HandlingRecord,
    PetitionFile,
    Reporter,
    ReporterReveal,
    RiskWarning,
    Signal,
    WarningSignal,
)
from warning.db.models.base import utcnow
from warning.dedup.linking import in_case, link_near_duplicates
from warning.domain.calendar import local_date
from warning.domain.enums import SignalStatus
from warning.domain.lifecycle import Role
from warning.handling.attachments import Prepared
from warning.petitions.checks import MARKUP, has_markup
from warning.petitions.errors import (
    PetitionRefused,
    ReplyChanged,
    ReporterKeyError,
    ReporterNotFound,
    RevealRefused,
)
from warning.petitions.input import PetitionIn
from warning.petitions.keys import KEY_VARIABLE, ReporterCipher, ReporterIdentity
from warning.petitions.receipts import new_receipt_code, receipt_digest

log = logging.getLogger(__name__)

REVEAL_ROLES = (Role.OFFICE, Role.ADMIN)
MIN_REASON_CHARS = 4
RECEIPT_LABELS = {"received": "已受理", "handling": "办理中", "concluded": "已办结"}
MAX_REPLY_CHARS = 2000


@dataclass(frozen=True)
class StoredPetition:
    """A stored petition: its signal, its case, and the receipt code to show once."""

    signal_id: int
    case_signal_id: int
    receipt_code: str | None


@dataclass(frozen=True)
class Revealed:
    """A reporter as revealed to an entitled user."""

    signal_id: int
    anonymous: bool
    identity: ReporterIdentity | None
    revealed_at: datetime


@dataclass(frozen=True)
class ReceiptStatus:
    """What an anonymous reporter may learn from a receipt code."""

    status: str
    label: str
    received_on: str
    reply: str = ""
    replied_on: str = ""


def already_logged(external_id: str, taken: int | None = None) -> PetitionRefused:
    """Return the refusal of a petition whose (channel, external id) is already stored.

    `taken` is None when the same id was stored by another request at the same instant
    (the unique index refused this one).
    """
    which = f"（信号 {taken}）" if taken is not None else ""
    return PetitionRefused(f"该渠道下来文编号“{external_id}”已登记过{which}",
                           "external id already logged on this channel", field="external_id",
                           signal_id=taken)


def store_petition(
    session: Session, *, petition: PetitionIn, cipher: ReporterCipher | None,
    now: datetime | None = None, files: Sequence[Prepared] = (), receipt: bool = False,
) -> StoredPetition:
    """Store a petition's signal, its encrypted reporter, its files' records and its
    near-duplicate link (the caller stores the files' bytes).

    A receipt code is issued to an anonymous reporter, and to a named one when `receipt`
    (the public page gives every reporter one)."""
    now = now or utcnow()
    channel = session.scalar(select(Channel).where(Channel.code == petition.channel))
    if channel is None or not channel.enabled:
        raise PetitionRefused(f"渠道“{petition.channel}”不存在或已停用",
                              "unknown or disabled channel", field="channel")
    if not channel.confidential:
        raise PetitionRefused(f"渠道“{petition.channel}”不是保密渠道，不能登记信访举报",
                              "petitions need a confidential channel", field="channel")
    department_id = _department_id(session, petition.department)
    external_id = petition.external_id or f"P{now:%Y%m%d}-{secrets.token_hex(8)}"
    taken = session.scalar(select(Signal.id).where(Signal.channel_id == channel.id,
                                                   Signal.external_id == external_id))
    if taken is not None:
        raise already_logged(external_id, taken)
    identity = "" if petition.reporter is None else _encrypt(cipher, petition)
    signal = Signal(
        channel_id=channel.id, external_id=external_id,
        title=petition.title, text=petition.text, department_id=department_id,
        person=petition.person or "", post=petition.post or "", amount=petition.amount,
        occurred_at=petition.occurred_at, received_at=now,
        status=SignalStatus.RECEIVED.value, attempts=0, last_error="", extra={},
    )
    session.add(signal)
    session.flush()
    code = new_receipt_code() if petition.anonymous or receipt else None
    session.add(Reporter(signal_id=signal.id, anonymous=petition.anonymous, identity=identity,
                         receipt_hash=receipt_digest(code) if code else None, created_at=now,
                         intake_mode=petition.intake_mode.value))
    for item in files:
        session.add(PetitionFile(signal_id=signal.id, filename=item.filename,
                                 size=len(item.content), sha256=item.sha256, created_at=now))
    case = link_near_duplicates(session, [signal], now=now)[signal.id]
    session.flush()
    log.info("petition stored as signal %d", signal.id)  # never whether it names its reporter
    return StoredPetition(signal.id, case, code)


def reveal_reporter(
    session: Session, *, signal_id: int, principal: Principal, reason: str,
    cipher: ReporterCipher | None, now: datetime | None = None,
) -> Revealed:
    """Return who reported a signal to office or admin, recording who asked and why."""
    if principal.role not in REVEAL_ROLES:
        raise RevealRefused("只有廉洁风险防控办公室可以查看举报人", "only office users may reveal")
    reason = reason.strip()
    if len(reason) < MIN_REASON_CHARS:
        raise RevealRefused(f"请说明查看举报人的理由（至少 {MIN_REASON_CHARS} 个字）",
                            "a reason is required", field="reason")
    row = session.execute(
        select(Reporter, Signal.department_id)
        .join(Signal, Signal.id == Reporter.signal_id)
        .where(Reporter.signal_id == signal_id)
    ).first()
    if row is None:
        raise ReporterNotFound(f"信号 {signal_id} 没有举报人记录", f"no reporter for {signal_id}")
    reporter, department_id = row
    if department_id is not None and principal.department_id == department_id:
        raise RevealRefused("被反映部门的人员不得查看举报人",
                            "users of the department reported on may not reveal")
    identity = None
    if not reporter.anonymous:
        if cipher is None:
            raise _no_key()
        identity = cipher.decrypt(reporter.identity)
    now = now or utcnow()
    session.add(ReporterReveal(signal_id=signal_id, user_id=principal.user_id,
                               actor=principal.actor, reason=reason, revealed_at=now))
    session.flush()
    log.info("reporter of signal %d revealed to %s", signal_id, principal.actor)
    return Revealed(signal_id, reporter.anonymous, identity, now)


@dataclass(frozen=True)
class PastReveal:
    """One earlier reading of a reporter: who, when and why (never what was shown)."""

    who: str  # the actor, "user:<name>" (pages show it through warning.queries.actors)
    reason: str
    revealed_at: datetime


def reporter_on_file(session: Session, *, signal_id: int) -> bool:
    """Return whether a reporter record (named or anonymous) is stored for a signal."""
    found = session.scalar(select(Reporter.signal_id).where(Reporter.signal_id == signal_id))
    return found is not None


def past_reveals(session: Session, *, signal_id: int) -> list[PastReveal]:
    """Return the reveals of a signal's reporter, oldest first."""
    rows = session.execute(
        select(ReporterReveal.actor, ReporterReveal.reason, ReporterReveal.revealed_at)
        .where(ReporterReveal.signal_id == signal_id)
        .order_by(ReporterReveal.revealed_at, ReporterReveal.id)
    )
    return [PastReveal(actor, reason, at) for actor, reason, at in rows]


def receipt_status(session: Session, code: str) -> ReceiptStatus:
    """Return the public status of the report a receipt code was issued for.

    已受理 until a warning is issued from it (a proposal, 待研判, still counts as received),
    办理中 while an issued warning from it or its case is open, 已办结 when every warning
    is closed (a dismissed proposal included) or the office dismissed the signal (不予处理);
    only what happened since the report came in counts (`reporter_progress`).
    """
    row = session.execute(
        select(Reporter.signal_id, Signal.received_at, Reporter.reply, Reporter.reply_at,
               Signal.disposition, Signal.duplicate_of_id)
        .join(Signal, Signal.id == Reporter.signal_id)
        .where(Reporter.receipt_hash == receipt_digest(code))
    ).first()
    # An unknown code runs the same queries (on no signal) before it is refused, so the
    # answer takes the same work whether or not the code exists.
    signal_id = row[0] if row is not None else 0
    duplicate_of = row[5] if row is not None else None
    members = in_case(session, signal_id, WarningSignal.signal_id)
    if duplicate_of:
        members = or_(members, WarningSignal.signal_id == duplicate_of)
    chosen = (WarningSignal.signal_id == duplicate_of) if duplicate_of else false()
    flags = session.execute(
        select(*reporter_progress(row[1] if row is not None else utcnow(), chosen))
        .join(WarningSignal, WarningSignal.warning_id == RiskWarning.id)
        .outerjoin(HandlingRecord, HandlingRecord.warning_id == RiskWarning.id)
        .where(members)
    ).all()
    if row is None:
        raise ReporterNotFound("回执码无效或不存在", "unknown receipt code")
    _, received_at, reply, reply_at, disposition, _ = row
    if any(handling for handling, _, _ in flags):
        status = "handling"
    elif any(pending for _, pending, _ in flags):
        status = "received"
    elif any(concluded for _, _, concluded in flags) or disposition == "dismissed":
        status = "concluded"
    else:
        status = "received"
    # Stored in UTC; a reporter reads the day in Beijing (a report at 01:30 came in that day).
    return ReceiptStatus(status, RECEIPT_LABELS[status], f"{local_date(received_at):%Y-%m-%d}",
                         reply, f"{local_date(reply_at):%Y-%m-%d}" if reply_at else "")


@dataclass(frozen=True)
class PetitionFacts:
    """What the office sees of a petition without a reveal: mode, anonymity, reply, files."""

    anonymous: bool
    intake_mode: str
    reply: str
    reply_at: datetime | None
    reply_by: str
    files: list[PetitionFile]


def petition_facts(session: Session, *, signal_id: int) -> PetitionFacts | None:
    """Return a petition's facts for the office's signal page, or None without a reporter."""
    reporter = session.get(Reporter, signal_id)
    if reporter is None:
        return None
    files = list(session.scalars(select(PetitionFile).where(PetitionFile.signal_id == signal_id)
                                 .order_by(PetitionFile.id)))
    return PetitionFacts(reporter.anonymous, reporter.intake_mode, reporter.reply,
                         reporter.reply_at, reporter.reply_by, files)


def set_reply(
    session: Session, *, signal_id: int, principal: Principal, text: str,
    now: datetime | None = None, seen: str | None = None,
) -> None:
    """Set the office's message to the reporter (给举报人的答复), read with the receipt code.

    `seen` is the reply the form was drawn from: a different reply stored since is not
    overwritten unseen (ReplyChanged), and the stored reply sent again changes nothing."""
    if principal.role not in REVEAL_ROLES:
        raise RevealRefused("只有廉洁风险防控办公室可以答复举报人", "only the office may reply")
    text = text.strip()
    if not text:
        raise PetitionRefused("请填写给举报人的答复", "the reply is empty", field="reply")
    if has_markup(text):
        raise PetitionRefused(f"答复{MARKUP}", "the reply holds markup", field="reply")
    if len(text) > MAX_REPLY_CHARS:
        raise PetitionRefused(f"答复不能超过 {MAX_REPLY_CHARS} 字", "the reply is too long",
                              field="reply")
    reporter = _reporter_to_change(session, signal_id)
    if reporter is None:
        raise ReporterNotFound(f"信号 {signal_id} 没有举报人记录", f"no reporter for {signal_id}")
    if _lines(text) == _lines(reporter.reply):
        return  # sent again (a double click, a retry): already the reply
    if seen is not None and _lines(seen) != _lines(reporter.reply):
        raise ReplyChanged("打开表单后，答复已被他人修改：下面是现在的答复，请在此基础上重新填写。",
                           "the reply was changed since the form was opened")
    reporter.reply, reporter.reply_at = text, now or utcnow()
    reporter.reply_by = principal.actor
    session.flush()
    log.info("reply to the reporter of signal %d set by %s", signal_id, principal.actor)


def _lines(reply: str) -> str:
    """Return `reply` with a browser's CRLF line breaks as stored ones (a form sends CRLF)."""
    return reply.replace("\r\n", "\n")


def _reporter_to_change(session: Session, signal_id: int) -> Reporter | None:
    """Return the reporter row as committed now, locked until this transaction ends."""
    if session.get_bind().dialect.name == "sqlite":  # the write gate first, then the read
        session.execute(sql("UPDATE reporters SET signal_id = signal_id WHERE 1 = 0"))
    return session.get(Reporter, signal_id, with_for_update=True, populate_existing=True)


def petition_file(session: Session, *, signal_id: int, sha256: str) -> PetitionFile | None:
    """Return the record of a file filed with a petition, or None."""
    return session.scalar(select(PetitionFile).where(
        PetitionFile.signal_id == signal_id, PetitionFile.sha256 == sha256).limit(1))


def _department_id(session: Session, code: str | None) -> int | None:
    if code is None:
        return None
    found = session.scalar(select(Department.id).where(Department.code == code))
    if found is None:
        raise PetitionRefused(f"部门编码“{code}”不存在", "unknown department", field="department")
    return found


def _encrypt(cipher: ReporterCipher | None, petition: PetitionIn) -> str:
    if cipher is None:
        raise _no_key()
    reporter = petition.reporter
    assert reporter is not None

    def value(field: SecretStr | None) -> str:
        return field.get_secret_value() if field is not None else ""

    return cipher.encrypt(ReporterIdentity(
        name=value(reporter.name), contact=value(reporter.contact),
        id_number=value(reporter.id_number), phone=value(reporter.phone),
        unit=value(reporter.unit), address=value(reporter.address),
    ))


def _no_key() -> ReporterKeyError:
    return ReporterKeyError(f"未配置举报人信息密钥 {KEY_VARIABLE}，不能登记或查看举报人",
                            f"{KEY_VARIABLE} is not set")
