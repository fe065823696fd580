"""`qingfeng` imports a subcommand's module only when that subcommand runs."""

import subprocess
import sys
from pathlib import Path

import click
from click.testing import CliRunner

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
    script = (
        "import sys\n"
        "from warning.cli.main import cli\n"
        f"try:\n    cli({list(args)!r})\nexcept SystemExit:\n    pass\n"
        "print('\\n'.join(sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    return set(done.stdout.split())


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
