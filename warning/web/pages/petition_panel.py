"""The petition parts of a signal's page: its case (重复信访) and, for the office, its reporter."""

from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.dedup.cases import case_of
from warning.petitions.checks import MODE_LABELS
from warning.petitions.errors import ReporterKeyError
from warning.petitions.keys import KEY_FILE_VARIABLE, KEY_VARIABLE, ReporterCipher
from warning.petitions.service import (
    MAX_REPLY_CHARS,
    MIN_REASON_CHARS,
    REVEAL_ROLES,
    PastReveal,
    PetitionFacts,
    Revealed,
    past_reveals,
    petition_facts,
)
from warning.queries.actors import actor_names
from warning.web.app_state import get_reporter_cipher

NO_KEY = (f"未配置举报人信息密钥（{KEY_VARIABLE} 或 {KEY_FILE_VARIABLE}），暂不能查看举报人。"
          "请联系系统管理员配置密钥后再试。")
SAME_DEPARTMENT = "您属于被反映部门，按规定不得查看举报人。"


@dataclass
class RevealPanel:
    """What the office sees of a confidential signal's reporter, and whether it may ask."""

    on_file: bool
    history: list[PastReveal]
    key_problem: str = ""
    refusal: str = ""
    revealed: Revealed | None = None
    error: str = ""
    reason: str = ""
    min_reason: int = MIN_REASON_CHARS
    facts: PetitionFacts | None = None
    reply_error: str = ""
    reply_text: str = ""
    max_reply: int = MAX_REPLY_CHARS
    names: dict[str, str] = field(default_factory=dict)  # actor -> "王某某（防控办）"

    @property
    def mode_label(self) -> str:
        mode = self.facts.intake_mode if self.facts else ""
        return MODE_LABELS.get(mode, mode)  # type: ignore[call-overload]

    @property
    def form(self) -> bool:
        return self.on_file and not self.key_problem and not self.refusal


def cipher_or_problem(request: Request) -> tuple[ReporterCipher | None, str]:
    """Return the reporter cipher, or None and the Chinese reason it cannot be used."""
    try:
        cipher = get_reporter_cipher(request)
    except ReporterKeyError as error:
        return None, error.message
    return cipher, "" if cipher is not None else NO_KEY


def may_reveal(principal: Principal) -> bool:
    """Return whether `principal`'s role may ask to see a reporter."""
    return principal.role in REVEAL_ROLES


def petition_context(
    request: Request, session: Session, principal: Principal, *, signal_id: int,
    confidential: bool, department_id: int | None, revealed: Revealed | None = None,
    error: str = "", reason: str = "", reply_error: str = "", reply_text: str = "",
) -> dict[str, Any]:
    """Return the case and, for office and admin on a confidential signal, the reveal panel."""
    context: dict[str, Any] = {"case": case_of(session, principal, signal_id), "reveal": None}
    if not confidential or not may_reveal(principal):
        return context
    _, key_problem = cipher_or_problem(request)
    refusal = ""
    if department_id is not None and principal.department_id == department_id:
        refusal = SAME_DEPARTMENT
    facts = petition_facts(session, signal_id=signal_id)
    history = past_reveals(session, signal_id=signal_id)
    actors = [*(r.who for r in history), *([facts.reply_by] if facts and facts.reply_by else [])]
    context["reveal"] = RevealPanel(
        on_file=facts is not None, history=history, key_problem=key_problem,
        refusal=refusal, revealed=revealed, error=error, reason=reason, facts=facts,
        reply_error=reply_error, reply_text=reply_text, names=actor_names(session, actors),
    )
    return context
