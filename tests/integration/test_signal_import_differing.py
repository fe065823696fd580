"""A row that reuses a stored (channel, external id) with other content is named, not
counted as 已存在 in silence; a plain re-run still changes nothing and exits 0."""

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from tests.integration.test_signal_import import HEADER, ROWS, _count, env  # noqa: F401
from warning.cli.main import cli
from warning.db.models import Signal
from warning.runtime import Runtime

CHANGED = {
    "title": "SJ-2026-02,报销不规范(更正),差旅费报销附件不全,财务科,3200\n",
    "text": "SJ-2026-02,报销不规范,差旅费报销附件不全，已补齐,财务科,3200\n",
    "department": "SJ-2026-02,报销不规范,差旅费报销附件不全,采购中心,3200\n",
    "amount": "SJ-2026-02,报销不规范,差旅费报销附件不全,财务科,3200.01\n",
}
LABEL = {"title": "标题", "text": "正文", "department": "部门", "amount": "金额"}


def _import(path: Path) -> Result:
    return CliRunner().invoke(
        cli, ["signal", "import", str(path), "--channel", "audit"])


@pytest.mark.parametrize("field", sorted(CHANGED))
def test_a_stored_key_given_other_content_is_named_and_left_as_stored(
    env: Runtime, tmp_path: Path, field: str,  # noqa: F811
) -> None:
    path = tmp_path / "audit.csv"
    path.write_text(HEADER + ROWS, encoding="utf-8")
    assert _import(path).exit_code == 0
    with env.sessions() as session:
        before = session.execute(select(Signal.id, Signal.title, Signal.text, Signal.amount,
                                        Signal.department_id).order_by(Signal.id)).all()
    new = "SJ-2026-03,新问题,审计发现新问题,财务科,100\n"
    first, _second = ROWS.splitlines(keepends=True)
    path.write_text(HEADER + first + CHANGED[field] + new, encoding="utf-8")
    result = _import(path)
    assert result.exit_code == 1, result.output
    err = result.stderr
    assert f"{path}:3:" in err and "SJ-2026-02" in err and LABEL[field] in err, err
    assert f"{path}:2:" not in err  # the unchanged row is a plain 已存在
    assert "新增 1 条信号" in result.stdout
    with env.sessions() as session:
        after = session.execute(select(Signal.id, Signal.title, Signal.text, Signal.amount,
                                       Signal.department_id).order_by(Signal.id)).all()
    assert after[:2] == before and len(after) == 3


def test_a_re_run_and_a_repeat_inside_the_file_with_the_same_content_exit_0(
    env: Runtime, tmp_path: Path,  # noqa: F811
) -> None:
    path = tmp_path / "audit.csv"
    path.write_text(HEADER + ROWS + ROWS, encoding="utf-8")  # each row twice
    first = _import(path)
    assert first.exit_code == 0, first.stderr
    again = _import(path)
    assert again.exit_code == 0, again.stderr
    assert "新增 0 条信号" in again.stdout and _count(env) == 2


def test_a_key_repeated_inside_one_file_with_other_content_is_named(
    env: Runtime, tmp_path: Path,  # noqa: F811
) -> None:
    path = tmp_path / "audit.csv"
    path.write_text(HEADER + ROWS + CHANGED["title"], encoding="utf-8")
    result = _import(path)
    assert result.exit_code == 1
    assert f"{path}:4:" in result.stderr and "标题" in result.stderr
    assert _count(env) == 2


def test_signal_add_of_a_stored_key_with_other_content_is_refused_by_name(
    env: Runtime,  # noqa: F811
) -> None:
    args = ["signal", "add", "--channel", "audit", "--external-id", "A-9", "--title", "串标"]
    assert CliRunner().invoke(cli, args).exit_code == 0
    assert CliRunner().invoke(cli, args).exit_code == 0  # the same again: a retry
    changed = CliRunner().invoke(cli, [*args[:-1], "串标(更正)"])
    assert changed.exit_code == 1
    assert "A-9" in changed.stderr and "标题" in changed.stderr
    assert _count(env) == 1
