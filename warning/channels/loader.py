"""Load and validate every channel file in a directory."""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from warning.channels.definition import ChannelDefinition
from warning.yamlfile import YamlSyntaxError, describe_errors, load_yaml


@dataclass(frozen=True)
class ChannelProblem:
    """One problem in a channel file, printed as file:line: channel-id: message."""

    file: str
    line: int
    channel_id: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.channel_id or '-'}: {self.message}"


class ChannelFileError(ValueError):
    """Channel files with problems; none of them is taken."""

    def __init__(self, problems: list[ChannelProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def definition_hash(channel: ChannelDefinition) -> str:
    """Return a stable hash of a channel's definition."""
    body = json.dumps(channel.model_dump(mode="json", by_alias=True), sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def check_channels(directory: Path) -> tuple[list[ChannelDefinition], list[ChannelProblem]]:
    """Validate every *.yaml in `directory`; return the good definitions and all problems."""
    channels: list[ChannelDefinition] = []
    problems: list[ChannelProblem] = []
    seen: dict[str, str] = {}
    if not directory.is_dir():  # else a mistyped QINGFENG_CHANNELS_DIR means no channels
        return [], [ChannelProblem(str(directory), 1, "",
                                   "渠道目录不存在 (QINGFENG_CHANNELS_DIR 或 --channels-dir)")]
    for path in sorted(directory.glob("*.yaml")):
        name = str(path)
        try:
            data = load_yaml(path)
        except YamlSyntaxError as error:
            problems.append(ChannelProblem(name, error.line, "", error.message))
            continue
        except OSError as error:  # a directory, a FIFO, a dangling link
            problems.append(ChannelProblem(name, 1, "", f"无法读取: {error.strerror or error}"))
            continue
        if not isinstance(data, dict):
            problems.append(ChannelProblem(name, 1, "", "文件必须是一个渠道定义 (a mapping)"))
            continue
        channel_id = str(data.get("id", ""))
        try:
            channel = ChannelDefinition.model_validate(data)
        except ValidationError as error:
            for line, field, message in describe_errors(data, error):
                problems.append(ChannelProblem(name, line, channel_id, f"{field}: {message}"))
            continue
        if channel.id in seen:
            problems.append(
                ChannelProblem(name, data.line, channel.id, f"id 重复，已在 {seen[channel.id]}")
            )
            continue
        seen[channel.id] = name
        channels.append(channel)
    return channels, problems


def load_channels(directory: Path) -> list[ChannelDefinition]:
    """Load every channel file, or raise ChannelFileError naming each problem."""
    channels, problems = check_channels(directory)
    if problems:
        raise ChannelFileError(problems)
    return channels
