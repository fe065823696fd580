"""A register or organisation .csv over the bound of their other formats is refused unread.

It was read whole with no bound: a 50 MB file (400,000 risk points) took 2 GB and 50 s to
check, and a larger one would have taken the machine's memory.
"""

from pathlib import Path

import pytest

from warning.org.files import OrgFileError, read_org_file
from warning.register.delimited import MAX_CSV_BYTES
from warning.register.files import RegisterError, read_register


def test_a_csv_over_the_bound_is_refused_naming_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "register.csv"
    with path.open("wb") as handle:
        handle.write("编号,风险点,风险类别,风险等级\n".encode())
        handle.truncate(MAX_CSV_BYTES + 1)  # sparse: nothing written to the disk
    for read, error in ((read_register, RegisterError), (read_org_file, OrgFileError)):
        with pytest.raises(error) as caught:
            read(path)
        assert [str(p) for p in caught.value.problems] == [
            f"文件过大 (file too large): 超过 {MAX_CSV_BYTES} 字节"]
