"""Imports are all or nothing for every kind of bad row or file, in Chinese, with the row.

The class: a file with good rows and one bad row of each kind; a damaged or hostile
spreadsheet; an interrupted import run again; a YAML alias bomb in a register file.
"""

import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from tests.integration.test_signal_import import env  # noqa: F401 - fixture
from tests.support import book_bytes
from warning.cli.main import cli
from warning.db.models import RiskPoint, Signal
from warning.domain.enums import SignalStatus
from warning.runtime import Runtime
from warning.services.signal_import import SignalFile, store
from warning.xlsx_limits import MAX_CELL_BYTES


def _good(n: int) -> dict[str, object]:
    return {"channel": "petition", "external_id": f"F-{n}", "title": f"来信{n}",
            "text": "反映设备采购中存在串标", "department": "CGZX", "person": "张三",
            "amount": "100.50", "occurred_at": "2026-11-02T09:30:00+08:00"}


BAD_ROWS: list[tuple[str, dict[str, object] | str]] = [
    *((f"NUL in {f}", _good(0) | {f: "a\x00b"})
      for f in ("external_id", "title", "text", "person", "post")),
    ("lone surrogate", '{"channel": "petition", "external_id": "S", "title": "\\ud800"}'),
    ("date overflows in UTC", _good(0) | {"occurred_at": "9999-12-31T23:00:00-12:00"}),
    ("year 1 in Shanghai", _good(0) | {"occurred_at": "0001-01-01"}),
    ("3 decimals", _good(0) | {"amount": "0.015"}),
    ("amount too large", _good(0) | {"amount": 10**20}),
    ("int too long for str", '{"channel": "petition", "external_id": ' + "9" * 5000 + "}"),
    ("unknown channel", _good(0) | {"channel": "nope"}),
    ("unknown department", _good(0) | {"department": "NOPE"}),
    ("not JSON", "{not json"),
    ("not an object", "[1, 2]"),
    ("missing title", {"channel": "petition", "external_id": "M"}),
]


def _count(rt: Runtime) -> int:
    with rt.sessions() as session:
        return session.scalar(select(func.count()).select_from(Signal)) or 0


def _import(path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["signal", "import", str(path), *args])
    return result.exit_code, result.output + (str(result.exception) if result.exception else "")


def test_each_bad_jsonl_row_is_named_and_nothing_is_stored(env: Runtime, tmp_path: Path) -> None:  # noqa: F811
    lines, bad_lines = [], {}
    n = 0
    for kind, row in BAD_ROWS:
        for _ in range(3):
            n += 1
            lines.append(json.dumps(_good(n), ensure_ascii=False))
        lines.append(row if isinstance(row, str) else json.dumps(row))
        bad_lines[len(lines)] = kind
    path = tmp_path / "signals.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, output = _import(path)
    assert code == 1, output
    assert "Traceback" not in output and "未导入任何信号" in output
    for line, kind in bad_lines.items():
        assert f"{path}:{line}:" in output, (kind, output)
    good_lines = set(range(1, len(lines) + 1)) - set(bad_lines)
    assert not any(f"{path}:{line}:" in output for line in good_lines), output
    assert _count(env) == 0


def test_bad_csv_dates_and_fields_are_named_with_their_rows(env: Runtime, tmp_path: Path) -> None:  # noqa: F811
    path = tmp_path / "signals.csv"
    path.write_text(
        "渠道,编号,标题,发生时间,金额\n"
        "petition,C-1,来信1,2026-11-02,10\n"
        "petition,C-2,来信2,0001-01-01,10\n"
        "petition,C-3,来信3,9999-12-31 23:59,10\n"
        "petition,C-4,来信4,2026-13-45,10\n"
        "petition,C-5,来信5,2026-11-02,1.005\n"
        "petition,C-6,来信6,2026-11-02,10\n",
        encoding="utf-8",
    )
    code, output = _import(path)
    assert code == 1 and "Traceback" not in output, output
    for line in (3, 5, 6):
        assert f"{path}:{line}:" in output, output
    assert f"{path}:2:" not in output and f"{path}:7:" not in output
    assert _count(env) == 0


