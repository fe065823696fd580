"""A grading file that is incomplete names the line of the part at fault, not line 1.

Before: `matrix 缺少 low × 严重程度 1`, `deadlines 缺少 talk` and `repeat 中的 from 重复` were all
reported at grading.yaml:1 however long the file; now at the key or item concerned.
"""

from pathlib import Path

import pytest

from warning.rules.loader import load_grading

GRADING = (Path(__file__).parents[2] / "rules" / "grading.yaml").read_text(encoding="utf-8")


def _line(text: str, start: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith(start))


@pytest.mark.parametrize(("old", "new", "at", "reason"), [
    ("  low:    {1: reminder, 2: reminder,   3: talk}\n", "", "matrix:", "matrix 缺少 low"),
    ("{1: reminder, 2: reminder,   3: talk}", "{1: reminder, 2: reminder}", "  low:",
     "matrix 缺少 low × 严重程度 3"),
    ("  talk:          {receive: 3, report: 10, days: working}\n", "", "deadlines:",
     "deadlines 缺少 talk"),
    ("{from: 3, steps: 2}", "{from: 2, steps: 2}", "  - {from: 2, steps: 2}",
     "repeat 中的 from 重复"),
])
def test_an_incomplete_grading_file_names_the_line_at_fault(
    tmp_path: Path, old: str, new: str, at: str, reason: str
) -> None:
    assert old in GRADING
    text = GRADING.replace(old, new)
    (tmp_path / "grading.yaml").write_text(text, encoding="utf-8")
    policy, [problem] = load_grading(tmp_path)
    assert policy is None
    assert reason in problem.message
    assert (Path(problem.file).name, problem.line) == ("grading.yaml", _line(text, at))
