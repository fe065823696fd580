"""`qingfeng` imports a subcommand's module only when that subcommand runs."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import click
from click.testing import CliRunner

from tests.support import DATA
from warning.cli.main import COMMANDS, cli

ROOT = Path(__file__).parents[2]


def test_every_listed_command_resolves_to_its_click_command() -> None:
    context = click.Context(cli)
    for name in COMMANDS:
        command = cli.get_command(context, name)
        assert command is not None and command.name == name


def test_help_lists_every_command() -> None:
    shown = CliRunner().invoke(cli, ["--help"])
    assert shown.exit_code == 0
    for name in COMMANDS:
        assert f"  {name} " in shown.output


def _modules_after(*args: str) -> set[str]:
    return _run(list(args))[0]


def _run(args: list[str], environment: dict[str, str] | None = None) -> tuple[set[str], str]:
    """Run `qingfeng args` in a fresh interpreter; return the modules it loaded and what it
    wrote."""
    script = (
        "import sys\n"
        "from warning.cli.main import cli\n"
        f"try:\n    cli({args!r})\nexcept SystemExit:\n    pass\n"
        "print('--modules--', *sys.modules, sep='\\n')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env=os.environ | (environment or {}))
    output, _, modules = done.stdout.partition("--modules--")
    return set(modules.split()), output + done.stderr


def test_version_and_help_import_nothing_of_the_service() -> None:
    for args in (["--version"], ["--help"]):
        loaded = _modules_after(*args)
        assert "click" in loaded
        assert not {m for m in loaded if m.split(".")[0] in ("sqlalchemy", "fastapi", "alembic")}
        assert "warning.runtime" not in loaded


def test_rules_check_does_not_import_the_database_layer(tmp_path: Path) -> None:
    loaded = _modules_after("rules", "check", "--rules-dir", str(ROOT / "rules"))
    assert "warning.rules.loader" in loaded
    assert not {m for m in loaded if m.split(".")[0] in ("alembic", "fastapi")}
    assert "warning.db.models" not in loaded and "warning.runtime" not in loaded



def test_a_jsonl_or_csv_signal_import_does_not_load_the_spreadsheet_reader(
    tmp_path: Path, sqlite_template: Path,
) -> None:
    database, rules, channels = tmp_path / "q.db", tmp_path / "rules", tmp_path / "channels"
    shutil.copy(sqlite_template, database)
    shutil.copytree(DATA / "rules", rules)
    shutil.copy(ROOT / "rules" / "grading.yaml", rules)
    channels.mkdir()  # the audit channel alone: the others name departments this file lacks
    shutil.copy(DATA / "channels" / "audit.yaml", channels)
    environment = {"QINGFENG_DATABASE_URL": f"sqlite:///{database}",
                   "QINGFENG_RULES_DIR": str(rules), "QINGFENG_CHANNELS_DIR": str(channels)}
    row = {"channel": "audit", "external_id": "LAZY-1", "title": "拆分采购", "text": "拆分采购"}
    for name, body in (("s.jsonl", json.dumps(row, ensure_ascii=False) + "\n"),
                       ("s.csv", ",".join(row) + "\n" + ",".join(row.values()).replace(
                           "LAZY-1", "LAZY-2") + "\n")):
        path = tmp_path / name
        path.write_text(body, encoding="utf-8")
        loaded, output = _run(["signal", "import", str(path)], environment)
        assert "新增 1 条信号" in output, output
        assert not {m for m in loaded if m.split(".")[0] in ("openpyxl", "numpy", "PIL")}, name
        # SQLAlchemy's asyncio layer serves PostgreSQL's web routes alone
        assert "sqlalchemy.ext.asyncio" not in loaded, name
