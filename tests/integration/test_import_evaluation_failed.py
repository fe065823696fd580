"""An import whose evaluation fails says so and exits 1; the signals stay stored.

Found from outside: on a database whose risk register was never imported, `qingfeng signal
import` of 50,000 rows printed a traceback per batch (a rule naming a risk point the
register lacks), then "本次评估 0 条, 产生 0 条预警" and exit 0; `signal add` printed
status "failed" and exit 0. A rule naming a missing risk point is the operator's to fix:
one line each, no traceback, and the command's exit code says the work is not done."""

import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import delete, select

from tests.integration.test_signal_import import env  # noqa: F401 - fixture
from warning.cli.main import cli
from warning.db.models import RiskPoint, Signal
from warning.domain.enums import SignalStatus
from warning.runtime import Runtime

COLLUSION = "反映设备采购中存在串标"  # bid-collusion, risk point CG-001


def _empty_register(rt: Runtime) -> None:
    with rt.sessions() as session, session.begin():
        session.execute(delete(RiskPoint))


def _statuses(rt: Runtime) -> dict[str, str]:
    with rt.sessions() as session:
        rows = session.execute(select(Signal.external_id, Signal.status))
        return {row[0]: row[1] for row in rows}


def test_an_import_whose_evaluation_fails_exits_1_and_keeps_the_signals(
    env: Runtime, tmp_path: Path,  # noqa: F811
) -> None:
    _empty_register(env)
    path = tmp_path / "signals.jsonl"
    path.write_text("\n".join(json.dumps(
        {"channel": "petition", "external_id": f"E-{n}", "title": f"来信{n}",
         "text": COLLUSION if n % 2 else "反映食堂菜价", "department": "CGZX"},
        ensure_ascii=False) for n in range(6)) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["signal", "import", str(path)])
    assert result.exit_code == 1, result.output
    assert "新增 6 条信号" in result.output
    assert "条信号已存储, 但评估失败" in result.output
    assert "Traceback" not in result.output
    assert "不在风险点清单中" in result.output  # the reason, in the log on stderr
    assert set(_statuses(env).values()) <= {SignalStatus.FAILED.value,
                                            SignalStatus.EVALUATED.value}
    assert len(_statuses(env)) == 6  # nothing lost


def test_signal_add_whose_evaluation_fails_exits_1(
    env: Runtime,  # noqa: F811
) -> None:
    _empty_register(env)
    result = CliRunner().invoke(cli, ["signal", "add", "--channel", "petition",
                                      "--external-id", "A-1", "--title", "来信",
                                      "--text", COLLUSION])
    assert result.exit_code == 1, result.output
    assert '"status": "failed"' in result.output and "评估失败" in result.output
    assert "Traceback" not in result.output and "不在风险点清单中" in result.output
    assert _statuses(env) == {"A-1": SignalStatus.FAILED.value}


def test_an_import_that_evaluates_exits_0(env: Runtime, tmp_path: Path) -> None:  # noqa: F811
    path = tmp_path / "signals.jsonl"
    path.write_text(json.dumps({"channel": "petition", "external_id": "OK-1", "title": "来信",
                                "text": COLLUSION}, ensure_ascii=False) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["signal", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "评估失败" not in result.output
