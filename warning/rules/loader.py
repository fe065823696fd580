"""Load every rule file of a directory into a frozen RuleBook, or refuse them all."""

import errno
import hashlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from pydantic import ValidationError

from warning.domain.enums import Response, RuleMode
from warning.domain.grading import GradingPolicy, GradingPolicyError, default_policy
from warning.regular_file import NotRegularFileError, TooLargeError, read_regular
from warning.rules.cache import RulebookCache
from warning.rules.grading_file import policy_from_data
from warning.rules.model import RuleFile, RuleSpec, When
from warning.rules.problems import Problem, RuleBookError, display, from_validation
from warning.rules.yaml_lines import LineDict, YamlError, line_of, load_lines

GRADING_FILE = "grading.yaml"
# Parsing costs about 100 bytes of memory per byte of rules (10,000 rules, 1 MB: 154 MB of
# RSS, 4 s) and a 200 MB file took 1.1 GB: the watcher reads these files inside the running
# service, so what it reads is bounded. 10,000 rules with long descriptions fit in one file.
MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_DIRECTORY_BYTES = 16 * 1024 * 1024

__all__ = ["Problem", "Rule", "RuleBook", "RuleBookError", "load_rulebook", "rule_files"]


@dataclass(frozen=True)
class Rule:
    """A validated rule with where it came from."""

    id: str
    name: str
    risk_point: str
    mode: RuleMode
    severity: int
    description: str
    when: When
    response: Response | None
    file: str
    line: int
    version: str
    triage: bool | None = None
    # the line of each code the database must know ("risk_point", "when.channels.0", ...):
    # a code it does not know is reported there, not at the rule's first line
    lines: Mapping[str, int] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class RuleBook:
    """All rules in force, the version of each file and the grading policy."""

    rules: tuple[Rule, ...]
    versions: Mapping[str, str]
    grading: GradingPolicy
    directory: Path
    by_id: Mapping[str, Rule] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", MappingProxyType({r.id: r for r in self.rules}))


def rule_files(rules_dir: Path) -> list[Path]:
    """Return the rule files of a directory: *.yaml directly in it, except the grading file
    and hidden names.

    Every other entry counts, dangling links and directories too: reading them is a problem,
    never a silent skip. A name starting with a dot is an editor's or a tool's, never a
    rule file: Emacs' lock `.#a.yaml` (a dangling link) while a buffer is modified, or a
    hidden copy that would repeat every id.
    """
    return sorted(p for p in rules_dir.glob("*.yaml")
                  if p.name != GRADING_FILE and not hidden(p))


def hidden(path: Path) -> bool:
    """Whether a name is hidden (starts with a dot), as editors' lock and swap files are."""
    return path.name.startswith(".")


def watched_files(rules_dir: Path) -> list[Path]:
    """Return every file a rule book is read from: the rule files and the grading file."""
    grading = rules_dir / GRADING_FILE
    return [*rule_files(rules_dir), grading] if grading.exists() or grading.is_symlink() \
        else rule_files(rules_dir)


def unreadable(path: Path, error: OSError) -> Problem:
    """Return the problem of a file that cannot be read, naming dangling links as such."""
    if error.errno == errno.ELOOP:
        return Problem(display(path), 1, "", "符号链接循环 (symlink loop), 无法读取")
    if path.is_symlink() and not path.exists():
        return Problem(display(path), 1, "", "悬空的符号链接 (dangling symlink): 目标不存在")
    if isinstance(error, IsADirectoryError):
        return Problem(display(path), 1, "", "是目录而不是文件 (a directory, not a file)")
    if isinstance(error, TooLargeError):
        return Problem(display(path), 1, "", str(error.strerror))
    if isinstance(error, NotRegularFileError):
        return Problem(display(path), 1, "", "不是普通文件 (not a regular file: FIFO/设备)")
    return Problem(display(path), 1, "", f"无法读取 (cannot read): {error.strerror or error}")


def version_of(raw: bytes) -> str:
    """Return a file's version: the first 12 hex digits of the sha256 of its bytes."""
    return hashlib.sha256(raw).hexdigest()[:12]


