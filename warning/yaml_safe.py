"""YAML loading that refuses aliases and unstorable text, for every data, rule and channel file.

An alias repeats a node without repeating its text: nine levels of nine aliases in 511
bytes build an 80 MB value ("billion laughs"). No file of ours needs them, so a loader
refuses any alias before constructing anything. Works with the C loader too: the check
walks the composed node graph, where an alias is a node reached twice.

The same walk refuses a scalar holding NUL or a lone surrogate, which YAML writes as an
escape ("\\0", "\\ud800"): PostgreSQL text cannot hold NUL, and a channel file with one
loaded, then failed the channel sync in the database. Refused here, the error has the line.
"""

from typing import Any

import yaml

from warning.domain.input_text import bad_text
from warning.yaml_messages import zh_syntax_problem

ALIAS_REFUSED = "不允许使用 YAML 锚点别名 (*alias) (YAML aliases are refused)"


class AliasError(yaml.MarkedYAMLError):
    """A YAML file that uses an alias; carries the alias's position."""


class UnstorableTextError(yaml.MarkedYAMLError):
    """A YAML scalar holding NUL or a lone surrogate; carries its position."""


class NoAliases:
    """Mix into a yaml Loader class (before it) so that loading refuses any alias, and any
    scalar no database can store."""

    def get_single_node(self) -> Any:
        """Compose the document, then refuse it if any node is reached twice (an alias)."""
        node = super().get_single_node()  # type: ignore[misc]
        if node is not None:
            _refuse_shared(node)
        return node


def _refuse_shared(root: yaml.Node) -> None:
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            raise AliasError(None, None, ALIAS_REFUSED, node.start_mark)
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode) and isinstance(node.value, str):
            problem = bad_text(node.value)
            if problem is not None:
                raise UnstorableTextError(None, None, f"文字{problem}", node.start_mark)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))


class SafeLoader(NoAliases, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """yaml.SafeLoader (libyaml's parser when PyYAML has it) without aliases."""

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        """Read a date or time, refusing one that does not exist (2026-02-30) with its line:
        PyYAML let datetime's ValueError escape, past every caller's YAMLError handler."""
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as error:
            raise yaml.constructor.ConstructorError(
                None, None, f"不存在的日期或时间 {node.value!r} ({error})",
                node.start_mark) from None


SafeLoader.add_constructor("tag:yaml.org,2002:timestamp", SafeLoader.construct_yaml_timestamp)


def located(error: yaml.YAMLError, text: str) -> tuple[int, str]:
    """Return the line and the Chinese message for a YAML error in `text`.

    The reader refuses a control character (NUL, U+0001 …) before parsing, with a position
    in the text and no mark: it said "line 1" and printed PyYAML's English."""
    if isinstance(error, yaml.reader.ReaderError):
        line = text.count("\n", 0, max(error.position, 0)) + 1
        code = error.character if isinstance(error.character, int) else ord(error.character)
        return line, f"含不允许的控制字符 U+{code:04X} (control character)"
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        problem = zh_syntax_problem(str(error.problem or error))
        return (mark.line + 1 if mark else 1), f"YAML 语法错误: {problem}"
    return 1, f"YAML 语法错误: {zh_syntax_problem(str(error))}"


def safe_load(text: str) -> Any:
    """Parse YAML like yaml.safe_load, refusing aliases."""
    return yaml.load(text, Loader=SafeLoader)
