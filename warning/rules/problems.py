"""Problems found in rule, grading and fixture files, each with file and line."""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from warning.domain.validation_zh import consequential, zh_message
from warning.rules.yaml_lines import line_of


@dataclass(frozen=True)
class Problem:
    """One problem in a data file, printed `file:line: rule-id: message`."""

    file: str
    line: int
    rule_id: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.rule_id or '-'}: {self.message}"


class RuleBookError(ValueError):
    """Rule files refused whole; `problems` says why."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        shown = "\n".join(str(p) for p in self.problems[:20])
        super().__init__(f"{len(self.problems)} 个问题 (problems):\n{shown}")


def display(path: Path) -> str:
    """Return the path as shown in problems: relative to the working directory if inside it."""
    try:  # the folder is resolved, not the file: it may be a dangling or looping link
        resolved = path.parent.resolve() / path.name
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _describe(error: dict[str, Any]) -> str:
    loc = ".".join(str(part) for part in error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"未知的键 (unknown key) {loc}"
    if kind == "missing":
        return f"缺少字段 (missing field) {loc}"
    message = zh_message(error)
    shown = repr(error.get("input"))
    if len(shown) > 60:
        shown = shown[:57] + "..."
    where = f"{loc}: " if loc else ""
    if kind in ("enum", "literal_error", "string_pattern_mismatch") or "input" in error:
        return f"{where}{message} (值: {shown})"
    return f"{where}{message}"


def from_validation(
    file: str, data: Any, error: ValidationError, *, list_key: str = "rules"
) -> list[Problem]:
    """Turn a pydantic error into problems with the line and rule id of each part."""
    problems = []
    for item in error.errors():
        if consequential(dict(item)):
            continue
        loc = tuple(item["loc"])
        rule_id = ""
        if len(loc) >= 2 and loc[0] == list_key and isinstance(loc[1], int):
            try:
                entry = data[list_key][loc[1]]
                rule_id = str(entry.get("id") or entry.get("name") or "")
            except (KeyError, IndexError, TypeError, AttributeError):
                pass
        problems.append(Problem(file, line_of(data, loc), rule_id, _describe(dict(item))))
    return problems
