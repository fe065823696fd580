"""`serve --demo` makes a reporter key in the data directory when none is configured.

A named petition in the demo answered 503 "未配置举报人信息密钥" (found by a new user):
the demo showed the petition form and could not take a name."""

import os
import stat
from pathlib import Path

import pytest

from warning.demo.reporter_key import DEMO_KEY_NAME, demo_reporter_key
from warning.petitions.keys import (
    KEY_FILE_VARIABLE,
    KEY_VARIABLE,
    ReporterIdentity,
    ReporterKeySettings,
    generate_key,
    load_cipher,
)


@pytest.fixture(autouse=True)
def _no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (KEY_VARIABLE, KEY_FILE_VARIABLE):  # set first: put back as they were
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)


def test_a_key_is_made_private_and_used_by_what_reads_the_settings(tmp_path: Path) -> None:
    path = demo_reporter_key(tmp_path / "data")
    assert path == tmp_path / "data" / DEMO_KEY_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert os.environ[KEY_FILE_VARIABLE] == str(path)  # the HTTP workers read it too
    cipher = load_cipher(ReporterKeySettings())
    assert cipher is not None
    identity = ReporterIdentity(name="王某", phone="13800000000")
    assert cipher.decrypt(cipher.encrypt(identity)) == identity


def test_a_second_demo_run_keeps_the_first_key(tmp_path: Path) -> None:
    first = demo_reporter_key(tmp_path).read_text()  # type: ignore[union-attr]
    token = load_cipher(ReporterKeySettings()).encrypt(ReporterIdentity(name="王某"))  # type: ignore[union-attr]
    del os.environ[KEY_FILE_VARIABLE]  # the next `serve --demo` process
    assert demo_reporter_key(tmp_path).read_text() == first  # type: ignore[union-attr]
    assert load_cipher(ReporterKeySettings()).decrypt(token).name == "王某"  # type: ignore[union-attr]


def test_a_configured_key_is_left_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_VARIABLE, generate_key())
    assert demo_reporter_key(tmp_path) is None
    assert not (tmp_path / DEMO_KEY_NAME).exists() and KEY_FILE_VARIABLE not in os.environ


def test_a_named_but_unreadable_key_file_is_left_for_start_up_to_refuse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(KEY_FILE_VARIABLE, str(tmp_path / "missing.key"))
    assert demo_reporter_key(tmp_path) is None
    assert os.environ[KEY_FILE_VARIABLE] == str(tmp_path / "missing.key")
