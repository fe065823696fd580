"""A spreadsheet's header row: Chinese titles (and their aliases) mapped to field names.

The register and the organisation file both arrive as spreadsheets that units fill in by
hand: a title row may sit above the header, titles come in several spellings, full-width
characters and bracketed hints, and a running number (序号) column carries nothing. One
`HeaderSpec` per file kind says which titles name which field.
"""

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

_BRACKETED = re.compile(r"\(.*?\)|【.*?】|\[.*?\]")
# \s misses the invisible format characters (category Cf): a second BOM left by two
# files pasted together, a zero-width space from a title copied off a web page. A header
# "\ufeff渠道" was refused as the unknown column “渠道”, which reads as the known one.
_NOISE = re.compile(r"[\s*:：、.。·_\u00ad\u200b-\u200f\u2060-\u2064\ufeff]+")


def normalize_header(text: Any) -> str:
    """Fold a header cell: width-normalise, drop spaces, underscores, marks and bracketed
    hints, and fold case (`Department Code` is `department_code`)."""
    folded = unicodedata.normalize("NFKC", "" if text is None else str(text))
    return _NOISE.sub("", _BRACKETED.sub("", folded)).casefold()


@dataclass(frozen=True)
class Header:
    """The header row of a spreadsheet: its line and the field of each column."""

    line: int
    fields: dict[int, str]
    unknown: tuple[str, ...]
    duplicates: tuple[str, ...]


@dataclass(frozen=True)
class HeaderSpec:
    """The titles of one kind of file: (field, title) in column order, and other spellings."""

    fields: tuple[tuple[str, str], ...]
    aliases: Mapping[str, tuple[str, ...]]
    ignored: frozenset[str] = frozenset({"序号"})
    english: bool = field(default=False)  # the field names themselves are accepted too

    @cached_property
    def table(self) -> dict[str, str]:
        """Return every accepted title (folded) with the field it names."""
        table = {normalize_header(title): name for name, title in self.fields}
        if self.english:
            table.update({normalize_header(name): name for name, _ in self.fields})
        for name, aliases in self.aliases.items():
            table.update({normalize_header(alias): name for alias in aliases})
        return table

    def read(self, line: int, cells: Sequence[Any]) -> Header:
        """Map each header cell to a field, noting unknown and repeated columns."""
        fields: dict[int, str] = {}
        first: dict[str, str] = {}
        unknown: list[str] = []
        duplicates: list[str] = []
        for index, cell in enumerate(cells):
            key = normalize_header(cell)
            if not key or key in self.ignored:
                continue
            name = self.table.get(key)
            if name is None:
                unknown.append(str(cell).strip())
            elif name in first:
                duplicates.append(f"“{str(cell).strip()}”与“{first[name]}”")
            else:
                first[name] = str(cell).strip()
                fields[index] = name
        return Header(line, fields, tuple(unknown), tuple(duplicates))

    def find(self, rows: Iterable[tuple[int, Sequence[Any]]], scan: int = 10) -> Header | None:
        """Return the first row (within `scan` rows) with at least two known titles."""
        for count, (line, cells) in enumerate(rows):
            if count >= scan:
                break
            if sum(1 for cell in cells if normalize_header(cell) in self.table) >= 2:
                return self.read(line, cells)
        return None


_SEPARATORS = (("\t", "制表符"), (";", "分号"), ("；", "分号"), ("|", "竖线"))


def separator_hint(cells: Sequence[Any], is_title: Callable[[str], bool]) -> str | None:
    """Say so if a row's cells are titles joined by another separator than the comma (a
    tab-separated export, a semicolon from a European Excel), else None."""
    for mark, name in _SEPARATORS:
        parts = [part for cell in cells if isinstance(cell, str) and mark in cell
                 for part in cell.split(mark)]
        if sum(1 for part in parts if is_title(part)) >= 2:
            return (f"第1行的列之间用的是{name}, 不是逗号: 请另存为“CSV UTF-8 (逗号分隔)”"
                    " 后再导入 (separator is not a comma)")
    return None


def not_a_header(cells: list[str], known: str) -> str:
    """Say that a first row names no known column, quoting what it holds."""
    shown = "、".join(f"“{cell[:20]}”" for cell in cells[:4] if cell) or "(空行)"
    return f"第1行不是表头: 没有一列是已知的列名 (读到 {shown}; 应有 {known} 等列)"