def _decode(shown: str, raw: bytes) -> tuple[str, object, list[Problem]]:
    """Return (version, parsed data, problems) of one YAML file's bytes."""
    try:
        data = load_lines(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        return "", None, [Problem(shown, 1, "", f"不是 UTF-8 编码 (not UTF-8): {error}")]
    except YamlError as error:
        return "", None, [Problem(shown, error.line, "", str(error))]
    return version_of(raw), data, []


def _read(path: Path) -> tuple[str, object, list[Problem]]:
    """Return (version, parsed data, problems) of one YAML file."""
    try:
        raw = read_regular(path, MAX_FILE_BYTES)
    except OSError as error:
        return "", None, [unreadable(path, error)]
    return _decode(display(path), raw)


def _read_all(rules_dir: Path) -> list[tuple[str, bytes | Problem]]:
    """Return (shown name, bytes or the problem reading them) of every rule file; together
    they may hold at most MAX_DIRECTORY_BYTES."""
    files: list[tuple[str, bytes | Problem]] = []
    left = MAX_DIRECTORY_BYTES
    for path in rule_files(rules_dir):
        try:
            raw = read_regular(path, min(MAX_FILE_BYTES, left))
        except TooLargeError as error:
            if left < MAX_FILE_BYTES:
                error = TooLargeError(error.errno, "规则文件合计过大 (rule files too large "
                                      f"together): 超过 {MAX_DIRECTORY_BYTES} 字节", str(path))
            files.append((display(path), unreadable(path, error)))
            left = 0
            continue
        except OSError as error:
            files.append((display(path), unreadable(path, error)))
            continue
        left -= len(raw)
        files.append((display(path), raw))
    return files


def _parse_all(
    files: list[tuple[str, bytes | Problem]], rules_dir: Path, cache: RulebookCache | None,
) -> tuple[list[Rule], list[Problem]]:
    """Return the rules of every file and the files' own problems, from the cache if it has
    them; rules that parsed without a problem are cached."""
    readable = [(shown, raw) for shown, raw in files if isinstance(raw, bytes)]
    if cache is not None and len(readable) == len(files):
        cached = cache.get(rules_dir, readable)
        if cached is not None:
            return list(cached), []
    rules: list[Rule] = []
    problems: list[Problem] = []
    for shown, raw in files:
        if isinstance(raw, Problem):
            problems.append(raw)
            continue
        file_rules, _version, file_problems = _parse_file(shown, raw)
        rules.extend(file_rules)
        problems.extend(file_problems)
    if cache is not None and not problems:
        cache.put(rules_dir, readable, tuple(rules))
    return rules, problems


_Parsed = tuple[tuple[Rule, ...], str, tuple[Problem, ...]]
# The last parse of each file, keyed by its path and content: a reload re-parses only
# changed files, and the memo holds one entry per file name, so it cannot grow with reloads.
_last_parse: dict[str, tuple[bytes, _Parsed]] = {}
_last_parse_lock = threading.Lock()


def _parse_file(shown: str, raw: bytes) -> _Parsed:
    """Parse one rule file, reusing the previous parse when its bytes are unchanged."""
    digest = hashlib.sha256(raw).digest()
    with _last_parse_lock:
        found = _last_parse.get(shown)
    if found is not None and found[0] == digest:
        return found[1]
    rules, version, problems = _parse_uncached(shown, raw)
    parsed = (tuple(rules), version, tuple(problems))
    with _last_parse_lock:
        _last_parse[shown] = (digest, parsed)
    return parsed


def _parse_uncached(shown: str, raw: bytes) -> tuple[list[Rule], str, list[Problem]]:
    version, data, problems = _decode(shown, raw)
    if problems:
        return [], version, problems
    if not isinstance(data, LineDict):
        no_map = Problem(shown, 1, "", "文件应为含 rules 列表的映射 (expected a mapping)")
        return [], version, [no_map]
    try:
        parsed = RuleFile.model_validate(data)
    except ValidationError as error:
        return [], version, from_validation(shown, data, error)
    rules = [_rule(spec, shown, line_of(data, ("rules", i)), version, _code_lines(data, i, spec))
             for i, spec in enumerate(parsed.rules)]
    return rules, version, []


def _code_lines(data: LineDict, index: int, spec: RuleSpec) -> dict[str, int]:
    """The line of each code in a rule that the database must know."""
    at = ("rules", index)
    lines = {"risk_point": line_of(data, (*at, "risk_point"))}
    for key in ("channels", "departments"):
        for n in range(len(getattr(spec.when, key) or ())):
            lines[f"when.{key}.{n}"] = line_of(data, (*at, "when", key, n))
    return lines


def _rule(spec: RuleSpec, file: str, line: int, version: str,
          lines: dict[str, int]) -> Rule:
    return Rule(
        id=spec.id, name=spec.name, risk_point=spec.risk_point, mode=spec.mode,
        severity=spec.severity, description=spec.description, when=spec.when,
        response=spec.response, file=file, line=line, version=version, triage=spec.triage,
        lines=lines,
    )


def _cross_checks(
    rules: list[Rule], risk_points: set[str] | None, channels: set[str] | None,
    departments: set[str] | None,
) -> list[Problem]:
    """Check ids are unique and every code a rule names is known (an empty list: unchecked)."""
    risk_points, channels, departments = risk_points or None, channels or None, departments or None
    problems: list[Problem] = []
    seen: dict[str, Rule] = {}
    for rule in rules:
        first = seen.setdefault(rule.id, rule)
        if first is not rule:
            problems.append(Problem(rule.file, rule.line, rule.id,
                                    f"规则 id 重复 (duplicate id), 已在 {first.file}:{first.line}"))
        at = rule.lines.get
        if risk_points is not None and rule.risk_point not in risk_points:
            problems.append(Problem(rule.file, at("risk_point", rule.line), rule.id,
                                    f"risk_point: 风险点清单中没有 {rule.risk_point!r}"))
        for n, channel in enumerate(rule.when.channels or ()):
            if channels is not None and channel not in channels:
                problems.append(Problem(rule.file, at(f"when.channels.{n}", rule.line), rule.id,
                                        f"when.channels: 未知的渠道 {channel!r}"))
        for n, code in enumerate(rule.when.departments or ()):
            if departments is not None and code not in departments:
                problems.append(Problem(rule.file, at(f"when.departments.{n}", rule.line),
                                        rule.id, f"when.departments: 部门目录中没有 {code!r}"))
    return problems


def load_grading(rules_dir: Path) -> tuple[GradingPolicy | None, list[Problem]]:
    """Read the grading policy; the built-in default when the file is absent."""
    path = rules_dir / GRADING_FILE
    if not path.exists() and not path.is_symlink():
        return default_policy(), []
    shown = display(path)
    _version, data, problems = _read(path)
    if problems:
        return None, problems
    try:
        return policy_from_data(data), []
    except ValidationError as error:
        return None, from_validation(shown, data, error, list_key="repeat")
    except GradingPolicyError as error:
        return None, [Problem(shown, line_of(data, error.at), "", str(error))]


def load_rulebook(
    rules_dir: Path, *, risk_points: set[str] | None, channels: set[str] | None,
    departments: set[str] | None = None, cache: RulebookCache | None = None,
) -> RuleBook:
    """Load and check every rule file and the grading policy; raise RuleBookError on any.

    Codes are checked against the sets given; None or an empty set (nothing imported yet)
    leaves that kind unchecked, and `checking.reference_hints` says so. With a cache, files
    unchanged since they last parsed cleanly are not parsed again (see rules/cache.py);
    every check that reads the database or the grading file runs all the same.
    """
    if not rules_dir.is_dir():
        why = ("不是目录 (QINGFENG_RULES_DIR 应指向规则目录)" if rules_dir.exists()
               else "规则目录不存在")
        raise RuleBookError([Problem(display(rules_dir), 1, "", why)])
    # Resolved once: a release swapped in by renaming a symlink over the directory while
    # the files are read gives the old release whole (the new one is read at the next load),
    # never some files of each.
    rules_dir = rules_dir.resolve()
    files = _read_all(rules_dir)
    versions = {shown: version_of(raw) if isinstance(raw, bytes) else ""
                for shown, raw in files}
    rules, problems = _parse_all(files, rules_dir, cache)
    problems.extend(_cross_checks(rules, risk_points, channels, departments))
    grading, grading_problems = load_grading(rules_dir)
    problems.extend(grading_problems)
    if problems or grading is None:
        raise RuleBookError(problems)
    return RuleBook(tuple(rules), MappingProxyType(versions), grading, rules_dir)
