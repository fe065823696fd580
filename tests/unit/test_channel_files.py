"""Every file under channels/ loads, and the seeds' collection channels are all there."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from warning.channels.definition import ChannelDefinition
from warning.channels.loader import load_channels
from warning.demo.load import read_org
from warning.domain.enums import ChannelKind

CHANNELS = Path(__file__).parents[2] / "channels"
SEED_SOURCES = {
    "巡视巡察",
    "审计",
    "专项检查",
    "效能监察",
    "民主生活会",
    "述职述廉",
    "民主测评",
    "干部考察考评",
    "信访举报",
    "查办案件",
    "问卷调查",
    "网络舆情",
    "调研座谈",
}


def _by_id() -> dict[str, ChannelDefinition]:
    return {channel.id: channel for channel in load_channels(CHANNELS)}


def test_every_channel_file_loads_and_each_seed_source_has_one() -> None:
    channels = _by_id()
    assert {c.name for c in channels.values()} >= SEED_SOURCES
    assert channels["api"].kind is ChannelKind.API


def test_file_names_match_channel_ids() -> None:
    for path in CHANNELS.glob("*.yaml"):
        assert path.stem in _by_id(), path


def test_petitions_are_confidential_and_carry_the_reporter() -> None:
    petition = _by_id()["petition"]
    assert petition.confidential
    assert {"reporter_name", "reporter_contact"} <= set(petition.fields)


def test_audit_maps_chinese_headers() -> None:
    audit = _by_id()["audit"]
    assert audit.kind is ChannelKind.FILE and audit.import_ is not None
    assert audit.import_.columns["问题标题"] == "title"
    assert "被审计部门" in audit.import_.columns


def test_opinion_is_a_feed_with_keywords() -> None:
    opinion = _by_id()["opinion"]
    assert opinion.kind is ChannelKind.FEED and opinion.feed is not None
    assert opinion.feed.url.startswith("http://127.0.0.1:8765/")
    assert "公车私用" in opinion.feed.keywords


def test_default_departments_exist_in_the_demo_org() -> None:
    codes = {d.code for d in read_org().departments}
    for channel in _by_id().values():
        assert channel.default_department in (None, *codes), channel.id


def test_feed_backoff_cap_defaults_to_a_day_and_is_validated() -> None:
    feed = {"url": "http://127.0.0.1:8765/feed.xml"}
    channel = {"id": "news", "name": "舆情", "kind": "feed"}
    default = ChannelDefinition.model_validate({**channel, "feed": feed})
    assert default.feed is not None and default.feed.max_backoff_minutes == 24 * 60
    capped = ChannelDefinition.model_validate(
        {**channel, "feed": {**feed, "max_backoff_minutes": 180}}
    )
    assert capped.feed is not None and capped.feed.max_backoff_minutes == 180
    with pytest.raises(ValidationError, match="max_backoff_minutes"):
        ChannelDefinition.model_validate({**channel, "feed": {**feed, "max_backoff_minutes": 0}})


def test_confidential_channels_propose_by_default_and_triage_overrides() -> None:
    channels = _by_id()
    assert channels["petition"].proposes and channels["case"].proposes
    assert not channels["audit"].proposes and not channels["opinion"].proposes
    base = {"id": "x", "name": "测试", "kind": "manual"}
    assert ChannelDefinition(**base, confidential=True, triage=False).proposes is False
    assert ChannelDefinition(**base, triage=True).proposes is True
    with pytest.raises(ValidationError):
        ChannelDefinition(**base, triage="maybe")


def test_a_rule_setting_beats_the_channel_and_a_proposal_wins_a_disagreement() -> None:
    from warning.triage.policy import proposes

    assert proposes(True, [None]) and not proposes(False, [None])
    assert not proposes(True, [False]) and proposes(False, [True])
    assert proposes(False, [False, True, None])


def test_a_channel_file_means_what_it_says_a_code_0101_a_column_no_a_switch_off(
    tmp_path: Path,
) -> None:
    """Read as written, like the organisation and register files: YAML 1.1 made the
    department code 0101 the number 65 and the column header NO the boolean false, both
    then refused as "not a valid string"; true/false, on/off and numbers still work."""
    (tmp_path / "audit2.yaml").write_text(
        "id: audit2\nname: 二级审计\nkind: file\ndefault_department: 0101\n"
        "confidential: true\nenabled: off\nfields: [external_id, title, text]\n"
        "import:\n  columns:\n    NO: external_id\n    2024: title\n    问题描述: text\n",
        encoding="utf-8")
    (channel,) = load_channels(tmp_path)
    assert channel.default_department == "0101"
    assert channel.confidential is True and channel.enabled is False
    assert channel.import_ is not None
    assert channel.import_.columns == {"NO": "external_id", "2024": "title", "问题描述": "text"}
