"""Read YAML data files keeping the line of every mapping and key, for file:line errors."""

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import yaml
from pydantic import ValidationError

from warning.domain.validation_zh import consequential, zh_message
from warning.regular_file import TooLargeError, read_regular
from warning.yaml_safe import NoAliases, located


class LineDict(dict[str, Any]):
    """A mapping that remembers the line it starts on and the line of each key."""

    line: int = 0
    key_lines: dict[str, int]


# libyaml's parser when PyYAML has it (the channel files are read by every `rules check`
# and every `signal import --channel`; about 10x faster than the Python parser, same marks).
_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _TextLineLoader(NoAliases, _Base):  # type: ignore[valid-type,misc]
    """Mappings that carry their lines; every plain scalar is the text it is (no implicit
    types: YAML 1.1 read an unquoted 0101 as the octal 65, `no` as false, 1:30 as 90)."""

    yaml_implicit_resolvers: ClassVar[dict[Any, Any]] = {}

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> LineDict:  # type: ignore[override]
        seen: set[str] = set()
        for key_node, _ in node.value:  # PyYAML keeps the last of two equal keys in silence
            key = str(key_node.value)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"重复的键“{key}” (duplicate key)", key_node.start_mark)
            seen.add(key)
        mapping = LineDict(super().construct_mapping(node, deep=True))
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {
            str(key_node.value): key_node.start_mark.line + 1 for key_node, _ in node.value
        }
        return mapping


_TextLineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _TextLineLoader.construct_mapping,  # type: ignore[arg-type]
)


def not_text(mapping: Any) -> list[tuple[int, str]]:
    """Return (line, key) of each value that is a mapping or a list, where a row's cells
    must be plain text (read whole, it would be stored as its Python repr)."""
    lines = getattr(mapping, "key_lines", {})
    return [(lines.get(str(key), getattr(mapping, "line", 1)), str(key))
            for key, value in mapping.items() if isinstance(value, dict | list)]


NOT_TEXT = "“{}”须是文字, 不能是列表或映射"
# the organisation, register, channel and holiday files; the register's .xlsx is read up to
# 32 MB too (warning.xlsx_limits)
MAX_YAML_BYTES = 32 << 20


class YamlSyntaxError(ValueError):
    """A file that is not valid YAML; carries the line."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def load_yaml(path: Path) -> Any:
    """Parse one YAML file into LineDicts and lists, or raise YamlSyntaxError.

    Every unquoted value is the text written, as a spreadsheet cell is (the organisation,
    register and channel files): the schema that validates it converts what it needs."""
    try:
        text = read_regular(path, MAX_YAML_BYTES).decode("utf-8")
    except TooLargeError:  # parsed, it would take several times its size in memory
        raise YamlSyntaxError(1, f"文件过大 (file too large): 超过 {MAX_YAML_BYTES >> 20} MiB"
                                 ) from None
    except UnicodeDecodeError as error:
        raise YamlSyntaxError(1, f"文件不是 UTF-8 编码 (not UTF-8): {error.reason}") from None
    try:
        return yaml.load(text, Loader=_TextLineLoader)
    except yaml.YAMLError as error:
        raise YamlSyntaxError(*located(error, text)) from None


def line_of(data: Any, loc: Sequence[str | int]) -> int:
    """Return the best line for a location inside loaded data (the deepest known)."""
    line = getattr(data, "line", 1)
    node = data
    for part in loc:
        if isinstance(node, LineDict):
            line = node.key_lines.get(str(part), node.line)
            node = node.get(str(part)) if str(part) in node else None
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            line = getattr(node, "line", line)
        else:
            break
    return line


def describe_errors(data: Any, error: ValidationError) -> list[tuple[int, str, str]]:
    """Turn a pydantic error into (line, dotted field, message) triples."""
    out = []
    for item in error.errors():
        if consequential(dict(item)):
            continue
        loc = [p for p in item["loc"] if isinstance(p, str | int)]
        field = ".".join(str(p) for p in loc) or "(file)"
        out.append((line_of(data, loc), field, zh_message(dict(item))))
    return out
