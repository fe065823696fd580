"""PyYAML's and libyaml's syntax error messages told in Chinese.

Operators read the problems of rule, channel and register files; "found character that
cannot start any token" told them nothing about the tab they had typed. The English stays
in parentheses, as in every other problem, for searching.
"""

import re

# (pattern matched at the start of the parser's message, Chinese), most specific first;
# libyaml's wording, and the pure-Python parser's where it differs.
MESSAGES: tuple[tuple[str, str], ...] = (
    (r"found (a )?tab character", "制表符 (Tab) 不能用于缩进, 请改用空格"),
    (r"found character .*that cannot start any token",
     "此处的字符不能开始一个值: 缩进不能用制表符 (Tab), 以 @ ` % 开头的值须加引号"),
    (r"mapping values are not allowed", "此处不能出现“键: 值”: 值中有“冒号加空格”时须加引号"),
    (r"did not find expected ',' or '\]'|expected ',' or '\]'", "方括号 [ 未闭合: 缺少 , 或 ]"),
    (r"did not find expected ',' or '\}'|expected ',' or '\}'", "花括号 { 未闭合: 缺少 , 或 }"),
    (r"found unexpected end of stream", "文件意外结束: 引号或括号未闭合"),
    (r"did not find expected '-' indicator", "缩进不一致: 此处应是以 - 开头的列表项"),
    (r"did not find expected key|expected <block end>", "缩进不一致: 此处应是“键: 值”"),
    (r"but found another document", "一个文件只能有一个 YAML 文档 (不能有第二个 ---)"),
    (r"exceeded maximum nesting depth", "嵌套层数过多"),
    (r"could not determine a constructor for the tag", "不允许的 YAML 标签 (!…)"),
    (r"found unknown escape character", "双引号中有未知的转义 (反斜杠写成 \\\\, 或改用单引号)"),
    (r"found unexpected document indicator", "引号未闭合时遇到了 --- 或 ..."),
    (r"found undefined alias", "未定义的别名 (*…)"),
    (r"found duplicate anchor", "重复的锚点 (&…)"),
    (r"found unknown directive name|found undefined tag handle",
     "未知的 YAML 指令或标签前缀 (%…, !…!)"),
    (r"did not find expected node content|expected the node content", "此处缺少值"),
    (r"could not find expected ':'", "缺少冒号 :"),
    (r"did not find expected <document start>|expected '<document start>'",
     "缺少文档开始标记 ---"),
    (r"block sequence entries are not allowed", "此处不能出现以 - 开头的列表项"),
    (r"did not find expected alphabetic or numeric character"
     r"|expected alphabetic or numeric character", "锚点、别名或标签的名称中有不允许的字符"),
    (r"did not find expected comment or line break|expected a comment or a line break",
     "值之后只能是注释或换行"),
    (r"found incompatible YAML document|found duplicate (%YAML|%TAG) directive",
     "不支持的 YAML 版本或重复的指令"),
    (r"while scanning a simple key|could not find expected", "此处缺少应有的符号"),
)
_COMPILED = tuple((re.compile(pattern), zh) for pattern, zh in MESSAGES)
_CJK = re.compile(r"[\u4e00-\u9fff]")


def zh_syntax_problem(problem: str) -> str:
    """Return a YAML parser's message in Chinese, the original in parentheses; a message
    already in Chinese (this project's own) unchanged."""
    if _CJK.search(problem):
        return problem
    for pattern, zh in _COMPILED:
        if pattern.match(problem):
            return f"{zh} ({problem})"
    return f"无法解析 ({problem})"
