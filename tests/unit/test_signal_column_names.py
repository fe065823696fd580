"""A .jsonl key that cannot be shown (a lone surrogate, a control or zero-width character)
is named escaped in the row's refusal, never as an empty name.

Before: a key "\\ud800" read ": 须是文字 (text expected)", naming nothing.
"""

import json
from pathlib import Path

import pytest

from warning.services.signal_files import RowError, read_rows, to_signal

GOOD = {"channel": "audit", "external_id": "J-1", "title": "来信"}


@pytest.mark.parametrize(("key", "shown"), [
    ("\ud800", "列名“\\ud800”: 列名含无效字符"),
    ("备注\udfff", "列名“备注\\udfff”: 列名含无效字符"),
    ("\x07", "列名“\\x07”: 未知字段"),
    ("备注\u200b", "列名“备注\\u200b”: 未知字段"),
    ("备注", "备注: 未知字段"),
])
def test_an_unshowable_key_is_named_escaped(tmp_path: Path, key: str, shown: str) -> None:
    path = tmp_path / "s.jsonl"
    line = json.dumps(GOOD | {key: "x"}, ensure_ascii=True)
    path.write_text(json.dumps(GOOD | {"external_id": "J-0"}) + "\n" + line + "\n",
                    encoding="utf-8")
    results = [to_signal(number, raw, None) for number, raw in read_rows(path)]
    assert not isinstance(results[0], RowError)  # the good row beside it is read
    refused = results[1]
    assert isinstance(refused, RowError) and refused.line == 2
    assert refused.message.startswith(shown), refused.message
