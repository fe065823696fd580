"""Every `IN (...)` in warning/ is bounded: a subquery, a fixed list, a chunk, or `among`.

A list of ids built from input (a command's arguments, a batch, a quarter) bound one
parameter per id, and PostgreSQL refuses more than 65,535 in a statement. New code that
writes `column.in_(some_list)` fails here until it uses warning.db.value_list.among or is
listed below with why its list is bounded.
"""

import ast
from pathlib import Path

WARNING = Path(__file__).parents[2] / "warning"

_COPIES = {"list", "set", "sorted", "tuple", "frozenset"}

# (file, argument): why the list is bounded
BOUNDED = {
    ("auth/user_admin.py", "kinds"): "the token kinds, a handful",
    ("db/claims.py", "owners"): "the lease owners of this process",
    ("db/value_list.py", "listed"): "among's own short path (at most LONG values)",
    ("dedup/linking.py", "members"): "a subquery",
    ("dedup/linking.py", "chunk"): "_CHUNK ids at a time",
    ("feeds/store.py", "chunk"): "CHUNK keys at a time",
    ("feeds/store.py", "external_ids"): "the missing ones of a CHUNK",
    ("handling/overdue.py", "ids[start:start + CHUNK]"): "CHUNK ids at a time",
    ("handling/regrades.py", "warning_ids[at:at + 400]"): "400 at a time",
    ("handling/regrades.py", "chunk"): "400 at a time",
    ("handling/regrades.py", "last"): "a subquery",
    ("notify/requeue.py", "statuses"): "delivery statuses",
    ("queries/search.py", "points"): "a subquery",
    ("queries/search.py", "departments"): "a subquery",
    ("services/repeat_window.py", "chunk"): "chunked",
    ("services/signal_import.py", "part"): "`chunk` (500) ids at a time",
    ("services/signal_import.py", "pending"): "the pending ones of `part`",
    ("services/signal_rows.py", "chunk"): "chunked",
}


def _unbounded(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "in_" and node.args):
            continue
        arg = node.args[0]
        if isinstance(arg, ast.List | ast.Tuple | ast.ListComp):
            continue  # a literal list, or the values of an enum's members
        if isinstance(arg, ast.Call) and ast.unparse(arg.func) not in _COPIES:
            continue  # a subquery built by a call
        if isinstance(arg, ast.Name) and arg.id.isupper():
            continue  # a module constant
        if (str(path.relative_to(WARNING)), ast.unparse(arg)) not in BOUNDED:
            found.append(f"{path.relative_to(WARNING)}:{node.lineno}: {ast.unparse(arg)}")
    return found


def test_no_in_list_grows_with_its_input() -> None:
    found = [line for path in sorted(WARNING.rglob("*.py")) for line in _unbounded(path)]
    assert not found, "use warning.db.value_list.among for these:\n" + "\n".join(found)
