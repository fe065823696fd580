"""Which queries PostgreSQL's search may match with LIKE instead of ILIKE."""

import pytest

from warning.queries.search import caseless


@pytest.mark.parametrize(("q", "expected"), [
    ("冷链", True), ("采购2026年", True), ("合同，付款！", True), ("¥ 50 000", True),
    ("abc", False), ("冷链A", False), ("É", False), ("ß", False),
    ("i\u0307", False),  # a combining mark: lower-casing İ makes one, so ILIKE stays
])
def test_only_queries_without_case_skip_lower_casing(q: str, expected: bool) -> None:
    assert caseless(q) is expected
