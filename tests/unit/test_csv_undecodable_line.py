"""A .csv that neither UTF-8 nor GBK reads is refused naming the line that cannot be read.

Before: "无法识别编码 (UTF-8 或 GBK)" for the whole file, for one stray byte on row 5000.
"""

import io
from pathlib import Path

import pytest

from warning.org.files import OrgFileError, read_org_file
from warning.register.files import RegisterError, read_register
from warning.services.signal_files import SignalFileError, read_rows
from warning.sheets.csv_encoding import GBK, undecodable_line

GOOD = "audit,a1,来信,采购\r\n".encode("gbk")
BAD = b"audit,a9,\xff\xff,x\r\n"  # 0xFF starts no GBK or UTF-8 character


def test_the_first_line_neither_encoding_reads_is_found() -> None:
    assert undecodable_line(io.BytesIO(GOOD * 4 + BAD + GOOD), GBK) == 5
    assert undecodable_line(io.BytesIO(GOOD.replace(b"\r\n", b"\r") * 2 + BAD), GBK) == 3
    assert undecodable_line(io.BytesIO(GOOD * 2), GBK) == 0


def test_a_signal_csv_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "signals.csv"
    path.write_bytes("渠道,编号,标题,内容\r\n".encode("gbk") + GOOD * 3 + BAD)
    with pytest.raises(SignalFileError) as caught:
        list(read_rows(path))
    assert str(caught.value).startswith(f"{path}:5: 无法识别编码")


@pytest.mark.parametrize(("read", "error"), [(read_register, RegisterError),
                                             (read_org_file, OrgFileError)])
def test_a_register_or_org_csv_names_the_line(
    tmp_path: Path, read: object, error: type[Exception]
) -> None:
    path = tmp_path / "table.csv"
    path.write_bytes("编码,名称\r\n".encode("gbk") + "A,采购\r\n".encode("gbk") + BAD)
    with pytest.raises(error) as caught:
        read(path)  # type: ignore[operator]
    assert str(caught.value) == "第3行: 无法识别文件编码 (只支持 UTF-8 或 GBK/GB18030)"
