"""Read an organisation file (.xlsx, .csv, .yaml) into raw rows; write rows back."""

from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml

from warning.org.columns import FIELDS, find_header, header_table
from warning.register import delimited, xlsx
from warning.register.files import RegisterError, rows_from_table, unreadable
from warning.register.rows import RawRow, RowProblem
from warning.sheets.blank_files import NOTHING, blank_reason
from warning.sheets.headers import normalize_header
from warning.sheets.xlsx_scan import UnreadableCells
from warning.yamlfile import NOT_TEXT, YamlSyntaxError, load_yaml, not_text

SUFFIXES: tuple[str, ...] = (".xlsx", ".csv", ".yaml", ".yml")
SHEET_NAME = "单位组织"


class OrgFileError(RegisterError):
    """An organisation file that cannot be imported; carries every problem found."""


def read_org_file(path: Path) -> list[RawRow]:
    """Return the raw rows of a .xlsx, .csv or .yaml organisation file, or raise OrgFileError."""
    suffix = _suffix(path)
    try:
        if reason := blank_reason(path):
            raise OrgFileError([RowProblem(None, reason)])
        if suffix in (".yaml", ".yml"):
            return _yaml_rows(path)
        table = xlsx.read_table(path) if suffix == ".xlsx" else delimited.read_table(path)
    except delimited.EncodingUnknownError as error:
        raise OrgFileError([RowProblem(error.line, str(error))]) from None
    except delimited.CsvFormatError as error:
        raise OrgFileError([RowProblem(error.line, error.message)]) from None
    except UnreadableCells as error:
        raise OrgFileError([RowProblem(row, why) for row, why in error.cells.items()]) from None
    except OrgFileError:
        raise  # a YAML file's problems, each with its line
    except (OSError, ValueError, KeyError) as error:
        raise OrgFileError([RowProblem(None, unreadable(path, error))]) from None
    return rows_from_table(table, find=find_header, fields=FIELDS, error=OrgFileError)


def _yaml_rows(path: Path) -> list[RawRow]:
    try:
        data = load_yaml(path)
    except YamlSyntaxError as error:
        raise OrgFileError([RowProblem(error.line, error.message)]) from None
    if data is None:  # comments only
        raise OrgFileError([RowProblem(None, NOTHING)])
    if not isinstance(data, list):
        raise OrgFileError([RowProblem(1, "文件须是列表，每项一行 (a list of mappings)")])
    table = header_table()
    rows, problems = [], []
    for index, item in enumerate(data):
        line = getattr(item, "line", index + 1)
        if not isinstance(item, Mapping):
            problems.append(RowProblem(line, f"第{index + 1}项不是映射 (not a mapping)"))
            continue
        shape = [RowProblem(at, NOT_TEXT.format(key)) for at, key in not_text(item)]
        values: dict[str, object] = {}
        named: dict[str, str] = {}  # field -> the key that gave it
        for key, value in item.items():
            field = table.get(normalize_header(key))
            if field is None:
                continue
            if field in named:  # 部门编码 beside department_code: one would win in silence
                at = getattr(item, "key_lines", {}).get(str(key), line)
                shape.append(RowProblem(at, f"“{key}”与“{named[field]}”重复 (同一列)"))
            named[field] = named.get(field, str(key))
            values[field] = value
        problems += shape
        unknown = tuple(str(k) for k in item if normalize_header(k) not in table)
        rows.append(RawRow(line, values, unknown))
    if problems:
        raise OrgFileError(problems)
    return rows


def write_org_file(path: Path, records: Sequence[Mapping[str, str]]) -> None:
    """Write records (field -> text) under the Chinese headers in the suffix's format."""
    suffix = _suffix(path)
    if suffix in (".yaml", ".yml"):
        items = [{title: r[f] for f, title in FIELDS if r.get(f)} for r in records]
        body = yaml.safe_dump(items, allow_unicode=True, sort_keys=False, width=1000)
        path.write_text(body if items else "[]\n", encoding="utf-8")
        return
    header = [title for _, title in FIELDS]
    table = [[record.get(f, "") for f, _ in FIELDS] for record in records]
    if suffix == ".xlsx":
        xlsx.write_table(path, header, table, sheet_name=SHEET_NAME)
    else:
        delimited.write_table(path, header, table)


def _suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        message = f"{path.name}: 不支持的文件类型“{suffix}” (只支持 .xlsx .csv .yaml)"
        raise OrgFileError([RowProblem(None, message)])
    return suffix
