"""Reporter keys, receipt codes and the receipt rate limit, without a database."""

from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from warning.petitions.errors import ReporterKeyError
from warning.petitions.input import PetitionIn
from warning.petitions.keys import (
    ReporterCipher,
    ReporterIdentity,
    ReporterKeySettings,
    configured_keys,
    generate_key,
    load_cipher,
)
from warning.petitions.receipts import new_receipt_code, receipt_digest


def test_identity_round_trips_and_never_shows_in_repr() -> None:
    cipher = ReporterCipher([generate_key()])
    identity = ReporterIdentity("李四", "13800000000", "110101199001011234")
    token = cipher.encrypt(identity)
    assert "李四" not in token and "13800000000" not in token
    assert cipher.decrypt(token) == identity
    assert "李四" not in repr(identity) and "李四" not in f"{identity}"


def test_a_rotated_key_still_opens_old_tokens_and_a_wrong_key_refuses() -> None:
    old, new = generate_key(), generate_key()
    token = ReporterCipher([old]).encrypt(ReporterIdentity("王五", "x"))
    assert ReporterCipher([new, old]).decrypt(token).name == "王五"
    with pytest.raises(ReporterKeyError, match="QINGFENG_REPORTER_KEY"):
        ReporterCipher([new]).decrypt(token)
    with pytest.raises(ReporterKeyError):
        ReporterCipher(["not-a-key"])


def test_keys_come_from_the_variable_or_the_file(tmp_path: Path) -> None:
    key = generate_key()
    path = tmp_path / "reporter.key"
    path.write_text(key + "\n")
    assert configured_keys(ReporterKeySettings(reporter_key=SecretStr(key))) == [key]
    assert configured_keys(ReporterKeySettings(reporter_key_file=path)) == [key]
    assert load_cipher(ReporterKeySettings()) is None
    with pytest.raises(ReporterKeyError, match="QINGFENG_REPORTER_KEY_FILE"):
        configured_keys(ReporterKeySettings(reporter_key_file=tmp_path / "missing"))


def test_receipt_codes_are_grouped_and_read_forgivingly() -> None:
    code = new_receipt_code()
    assert len(code) == 24 and code.count("-") == 4
    assert receipt_digest(code.lower().replace("-", " ")) == receipt_digest(code)
    assert new_receipt_code() != code


def test_petition_needs_a_reporter_or_anonymous_and_hides_the_reporter() -> None:
    with pytest.raises(ValidationError):
        PetitionIn(title="t")
    with pytest.raises(ValidationError):
        PetitionIn(title="t", anonymous=True, reporter={"name": "a", "contact": "b"})
    petition = PetitionIn(title="t", reporter={"name": "赵六", "contact": "139"})
    assert "赵六" not in repr(petition)
