"""An amount typed as a Chinese user types it is stored as meant, through every door.

"１，２３４．５" (full-width digits, comma and point) and "1,234.50" were refused as 须是数字
by the API, `signal add` and every file import, while "１２３" passed and "1_000" was 1000.
"""

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import select

from tests.integration.test_api_signals import client  # noqa: F401 - fixture
from tests.integration.test_signal_import import env  # noqa: F401 - fixture
from warning.cli.main import cli
from warning.db.models import Signal
from warning.runtime import Runtime

TYPED = {"F-1": "１，２３４．５", "F-2": "1,234.50", "F-3": "１２０００", "F-4": "\u3000８８\u3000"}
MEANT = {"F-1": Decimal("1234.50"), "F-2": Decimal("1234.50"), "F-3": Decimal("12000"),
         "F-4": Decimal("88")}


def _amounts(rt: Runtime) -> dict[str, Decimal]:
    with rt.sessions() as session:
        return dict(session.execute(select(Signal.external_id, Signal.amount)).tuples().all())


def _csv(path: Path, amounts: dict[str, str]) -> Path:
    rows = "".join(f'petition,{key},来信,"{value}"\n' for key, value in amounts.items())
    path.write_text("渠道,编号,标题,金额\n" + rows, encoding="utf-8")
    return path


def _jsonl(path: Path, amounts: dict[str, str]) -> Path:
    import json

    path.write_text("".join(json.dumps({"channel": "petition", "external_id": key,
                                        "title": "来信", "amount": value}, ensure_ascii=False)
                            + "\n" for key, value in amounts.items()), encoding="utf-8")
    return path


def _xlsx(path: Path, amounts: dict[str, str]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["渠道", "编号", "标题", "金额"])
    for key, value in amounts.items():
        sheet.append(["petition", key, "来信", value])  # a text cell, as typed
    book.save(path)
    return path


WRITERS = {".csv": _csv, ".jsonl": _jsonl, ".xlsx": _xlsx}


@pytest.fixture(params=sorted(WRITERS))
def suffix(request: pytest.FixtureRequest) -> Iterator[str]:
    yield request.param


def test_files_store_full_width_and_grouped_amounts_as_meant(
    env: Runtime, tmp_path: Path, suffix: str  # noqa: F811
) -> None:
    path = WRITERS[suffix](tmp_path / f"amounts{suffix}", TYPED)
    result = CliRunner().invoke(cli, ["signal", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert _amounts(env) == MEANT


def test_a_file_amount_that_is_no_number_is_refused_naming_line_and_field(
    env: Runtime, tmp_path: Path, suffix: str  # noqa: F811
) -> None:
    path = WRITERS[suffix](tmp_path / f"bad{suffix}",
                           {"B-1": "１２a", "B-2": "1,23", "B-3": "1_000"})
    result = CliRunner().invoke(cli, ["signal", "import", str(path)])
    assert result.exit_code == 1, result.output
    first = 1 if suffix == ".jsonl" else 2  # a spreadsheet's line 1 is its header
    assert f"{path}:{first}: amount: “１２a”不是数字" in result.output, result.output
    assert f"{path}:{first + 1}: amount: “1,23”的逗号位置不对" in result.output
    assert f"{path}:{first + 2}: amount: “1_000”不是数字" in result.output
    assert _amounts(env) == {}


def test_signal_add_reads_a_full_width_amount_and_names_a_bad_one(
    env: Runtime  # noqa: F811
) -> None:
    base = ["signal", "add", "--channel", "petition", "--title", "来信"]
    good = CliRunner().invoke(cli, [*base, "--external-id", "C-1", "--amount", "１，２３４．５"])
    assert good.exit_code == 0, good.output
    bad = CliRunner().invoke(cli, [*base, "--external-id", "C-2", "--amount", "１２a"])
    assert bad.exit_code == 1 and "amount: “１２a”不是数字" in bad.output, bad.output
    assert _amounts(env) == {"C-1": Decimal("1234.50")}


def test_the_api_reads_a_full_width_amount_and_answers_422_naming_a_bad_one(
    client: TestClient,  # noqa: F811
) -> None:
    body = {"channel": "petition", "title": "来信"}
    good = client.post("/api/signals",
                       json=body | {"external_id": "P-1", "amount": "１，２３４．５"})
    assert good.status_code == 201, good.text
    stored = client.get(f"/api/signals/{good.json()['signal_id']}")
    assert Decimal(str(stored.json()["amount"])) == Decimal("1234.5"), stored.text
    bad = client.post("/api/signals", json=body | {"external_id": "P-2", "amount": "１２a"})
    assert bad.status_code == 422, bad.text
    error = bad.json()["error"]
    assert "amount" in str(error) and "“１２a”不是数字" in str(error), error
