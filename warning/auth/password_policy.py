"""The password policy: long enough, not the user name, not a common password."""

from functools import cache
from importlib import resources

from warning.domain.lifecycle import DomainError

MIN_LENGTH = 10


class WeakPassword(DomainError):
    code = "weak_password"


@cache
def common_passwords() -> frozenset[str]:
    """Return the shipped list of common passwords, lower-cased."""
    text = resources.files("warning.auth").joinpath("data/common-passwords.txt").read_text(
        encoding="utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    )


def check_password(password: str, *, user_name: str) -> None:
    """Raise WeakPassword unless `password` satisfies the policy for `user_name`."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"密码至少需要 {MIN_LENGTH} 个字符",
                           f"the password needs at least {MIN_LENGTH} characters")
    lowered = password.lower()
    name = user_name.strip().lower()
    if name and (lowered == name or lowered == name[::-1]):
        raise WeakPassword("密码不能与用户名相同", "the password must not be the user name")
    if lowered in common_passwords():
        raise WeakPassword("密码过于常见，请换一个", "the password is too common")
