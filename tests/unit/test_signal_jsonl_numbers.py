"""A .jsonl number Python cannot read is an error of its line, never a traceback.

Before: amounts are read as exact Decimals (parse_float=Decimal), and Decimal raises
InvalidOperation, which is no ValueError, for an exponent past 10^18: `"amount":
1e99999999999999999999` ended `qingfeng signal import` in a traceback.
"""

from decimal import Decimal
from pathlib import Path

import pytest

from warning.services.signal_files import RowError, read_rows, to_signal

ROW = '{{"channel": "audit", "external_id": "{key}", "title": "t", "amount": {amount}}}\n'


@pytest.mark.parametrize("amount", ["1e99999999999999999999", "-1E-99999999999999999999"])
def test_an_exponent_decimal_cannot_hold_is_an_error_of_its_line(
    tmp_path: Path, amount: str
) -> None:
    path = tmp_path / "signals.jsonl"
    path.write_text(ROW.format(key="a", amount="12.5") + ROW.format(key="b", amount=amount),
                    encoding="utf-8")
    rows = list(read_rows(path))
    assert [line for line, _ in rows] == [1, 2]
    assert to_signal(*rows[0], None).amount == Decimal("12.5")  # type: ignore[union-attr]
    error = to_signal(*rows[1], None)
    assert isinstance(error, RowError) and error.line == 2
    assert "指数过大" in error.message and amount in error.message
