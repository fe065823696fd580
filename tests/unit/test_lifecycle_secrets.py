"""Passwords are argon2 hashes; tokens are random and stored only as sha256."""

from warning.auth.secrets import hash_password, new_token, token_digest, verify_password


def test_password_hash_verifies_and_refuses() -> None:
    stored = hash_password("正确的密码")
    assert stored.startswith("$argon2id$") and "正确" not in stored
    assert verify_password(stored, "正确的密码")
    assert not verify_password(stored, "wrong")
    assert not verify_password("", "anything") and not verify_password("garbage", "x")


def test_tokens_are_random_and_hashed() -> None:
    first, second = new_token(), new_token()
    assert first != second and len(first) > 40
    assert token_digest(first) != first and len(token_digest(first)) == 64
