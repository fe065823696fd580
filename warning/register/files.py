"""Read a register file of any supported format into raw rows; write typed rows back."""

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from warning.register import delimited, xlsx, yamlio
from warning.register.columns import FIELDS, find_header
from warning.register.rows import RawRow, RegisterRow, RowProblem
from warning.regular_file import NotRegularFileError, TooLargeError
from warning.sheets.blank_files import blank_reason
from warning.sheets.headers import normalize_header, separator_hint
from warning.sheets.xlsx_scan import UnreadableCells
from warning.xlsx_limits import XlsxRefused

SUFFIXES: tuple[str, ...] = (".xlsx", ".csv", ".yaml", ".yml")


class RegisterError(ValueError):
    """A register file that cannot be imported; carries every problem found."""

    def __init__(self, problems: Sequence[RowProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = list(problems)


def read_register(path: Path) -> list[RawRow]:
    """Return the raw rows of a .xlsx, .csv or .yaml register, or raise RegisterError."""
    suffix = _suffix(path)
    try:
        if reason := blank_reason(path):
            raise RegisterError([RowProblem(None, reason)])
        if suffix in (".yaml", ".yml"):
            return yamlio.read_rows(path)
        table = xlsx.read_table(path) if suffix == ".xlsx" else delimited.read_table(path)
    except yamlio.YamlShapeError as error:
        raise RegisterError(error.problems) from None
    except delimited.EncodingUnknownError as error:
        raise RegisterError([RowProblem(error.line, str(error))]) from None
    except delimited.CsvFormatError as error:
        raise RegisterError([RowProblem(error.line, error.message)]) from None
    except UnreadableCells as error:
        raise RegisterError([RowProblem(row, why) for row, why in error.cells.items()]) from None
    except RegisterError:
        raise
    except (OSError, ValueError, KeyError) as error:
        raise RegisterError([RowProblem(None, unreadable(path, error))]) from None
    return rows_from_table(table)


def unreadable(path: Path, error: Exception) -> str:
    """Say why a file cannot be read, once: the command already prints the file's name."""
    if isinstance(error, XlsxRefused):  # its Chinese message says it, after the path
        return str(error).removeprefix(f"{path}: ")
    if isinstance(error, TooLargeError | NotRegularFileError):
        return str(error.strerror)
    return f"无法读取 ({type(error).__name__}: {error})"


def rows_from_table(
    table: Sequence[tuple[int, Sequence[Any]]], *, find: Callable[..., Any] = find_header,
    fields: Sequence[tuple[str, str]] = FIELDS, error: type["RegisterError"] | None = None,
) -> list[RawRow]:
    """Find the header row (a title row may sit above it) and map the rows below to fields;
    the organisation file passes its own header finder, columns and error."""
    fail = error or RegisterError
    header = find(table)
    known = "、".join(title for _, title in fields)
    if header is None:
        titles = {normalize_header(name) for pair in fields for name in pair}
        hint = separator_hint(table[0][1], lambda part: normalize_header(part) in titles
                              ) if table else None
        raise fail([RowProblem(None, hint or f"找不到表头行 (应含 {known} 等列)")])
    problems: list[RowProblem] = []
    if header.unknown:
        unknown = "、".join(f"“{name}”" for name in header.unknown)
        problems.append(RowProblem(header.line, f"未知的列 {unknown} (可用的列: {known})"))
    problems.extend(RowProblem(header.line, f"列{pair}重复") for pair in header.duplicates)
    if problems:
        raise fail(problems)
    titled = {i for line, cells in table if line == header.line
              for i, cell in enumerate(cells) if normalize_header(cell)}  # fields and 序号
    rows = []
    for line, cells in table:
        if line <= header.line or all(_blank(cell) for cell in cells):
            continue
        problems.extend(  # else dropped in silence: often a row shifted by an unquoted comma
            RowProblem(line, f"第{i + 1}列有内容“{_clip(cell)}”但该列没有表头 (多出的单元格"
                             "未导入; 含逗号的文字须加引号)")
            for i, cell in enumerate(cells) if i not in titled and not _blank(cell)
        )
        values = {field: cells[i] for i, field in header.fields.items() if i < len(cells)}
        rows.append(RawRow(line, values))
    if problems:
        raise fail(problems)
    return rows


def _blank(cell: Any) -> bool:
    return cell is None or str(cell).strip() == ""


def _clip(cell: Any, limit: int = 20) -> str:
    text = str(cell).strip()
    return text if len(text) <= limit else text[:limit] + "…"


def write_register(
    path: Path, rows: Sequence[RegisterRow], department_labels: Mapping[str, str]
) -> None:
    """Write rows in the format the suffix names; spreadsheets show department labels."""
    suffix = _suffix(path)
    if suffix in (".yaml", ".yml"):
        yamlio.write_rows(path, [yaml_record(row) for row in rows])
        return
    header = [title for _, title in FIELDS]
    table = [spreadsheet_record(row, department_labels) for row in rows]
    writer = xlsx.write_table if suffix == ".xlsx" else delimited.write_table
    writer(path, header, table)


def spreadsheet_record(row: RegisterRow, department_labels: Mapping[str, str]) -> list[Any]:
    """Return the cells of one row under the Chinese headers, with Chinese values."""
    values = _values(row)
    values["level"] = row.level.label
    values["owner_level"] = row.owner_level.label
    values["department"] = department_labels.get(row.department or "", row.department or "")
    return [values[field] for field, _ in FIELDS]


def yaml_record(row: RegisterRow) -> dict[str, Any]:
    """Return one row as a mapping of English field names, leaving empty fields out."""
    values = _values(row)
    values["level"] = row.level.value
    values["owner_level"] = row.owner_level.value
    return {field: values[field] for field, _ in FIELDS if values[field] not in ("", None)}


def _values(row: RegisterRow) -> dict[str, Any]:
    values: dict[str, Any] = {field: getattr(row, field) for field, _ in FIELDS}
    for key in ("department", "post"):
        values[key] = values[key] or ""
    return values


def _suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        message = f"{path.name}: 不支持的文件类型“{suffix}” (只支持 .xlsx .csv .yaml)"
        raise RegisterError([RowProblem(None, message)])
    return suffix