@pytest.mark.parametrize("kind", ["not a zip", "truncated", "empty", "huge cell"])
def test_a_damaged_or_hostile_xlsx_is_refused_in_chinese(
    env: Runtime, tmp_path: Path, kind: str  # noqa: F811
) -> None:
    header = ["渠道", "编号", "标题"]
    good = book_bytes([header, ["petition", "X-1", "来信"]])
    data = {
        "not a zip": b"id,title\n1,x\n",
        "truncated": good[: len(good) // 2],
        "empty": b"",
        "huge cell": book_bytes([header, ["petition", "X-1", "长" * (MAX_CELL_BYTES // 3 + 10)]]),
    }[kind]
    path = tmp_path / "signals.xlsx"
    path.write_bytes(data)
    code, output = _import(path)
    assert code == 1, output
    assert "Traceback" not in output and "BadZipFile" not in output
    assert ".xlsx" in output or "单元格" in output, output
    assert _count(env) == 0


def test_an_xlsx_whose_parts_unpack_too_large_is_refused_before_reading(
    env: Runtime, tmp_path: Path  # noqa: F811
) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<a>" + b"<b/>" * 70_000_000 + b"</a>")
    assert path.stat().st_size < 2_000_000
    code, output = _import(path)
    assert code == 1 and "上限" in output and "Traceback" not in output, output


def test_a_store_that_fails_midway_stores_nothing(env: Runtime, tmp_path: Path) -> None:  # noqa: F811
    """Past the check pass (as if the file changed), row 2,500 of 3,000 is bad."""
    rows = [json.dumps(_good(n)) for n in range(3000)]
    rows[2499] = json.dumps(_good(2499) | {"occurred_at": "9999-12-31T23:00:00-12:00"})
    path = tmp_path / "signals.jsonl"
    path.write_text("\n".join(rows), encoding="utf-8")
    with pytest.raises(ValueError, match="第2500行"):
        store(SignalFile(path), env, chunk=100)
    assert _count(env) == 0


def test_rerunning_an_interrupted_import_evaluates_what_the_first_run_stored(
    env: Runtime, tmp_path: Path  # noqa: F811
) -> None:
    path = tmp_path / "signals.jsonl"
    path.write_text("\n".join(json.dumps(_good(n)) for n in range(50)), encoding="utf-8")
    _ids, created = store(SignalFile(path), env)  # the first run, killed before evaluating
    assert created == 50
    code, output = _import(path)
    assert code == 0, output
    assert "新增 0 条信号" in output and "本次评估 50 条" in output
    with env.sessions() as session:
        statuses = set(session.scalars(select(Signal.status)))
    assert statuses == {SignalStatus.EVALUATED.value}


ALIAS_BOMB = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
)


def test_a_register_yaml_with_aliases_is_refused(env: Runtime, tmp_path: Path) -> None:  # noqa: F811
    path = tmp_path / "register.yaml"
    path.write_text(
        "- code: A-1\n  name: &n 风险\n  category: 业务流程\n  level: low\n"
        "- code: A-2\n  name: *n\n  category: 业务流程\n  level: low\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["register", "import", str(path)])
    assert result.exit_code == 1 and "别名" in result.output, result.output


@pytest.mark.parametrize("loader", ["rules", "data and channels"])
def test_every_yaml_loader_refuses_an_alias_bomb(tmp_path: Path, loader: str) -> None:
    import yaml

    from warning.rules.yaml_lines import YamlError, load_lines
    from warning.yamlfile import YamlSyntaxError, load_yaml

    path = tmp_path / "bomb.yaml"
    path.write_text(ALIAS_BOMB, encoding="utf-8")
    with pytest.raises((YamlError, YamlSyntaxError, yaml.YAMLError)) as caught:
        if loader == "rules":
            load_lines(ALIAS_BOMB)
        else:
            load_yaml(path)
    assert "别名" in str(caught.value) or "别名" in getattr(caught.value, "message", "")


def test_register_rows_with_nul_are_named_and_a_huge_number_is_text(
    env: Runtime, tmp_path: Path  # noqa: F811
) -> None:
    """A NUL refuses the file with its line. 5,000 digits in a .yaml text field are its
    text, as in a .csv cell (the file is read as written, not as a YAML integer, which
    Python cannot even print)."""
    path = tmp_path / "register.csv"
    path.write_text(
        "编号,风险点,风险类别,风险等级\n"
        "A-1,好的,业务流程,低\n"
        "A-2,坏\x00的,业务流程,低\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["register", "import", str(path)])
    assert result.exit_code == 1, result.output
    assert "第3行" in result.output and "NUL" in result.output, result.output
    assert "第2行" not in result.output and "Traceback" not in result.output
    huge = tmp_path / "register.yaml"
    huge.write_text("- code: A-1\n  name: x\n  category: 业务流程\n  level: low\n"
                    f"  prevention: {'9' * 5000}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["register", "import", str(huge)])
    assert result.exit_code == 0 and "新增 1 条" in result.output, result.output
    with env.sessions() as session:
        stored = session.scalar(select(RiskPoint.measure_prevention)
                                .where(RiskPoint.code == "A-1"))
    assert stored == "9" * 5000


@pytest.mark.parametrize("command", ["import", "add"])
def test_refused_rule_files_stop_the_command_before_anything_is_stored(
    env: Runtime, tmp_path: Path, command: str  # noqa: F811
) -> None:
    """With rule files that do not load, `signal import` had stored every row `failed` and
    exited 0 (SQLite) or ended in a NoRulesError traceback (PostgreSQL)."""
    rules = Path(env.settings.rules_dir)
    (rules / "zz-broken.yaml").write_text(
        "rules:\n  - id: broken\n    name: 坏\n    risk_point: CG-001\n    severity: 9\n"
        "    when: {text: {any: [串标]}}\n", encoding="utf-8")
    path = tmp_path / "ok.jsonl"
    path.write_text(json.dumps(_good(1), ensure_ascii=False) + "\n", encoding="utf-8")
    if command == "import":
        args = ["signal", "import", str(path)]
    else:
        args = ["signal", "add", "--channel", "audit", "--external-id", "A-1", "--title", "串标"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "zz-broken.yaml:5: broken:" in result.output
    assert _count(env) == 0
