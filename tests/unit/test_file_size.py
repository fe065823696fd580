"""A file's size on the pages: bytes under 1 KB (never "0.0 KB"), then KB, then MB."""

import pytest

from warning.domain.sizes import file_size, limit_size


@pytest.mark.parametrize(("size", "shown"), [
    (0, "0 字节"), (12, "12 字节"), (1023, "1023 字节"), (1024, "1.0 KB"),
    (150_000, "146.5 KB"), (1_500_000, "1.4 MB"), (5_000_000, "4.8 MB"),
])
def test_a_size_is_shown_in_the_unit_a_reader_expects(size: int, shown: str) -> None:
    assert file_size(size) == shown


@pytest.mark.parametrize(("size", "shown"), [
    (1024, "1 KB"), (5 * 1024 * 1024, "5 MB"), (8 * 1024 * 1024, "8 MB"),
    (int(8.5 * 1024 * 1024), "8.5 MB"), (500, "500 字节"),
])
def test_a_limit_is_said_as_it_is_set_in_the_same_unit(size: int, shown: str) -> None:
    assert limit_size(size) == shown


def test_a_file_shown_under_the_limit_is_under_it() -> None:
    limit = 5 * 1024 * 1024
    assert file_size(limit - 1) == "5.0 MB" and limit_size(limit) == "5 MB"
    assert file_size(5_000_000) == "4.8 MB"  # under the limit, and it says so
