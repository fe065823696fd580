"""The reporter key: read from the environment or a file, never from the database.

QINGFENG_REPORTER_KEY holds one Fernet key, or several separated by commas (the first
encrypts, all decrypt: rotate by prepending a new key, re-encrypting, then dropping the
old one). QINGFENG_REPORTER_KEY_FILE names a file holding the same, one key per line.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session

from warning.db.models import Reporter
from warning.env_settings import EnvSettings
from warning.petitions.errors import ReporterKeyError
from warning.regular_file import NOT_REGULAR, NotRegularFileError, read_regular

KEY_VARIABLE = "QINGFENG_REPORTER_KEY"
KEY_FILE_VARIABLE = "QINGFENG_REPORTER_KEY_FILE"
IDENTITY_FIELDS = ("name", "contact", "id_number", "phone", "unit", "address")


class KeySource(Protocol):
    """Anything carrying the two key settings (the service Settings may add them)."""

    reporter_key: SecretStr
    reporter_key_file: Path | None


class ReporterKeySettings(EnvSettings):
    """The reporter key settings alone, read from QINGFENG_ variables."""

    reporter_key: SecretStr = SecretStr("")
    reporter_key_file: Path | None = None


@dataclass(frozen=True)
class ReporterIdentity:
    """Who reported; its repr never shows the values, so a log line cannot leak them."""

    name: str
    contact: str = ""
    id_number: str = ""
    phone: str = ""
    unit: str = ""
    address: str = ""

    def __repr__(self) -> str:
        return "ReporterIdentity(<redacted>)"

    __str__ = __repr__


class ReporterCipher:
    """Encrypt and decrypt reporter identities with the configured Fernet keys."""

    def __init__(self, keys: list[str]) -> None:
        try:
            self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])
        except (ValueError, TypeError) as error:
            raise ReporterKeyError(
                f"{KEY_VARIABLE} 不是有效的 Fernet 密钥（请用 qingfeng reporter-key 生成）",
                f"{KEY_VARIABLE} is not a valid Fernet key ({type(error).__name__})",
            ) from None

    def __repr__(self) -> str:
        return "ReporterCipher(<keys redacted>)"

    def encrypt(self, identity: ReporterIdentity) -> str:
        """Return the Fernet token of an identity."""
        payload = json.dumps(
            {field: getattr(identity, field) for field in IDENTITY_FIELDS}, ensure_ascii=False)
        return self._fernet.encrypt(payload.encode()).decode()

    def decrypt(self, token: str) -> ReporterIdentity:
        """Return the identity in a Fernet token, or raise ReporterKeyError."""
        try:
            data = json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken:
            raise ReporterKeyError(
                f"{KEY_VARIABLE} 无法解密已存的举报人信息（密钥不符）",
                f"{KEY_VARIABLE} does not open the stored reporter identities (wrong key)",
            ) from None
        return ReporterIdentity(**{f: str(data.get(f) or "") for f in IDENTITY_FIELDS})


def generate_key() -> str:
    """Return a new random reporter key for the operator to keep outside the database."""
    return Fernet.generate_key().decode()


_FILE_REASONS: dict[type[OSError], str] = {
    FileNotFoundError: "文件不存在", PermissionError: "没有权限读取",
    IsADirectoryError: "这是一个目录", NotRegularFileError: NOT_REGULAR,
}


def configured_keys(source: KeySource) -> list[str]:
    """Return the configured keys, the encrypting one first; empty when none is set."""
    raw = source.reporter_key.get_secret_value()
    if not raw and source.reporter_key_file is not None:
        try:
            raw = read_regular(source.reporter_key_file).decode("utf-8")
        except OSError as error:
            raise ReporterKeyError(
                f"无法读取 {KEY_FILE_VARIABLE} 指定的密钥文件 {source.reporter_key_file}: "
                f"{_FILE_REASONS.get(type(error), error.strerror or type(error).__name__)}",
                f"cannot read the file named by {KEY_FILE_VARIABLE} ({type(error).__name__})",
            ) from None
    return [k.strip() for k in raw.replace(",", "\n").splitlines() if k.strip()]


def load_cipher(source: KeySource) -> ReporterCipher | None:
    """Return the cipher for the configured keys, or None when no key is configured."""
    keys = configured_keys(source)
    return ReporterCipher(keys) if keys else None


def require_key_if_needed(session: Session, source: KeySource) -> ReporterCipher | None:
    """Refuse to start when reporter identities are stored and no key (or a wrong key) is set."""
    cipher = load_cipher(source)
    sample = session.scalar(select(Reporter.identity).where(Reporter.identity != "").limit(1))
    if sample is None:
        return cipher
    if cipher is None:
        raise ReporterKeyError(
            f"数据库中有加密的举报人信息，但未配置密钥：请设置 {KEY_VARIABLE} "
            f"或 {KEY_FILE_VARIABLE}",
            f"reporter identities are stored but no key is configured: set {KEY_VARIABLE} "
            f"or {KEY_FILE_VARIABLE}",
        )
    cipher.decrypt(sample)
    return cipher
