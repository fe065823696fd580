"""Parse YAML into plain data that remembers the line of every mapping and key.

Rule, grading and fixture files are read with YAML 1.2's core schema, not PyYAML's YAML 1.1
one: only true/false are booleans (`mode: off` is the word off, as rules/README.md writes
it, not false), numbers are decimal (`050000` is fifty thousand, not octal 20480; `1:30`,
`0x10` and `5_000` are text) and dates stay text.
"""

import re
from collections.abc import Hashable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

import yaml

from warning.yaml_safe import NoAliases, located


class LineDict(dict[Any, Any]):
    """A mapping read from YAML, with its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[Any, int]


class LineList(list[Any]):
    """A sequence read from YAML, with the line of each item (1-based)."""

    line: int = 0
    item_lines: list[int]


# libyaml's parser when PyYAML was built with it (about 10x faster); the marks are the same.
_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(NoAliases, _Base):  # type: ignore[valid-type,misc]
    """A safe loader whose mappings and sequences carry line numbers; no aliases; YAML 1.2
    core scalars."""

    yaml_implicit_resolvers: ClassVar[dict[Any, Any]] = {}  # filled below: YAML 1.2 core

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        """Read an integer in decimal only (YAML 1.1 read a leading 0 as octal)."""
        value = self.construct_scalar(node)
        if not _DECIMAL_INT.fullmatch(value):
            raise yaml.constructor.ConstructorError(
                None, None, f"不是十进制整数 (not a decimal integer): {value!r}",
                node.start_mark)
        try:
            return int(value, 10)
        except ValueError:  # over sys.get_int_max_str_digits() (4300) digits: a traceback
            raise _too_long(value, node) from None

    def construct_yaml_float(self, node: yaml.ScalarNode) -> Decimal | float:
        """Read a number with a point or exponent as the Decimal written, never a float:
        a float holds about 15 digits, so `999999999999999.98` became 10^15 and a bound
        moved by a fen in silence. `.inf` and `.nan` stay floats (amounts refuse them)."""
        value = self.construct_scalar(node)
        if _SPECIAL_FLOAT.fullmatch(value):
            return float(value.replace(".", "", 1))
        try:
            return Decimal(value)
        except InvalidOperation:  # an exponent past 10^18 (1e99999999999999999999)
            raise _too_long(value, node) from None

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> LineDict:
        mapping = LineDict()
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        self.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, Hashable):
                raise yaml.constructor.ConstructorError(
                    None, None, "键不能是列表或映射 (a key must be a plain value)",
                    key_node.start_mark)
            if key in mapping:
                raise yaml.constructor.ConstructorError(
                    None, None, f"重复的键 (duplicate key) {key!r}", key_node.start_mark
                )
            mapping[key] = self.construct_object(value_node, deep=True)
            mapping.key_lines[key] = key_node.start_mark.line + 1
        return mapping

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> LineList:
        items = LineList(self.construct_object(child, deep=True) for child in node.value)
        items.line = node.start_mark.line + 1
        items.item_lines = [child.start_mark.line + 1 for child in node.value]
        return items


def _too_long(value: str, node: yaml.ScalarNode) -> yaml.constructor.ConstructorError:
    """The error of a number Python cannot read, showing its ends only."""
    shown = value if len(value) <= 40 else f"{value[:20]}…{value[-10:]} ({len(value)} 个字符)"
    return yaml.constructor.ConstructorError(
        None, None, "数字的位数或指数过大, 无法读取 (too many digits or too large an "
        f"exponent): {shown}", node.start_mark)


_DECIMAL_INT = re.compile(r"[-+]?[0-9]+")
_SPECIAL_FLOAT = re.compile(r"[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)")
_CORE_SCALARS = (  # (tag, pattern, first characters): YAML 1.2 core, decimal integers only
    ("null", r"~|null|Null|NULL|", ["~", "n", "N", ""]),
    ("bool", r"true|True|TRUE|false|False|FALSE", list("tTfF")),
    ("int", _DECIMAL_INT.pattern, list("-+0123456789")),
    ("float", r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
              r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)", list("-+.0123456789")),
    ("merge", r"<<", ["<"]),
)
for _tag, _pattern, _first in _CORE_SCALARS:
    _LineLoader.add_implicit_resolver(
        f"tag:yaml.org,2002:{_tag}", re.compile(f"^(?:{_pattern})$"), _first)
_LineLoader.add_constructor("tag:yaml.org,2002:int", _LineLoader.construct_yaml_int)
_LineLoader.add_constructor("tag:yaml.org,2002:float", _LineLoader.construct_yaml_float)
_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LineLoader.construct_mapping
)
_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _LineLoader.construct_sequence
)


class YamlError(ValueError):
    """A file that is not valid YAML; `line` is where the parser stopped."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


def load_lines(text: str | bytes) -> Any:
    """Parse one YAML document keeping line numbers; raise YamlError with the line."""
    try:
        return yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as error:
        line, message = located(error, text if isinstance(text, str) else text.decode(
            "utf-8", "replace"))
        raise YamlError(message, line) from error


def line_of(data: Any, loc: Sequence[int | str], default: int = 1) -> int:
    """Return the line of the deepest node of `data` that the path `loc` reaches."""
    line = getattr(data, "line", default) or default
    node = data
    for part in loc:
        if isinstance(node, LineDict) and part in node:
            line = node.key_lines.get(part, line)
            node = node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and 0 <= part < len(node):
            line = node.item_lines[part]
            node = node[part]
        else:
            break
    return line
