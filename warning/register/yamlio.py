"""Read and write the register as .yaml.

A register YAML file is a list of mappings, one per risk point, keyed by the English field
names (code, name, manifestation, category, level, owner_level, department, post,
business_area, prevention, monitoring, handling, responsible_person, reviewed_on) rather than
the Chinese headers: YAML is written by developers and kept in git, where stable ASCII keys
diff and grep better. Values may still be Chinese (level 高 or high, department name or code).
Empty fields are left out on export; multi-line text is written as a literal block.
"""

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from warning.register.columns import FIELD_NAMES
from warning.register.rows import RawRow, RowProblem
from warning.sheets.blank_files import NOTHING
from warning.yamlfile import NOT_TEXT, YamlSyntaxError, load_yaml, not_text


class YamlShapeError(ValueError):
    """A register YAML file whose shape is wrong; carries every problem."""

    def __init__(self, problems: list[RowProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def read_rows(path: Path) -> list[RawRow]:
    """Return a RawRow per mapping, with its line and any unknown keys."""
    try:
        data = load_yaml(path)
    except YamlSyntaxError as error:
        raise YamlShapeError([RowProblem(error.line, error.message)]) from None
    if data is None:  # comments only
        raise YamlShapeError([RowProblem(None, NOTHING)])
    if not isinstance(data, list):
        raise YamlShapeError([RowProblem(1, "文件须是风险点列表 (a list of mappings)")])
    rows: list[RawRow] = []
    problems: list[RowProblem] = []
    for index, item in enumerate(data):
        if not isinstance(item, Mapping):
            problems.append(RowProblem(None, f"第{index + 1}项不是映射 (not a mapping)"))
            continue
        line = getattr(item, "line", index + 1)
        problems += [RowProblem(at, NOT_TEXT.format(key)) for at, key in not_text(item)]
        unknown = tuple(str(key) for key in item if key not in FIELD_NAMES)
        values = {str(key): value for key, value in item.items() if key in FIELD_NAMES}
        rows.append(RawRow(line, values, unknown))
    if problems:
        raise YamlShapeError(problems)
    return rows


class _Dumper(yaml.SafeDumper):
    """Indent lists under their key and write multi-line strings as literal blocks."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def write_rows(path: Path, records: Sequence[Mapping[str, Any]]) -> None:
    """Write the records as a YAML list of mappings in field order."""
    body = yaml.dump(
        [dict(record) for record in records],
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        width=1000,
    )
    path.write_text(body if records else "[]\n", encoding="utf-8")
