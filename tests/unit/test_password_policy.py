"""The password policy and the trusted-proxy setting, as plain functions."""

import pytest

from warning.auth.password_policy import WeakPassword, check_password, common_passwords
from warning.web.proxies import ProxySettingError, parse_networks


@pytest.mark.parametrize(("password", "says"), [
    ("", "至少需要 10 个字符"),
    ("Abc-12345", "至少需要 10 个字符"),
    ("WangQiang1", "不能与用户名相同"),
    ("1gnaiQgnaW", "不能与用户名相同"),
    ("Password123", "过于常见"),
    ("QWERTYUIOP", "过于常见"),
    ("woaini1314", "过于常见"),
])
def test_weak_passwords_are_refused_in_chinese_and_english(password: str, says: str) -> None:
    with pytest.raises(WeakPassword) as refused:
        check_password(password, user_name="wangqiang1")
    assert says in refused.value.message and refused.value.message_en


def test_a_long_uncommon_password_passes() -> None:
    check_password("Tea-at-three-2026", user_name="wangqiang")


def test_the_common_password_list_ships_with_the_package() -> None:
    listed = common_passwords()
    assert len(listed) > 100 and "password123" in listed
    assert all(not entry.startswith("#") for entry in listed)


def test_trusted_proxies_are_ips_or_cidrs() -> None:
    assert [str(n) for n in parse_networks(" 10.0.0.0/8, 192.168.1.5,::1 ")] == [
        "10.0.0.0/8", "192.168.1.5/32", "::1/128"]
    assert parse_networks("") == ()
    with pytest.raises(ProxySettingError, match=r"nginx\.local"):
        parse_networks("10.0.0.1, nginx.local")
