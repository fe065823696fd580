"""The one-open-warning rule as 研判 sees it: refuse a key another open warning holds, and
move a proposal onto its subject's own key when it is issued (`warning.triage.policy`)."""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from warning.db.models import Channel, RiskPoint, RiskWarning, Signal
from warning.triage.errors import OpenWarningExists
from warning.triage.policy import PROPOSAL_KEY_SUFFIX, issued_key, keeps_apart, subject_of_key


def refuse_taken_key(
    session: Session, *, risk_point_id: int, key: str, point_name: str, except_id: int = 0
) -> None:
    """Refuse a (risk point, subject) another open warning already holds."""
    holder = session.scalar(select(RiskWarning.id).where(
        RiskWarning.is_open.is_(True), RiskWarning.risk_point_id == risk_point_id,
        RiskWarning.subject_key == key, RiskWarning.id != except_id))
    if holder is None:
        return
    if key.endswith(PROPOSAL_KEY_SUFFIX):
        raise OpenWarningExists(
            f"风险点“{point_name}”下该对象已有待研判预警 #{holder}，"
            "同一风险点和对象只能有一条待研判预警；可改用“合并到已有预警”",
            f"proposal {holder} already holds this risk point and subject",
            field="subject_name", holder=holder)
    raise OpenWarningExists(
        f"风险点“{point_name}”下该对象已有未办结的预警 #{holder}，"
        "同一风险点和对象只能有一条未办结预警；可改用“合并到已有预警”",
        f"open warning {holder} already holds this risk point and subject",
        field="subject_name", holder=holder)


def refuse_taken_subject(
    session: Session, *, risk_point_id: int, key: str, point_name: str, except_id: int = 0
) -> None:
    """Refuse an issued warning's key when another open warning holds its subject, on the
    subject's own key or apart (`keeps_apart`): the office merges instead, as before keys
    were held apart."""
    plain = subject_of_key(key)
    for held in dict.fromkeys((plain, issued_key(plain, apart=True), key)):
        refuse_taken_key(session, risk_point_id=risk_point_id, key=held,
                         point_name=point_name, except_id=except_id)


def origin_confidential(session: Session, warning: RiskWarning) -> bool:
    """Return whether the signal that raised `warning` came through a confidential channel."""
    return bool(session.scalar(
        select(Channel.confidential).join(Signal, Signal.channel_id == Channel.id)
        .where(Signal.id == warning.signal_id)))


def take_issued_key(session: Session, warning: RiskWarning) -> None:
    """Move a proposal being issued onto its subject's key (held apart when a petition
    raised it about a person or post); refuse, naming it, when an open warning already holds
    the subject (the office merges the proposal there instead)."""
    apart = keeps_apart(origin_confidential(session, warning), warning.subject_kind)
    key = issued_key(warning.subject_key, apart)
    if key == warning.subject_key:
        return
    point_name = session.scalar(select(RiskPoint.name)
                                .where(RiskPoint.id == warning.risk_point_id)) or ""
    refuse_taken_subject(session, risk_point_id=warning.risk_point_id, key=key,
                         point_name=point_name, except_id=warning.id)
    warning.subject_key = key
    try:
        session.flush()
    except IntegrityError:  # another writer took the key meanwhile: the caller rolls back
        raise OpenWarningExists("该风险点和对象刚刚已有其他未办结预警，请刷新后重试",
                                "another open warning took this key",
                                field="subject_name") from None
