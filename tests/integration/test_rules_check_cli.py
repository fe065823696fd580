"""`qingfeng rules check` reads the register's risk point codes from either database."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.support import DATA
from warning.cli.main import cli
from warning.runtime import Runtime


def test_rules_check_names_a_risk_point_missing_from_the_register(
    runtime: Runtime, rules_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QINGFENG_DATABASE_URL", runtime.settings.database_url)
    monkeypatch.setenv("QINGFENG_CHANNELS_DIR", str(DATA / "channels"))
    args = ["rules", "check", "--rules-dir", str(rules_dir)]
    passed = CliRunner().invoke(cli, args)
    assert passed.exit_code == 0, passed.output
    assert "数据库未迁移" not in passed.output
    (rules_dir / "zz.yaml").write_text(
        "rules:\n  - id: ghost\n    name: 幽灵\n    risk_point: NO-SUCH\n"
        "    when:\n      text:\n        any: [幽灵]\n", encoding="utf-8")
    refused = CliRunner().invoke(cli, args)
    assert refused.exit_code == 1
    assert "zz.yaml:4: ghost: risk_point: 风险点清单中没有 'NO-SUCH'" in refused.output
