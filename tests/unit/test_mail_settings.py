"""Mail settings that can never send are refused when read, naming the variable.

A port past 65535 or a timeout of zero or less passed `qingfeng config` and `serve`,
and every notice then failed at send time (a port of 70000 raised OverflowError, which
the sender's error handling does not expect; a negative timeout a ValueError). STARTTLS
and implicit TLS together name two ways to start one connection. An office address
without "@" was only found when a notice to it bounced.
"""

import os

import pytest
from click.testing import CliRunner

from warning.cli.main import cli

BAD = {
    "port-high": ({"QINGFENG_SMTP_PORT": "70000"}, "QINGFENG_SMTP_PORT"),
    "port-zero": ({"QINGFENG_SMTP_PORT": "0"}, "QINGFENG_SMTP_PORT"),
    "timeout-zero": ({"QINGFENG_SMTP_TIMEOUT": "0"}, "QINGFENG_SMTP_TIMEOUT"),
    "timeout-negative": ({"QINGFENG_SMTP_TIMEOUT": "-1"}, "QINGFENG_SMTP_TIMEOUT"),
    "both-tls": ({"QINGFENG_SMTP_SSL": "true", "QINGFENG_SMTP_STARTTLS": "true"},
                 "QINGFENG_SMTP_SSL"),
    "office-address": ({"QINGFENG_OFFICE_EMAILS": "jjjcs@example.cn, 纪检监察室"},
                       "QINGFENG_OFFICE_EMAILS"),
}


@pytest.fixture(autouse=True)
def clean(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("QINGFENG_"):
            monkeypatch.delenv(name)


@pytest.mark.parametrize("case", BAD)
def test_a_mail_setting_that_cannot_send_is_refused(
    monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    values, variable = BAD[case]
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(cli, ["config"])
    assert result.exit_code == 2, result.output
    assert "设置有误" in result.output and variable in result.output, result.output
    assert "Traceback" not in result.output


def test_good_mail_settings_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"QINGFENG_SMTP_PORT": "465", "QINGFENG_SMTP_SSL": "true",
                        "QINGFENG_SMTP_TIMEOUT": "2.5",
                        "QINGFENG_OFFICE_EMAILS": "a@example.cn, b@example.cn,"}.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(cli, ["config"])
    assert result.exit_code == 0, result.output
