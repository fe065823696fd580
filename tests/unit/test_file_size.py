"""A file's size on the pages: bytes under 1 KB (never "0.0 KB"), then KB, then MB."""

import pytest

from warning.web.pages.render import file_size


@pytest.mark.parametrize(("size", "shown"), [
    (0, "0 字节"), (12, "12 字节"), (1023, "1023 字节"), (1024, "1.0 KB"),
    (150_000, "146.5 KB"), (1_500_000, "1.4 MB"), (5_000_000, "4.8 MB"),
])
def test_a_size_is_shown_in_the_unit_a_reader_expects(size: int, shown: str) -> None:
    assert file_size(size) == shown
