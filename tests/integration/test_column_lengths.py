"""Texts as long as their columns allow, through the inputs that fill them, on both databases.

SQLite stores a text longer than its VARCHAR(n); PostgreSQL refuses it
(StringDataRightTruncation), so a value built from several bounded inputs can fail only in
production. The class: every column built from other columns' values at their longest.
"""

import typing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from pydantic import BaseModel, ValidationError
from sqlalchemy import String, func, select, update

from tests.feeds.feed_server import start_server, stop_server
from tests.feeds.hostile_feeds import good_feed
from tests.integration.test_api_signals import _body, _token
from tests.integration.test_feed_hostile import add_feeds, per_channel
from warning.auth.users import MAX_EMAIL, MAX_NAME, add_user
from warning.channels.definition import ChannelDefinition, FeedSettings
from warning.channels.loader import ChannelFileError, load_channels
from warning.channels.sync import sync_channels
from warning.cli.user_cmd import MAX_LABEL, user_group
from warning.db.models import (
    ApiToken,
    Base,
    Channel,
    Delivery,
    Department,
    Notice,
    RiskPoint,
    RiskWarning,
    User,
)
from warning.feeds.service import scan_now
from warning.handling import attachments
from warning.notify.messages import KIND_TITLES, WarningFacts, render, renderer
from warning.org.rows import MAX_LENGTH as ORG_MAX
from warning.register.rows import MAX_LENGTH as REGISTER_MAX
from warning.rules.model import RuleSpec
from warning.runtime import Runtime
from warning.services.signal_input import SignalIn
from warning.settings import MAX_TARGET, load_settings
from warning.triage.errors import MAX_SUBJECT
from warning.triage.policy import PROPOSAL_KEY_SUFFIX
from warning.web.api.review import DecisionIn
from warning.web.app import create_app
from warning.web.pages import handling_actions
from warning.web.pages.csrf import COOKIE


def _longest(column: object) -> int:
    return column.property.columns[0].type.length  # type: ignore[attr-defined]


def test_every_notice_subject_fits_its_column_whatever_the_names() -> None:
    department, point = "部" * _longest(Department.name), "险" * _longest(RiskPoint.name)
    due = datetime(2026, 1, 1, tzinfo=UTC)
    for kind in KIND_TITLES:
        facts = WarningFacts(2**31 - 1, point, department, "rectification", "issued", due, due)
        for subject, body in (render(kind, facts, "补充"),
                              renderer(kind, "rectification", "issued", due, due, "补充")(
                                  2**31 - 1, point, department)):
            assert len(subject) <= _longest(Notice.subject), (kind, len(subject))
            assert department in body and point in body  # the body names them in full


def test_a_warning_on_the_longest_names_is_issued_with_its_notice(runtime: Runtime) -> None:
    with runtime.sessions() as session, session.begin():
        session.execute(update(RiskPoint).values(name="险" * _longest(RiskPoint.name)))
        session.execute(update(Department).values(name="部" * _longest(Department.name)))
    token = _token(runtime, "office", "office")
    with TestClient(create_app(runtime)) as client:
        answer = client.post("/api/signals", json=_body(1),
                             headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["status"] == "evaluated", answer.text
    assert [w["rule_id"] for w in answer.json()["warnings"]] == ["bid-collusion"]
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(RiskWarning)) == 1
        assert session.scalar(select(func.count()).select_from(Notice)) == 1


def test_feed_validators_and_addresses_longer_than_their_columns_do_not_fail_the_scan(
    runtime: Runtime,
) -> None:
    """A feed server's ETag, Last-Modified and 301 Location fill channels.etag (500),
    last_modified (100) and url (2000); one past its column failed every scan's store."""
    server, thread = start_server()
    try:
        base = server.base_url
        long_path = "/moved/" + "m" * _longest(Channel.url) + ".xml"
        server.extra["/etag.xml"] = (200, good_feed(0), {
            "ETag": '"' + "e" * _longest(Channel.etag) + '"',
            "Last-Modified": "Tue, 01 Dec 2026 00:00:00 GMT" + " " * _longest(Channel.url)})
        server.extra["/move.xml"] = (301, b"", {"Location": long_path})
        server.extra[long_path] = (200, good_feed(1), {})
        add_feeds(runtime, {"etag": f"{base}/etag.xml", "move": f"{base}/move.xml"})
        first, second = scan_now(runtime), scan_now(runtime)
    finally:
        stop_server(server, thread)
    assert (first.store_errors, first.errors, first.signals) == (0, 0, 8), first
    assert (second.store_errors, second.errors, second.signals) == (0, 0, 0), second
    stored = per_channel(runtime)
    for code in ("etag", "move"):
        channel, signals = stored[code]
        assert channel.consecutive_failures == 0 and channel.last_error == "", code
        assert len(signals) == 4, code
    assert stored["move"][0].url == f"{base}/move.xml"  # followed again from the old one


def _channel_file(directory: Path, code: str, name: str, url: str) -> None:
    (directory / f"{code}.yaml").write_text(
        f"id: {code}\nname: {name}\nkind: feed\nfeed:\n  url: {url}\n", encoding="utf-8")


def test_channel_files_fill_their_columns_to_the_limit_and_no_further(
    runtime: Runtime, tmp_path: Path,
) -> None:
    """A channel file's id, name and feed url fill channels.code, name and url: at their
    lengths they are stored, one past is refused naming the file and the field (a name of
    201 was a traceback at startup on PostgreSQL)."""
    code = "c" * _longest(Channel.code)
    url = "http://127.0.0.1/" + "u" * (_longest(Channel.url) - len("http://127.0.0.1/"))
    _channel_file(tmp_path, code, "名" * _longest(Channel.name), url)
    with runtime.sessions() as session, session.begin():
        sync_channels(session, load_channels(tmp_path))
    with runtime.sessions() as session:
        stored = session.scalars(select(Channel).where(Channel.code == code)).one()
    assert (stored.name, stored.url) == ("名" * _longest(Channel.name), url)
    for field, name, long_url in (("name", "名" * (_longest(Channel.name) + 1), url),
                                  ("url", "名", url + "u"), ("id", "名", url)):
        for old in tmp_path.glob("*.yaml"):
            old.unlink()
        _channel_file(tmp_path, code + "c" if field == "id" else code, name, long_url)
        with pytest.raises(ChannelFileError) as refused:
            load_channels(tmp_path)
        assert f"{code}" in str(refused.value) and field in str(refused.value), str(refused.value)


def test_user_names_emails_and_token_labels_past_their_columns_are_refused_by_name(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """users.name (100), users.email (200) and api_tokens.label (100) through the admin page
    and the commands: at the limit stored, one past refused naming the field (the page's
    e-mail was the database's nameless 422 JSON on PostgreSQL, the commands a traceback)."""
    # a name is also an event's actor ("user:" + name): shorter than users.name holds
    name_max, email_max = MAX_NAME, _longest(User.email)
    assert name_max <= _longest(User.name)
    label_max = _longest(ApiToken.label)
    email_at = "a" * (email_max - len("@x.cn")) + "@x.cn"
    with runtime.sessions() as session, session.begin():
        add_user(session, name="root", role="admin", password="pw-root-123")
    root = _signed_in(create_app(runtime), "root", "pw-root-123")
    for name, email, ok in (("名" * name_max, email_at, True),
                            ("长邮箱", "a" + email_at, False), ("名" * (name_max + 1), "", False)):
        root.get("/admin/users")
        answer = root.post("/admin/users", data={"csrf_token": root.cookies[COOKIE],
                                                  "name": name, "role": "office", "email": email})
        assert answer.headers["content-type"].startswith("text/html"), answer.text[:200]
        assert (answer.status_code, "只显示这一次" in answer.text) == (
            (200, True) if ok else (422, False)), answer.text[:300]
        if not ok:
            assert "用户名" in answer.text or "邮箱" in answer.text, answer.text[:300]
    monkeypatch.setenv("QINGFENG_DATABASE_URL", runtime.settings.database_url)
    monkeypatch.setenv("QINGFENG_RULES_DIR", str(runtime.settings.rules_dir))
    cli = CliRunner()
    for arguments, says in ((["add", "x" * (name_max + 1), "--role", "office"], "用户名"),
                            (["add", "cli1", "--role", "office", "--email", "a" + email_at],
                             "邮箱"),
                            (["token", "root", "--label", "l" * (label_max + 1)], "标签")):
        result = cli.invoke(user_group, arguments)
        assert result.exit_code == 1 and says in result.output, (arguments[:2], result.output)
    result = cli.invoke(user_group, ["token", "root", "--label", "l" * label_max])
    assert result.exit_code == 0, result.output
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 2  # root and 名…


def _signed_in(app: object, name: str, password: str) -> TestClient:
    client = TestClient(app, follow_redirects=False)  # type: ignore[arg-type]
    client.get("/login")
    answer = client.post("/login", data={"name": name, "password": password, "next": "/",
                                         "csrf_token": client.cookies[COOKIE]})
    assert answer.status_code == 303, answer.text
    return client


def _field_max(model: type[BaseModel], field: str) -> int:
    """The max_length a pydantic model's field is checked against."""
    info = model.model_fields[field]
    found = [m.max_length for m in [info, *info.metadata] if getattr(m, "max_length", None)]
    if not found:  # an Annotated alias (RuleId): its constraints sit one level down
        found = [m.max_length for arg in typing.get_args(info.annotation) or ()
                 for m in getattr(arg, "__metadata__", ()) if getattr(m, "max_length", None)]
    assert found, (model.__name__, field)
    return int(found[0])


def _handling_page(field: str) -> int:
    return next(limit for name, _, limit in handling_actions.LIMITS if name == field)


# Every VARCHAR(n) column and what keeps its values within n. A number: the limit a way in
# checks (the test asserts it fits the column; the tests above and the files named drive
# the inputs). A text: why no client input reaches the column unchecked.
INPUTS: dict[str, object] = {
    "signals.external_id": _field_max(SignalIn, "external_id"),
    "signals.title": _field_max(SignalIn, "title"),
    "signals.person": _field_max(SignalIn, "person"),
    "signals.post": _field_max(SignalIn, "post"),
    "channels.code": 64,  # ID_PATTERN (test_channel_files_fill_their_columns...)
    "channels.name": _field_max(ChannelDefinition, "name"),
    "channels.url": _field_max(FeedSettings, "url"),
    "channels.etag": "from a feed server: dropped when longer (outcome_store._fits)",
    "channels.last_modified": "from a feed server: dropped when longer",
    "units.code": ORG_MAX["unit_code"], "units.name": ORG_MAX["unit"],
    "departments.code": ORG_MAX["department_code"],
    "departments.name": ORG_MAX["department"], "posts.name": ORG_MAX["post"],
    "people.name": ORG_MAX["person"], "people.title": ORG_MAX["title"],
    "people.email": ORG_MAX["email"],
    "risk_points.code": REGISTER_MAX["code"], "risk_points.name": REGISTER_MAX["name"],
    "risk_points.business_area": REGISTER_MAX["business_area"],
    "risk_points.responsible_person": REGISTER_MAX["responsible_person"],
    "risk_points.category": "one of categories.name (the register checks it)",
    "categories.name": "the default categories, seeded by a migration",
    "users.name": MAX_NAME, "users.email": MAX_EMAIL, "api_tokens.label": MAX_LABEL,
    "petition_files.filename": attachments.MAX_NAME,
    "warnings.subject_name": MAX_SUBJECT,
    "warnings.subject_key": len("post:") + ORG_MAX["department_code"] + 1
    + _field_max(SignalIn, "post")  # the longest of person:/post:/department: keys,
    + len(PROPOSAL_KEY_SUFFIX),  # as a proposal holds it (warning.triage.policy)
    "rule_hits.subject_key": len("post:") + ORG_MAX["department_code"] + 1
    + _field_max(SignalIn, "post") + len(PROPOSAL_KEY_SUFFIX),
    "warnings.rule_id": _field_max(RuleSpec, "id"), "rule_hits.rule_id": 100,
    "warning_signals.rule_id": _field_max(RuleSpec, "id"),
    "handling_records.responsible_person": _handling_page("responsible_person"),
    "handling_records.measure_applied": _handling_page("measure"),
    "review_decisions.subject": _field_max(DecisionIn, "subject"),
    "notices.subject": "shortened names (test_every_notice_subject_fits_its_column...)",
    "security_events.user_name": "cut to the column in security_log.record",
    "security_events.address": "cut", "security_events.method": "cut",
    "security_events.path": "cut", "security_events.detail": "cut",
    "login_failures.user_name": "cut in signin", "login_failures.address": "an IP address",
    "login_locks.key": "cut in signin._lock", "rate_limits.key": "a digest of the client",
    "signals.last_error": "cut to 2000", "channels.last_error": "cut to 2000",
    "scan_runs.error": "cut to 2000",
    "deliveries.target": MAX_TARGET,  # the settings' webhook URLs and office addresses
}
WRITTEN_BY_CODE = {  # enums, hashes, codes and names the service makes itself
    "leases.name", "leases.owner", "review_decisions.quarter", "review_decisions.kind",
    "review_decisions.decision", "review_decisions.actor", "review_snapshots.quarter",
    "review_snapshots.kind", "review_snapshots.once_key", "review_snapshots.stored_by",
    "rule_reloads.actor", "rule_reloads.instance", "security_events.kind",
    "rule_books.instance", "rule_books.digest",  # host (<= 64), pid, 8 hex; a SHA-256 hex
    "signals.rule_book",  # rule_books.book_digest: 12 hex digits
    "stored_secrets.name", "stored_secrets.value", "id_counters.name", "id_counters.key",
    "channels.kind", "channels.definition_hash",
    "channels.last_status", "risk_points.level", "risk_points.owner_level", "scan_runs.trigger",
    "scan_runs.status", "scan_runs.notified", "signals.status", "signals.lease_owner",
    "signals.disposition", "signals.disposed_by", "feed_entries.key", "feed_entries.content_hash",
    "petition_files.sha256", "reporters.receipt_hash", "reporters.intake_mode",
    "reporters.reply_by", "risk_point_changes.field", "risk_point_changes.source",
    "risk_point_changes.actor", "users.role", "users.password_hash", "warnings.subject_kind",
    "warnings.rule_version", "warnings.response", "warnings.base_response",
    "api_tokens.token_hash", "api_tokens.kind", "handling_records.state",
    "reporter_reveals.actor", "rule_hits.rule_version", "rule_hits.mode",
    "handling_events.action", "handling_events.from_state", "handling_events.to_state",
    "handling_events.actor", "handling_events.prev_hash", "handling_events.hash",
    "notices.key", "notices.kind", "notices.stage", "notices.audience", "deliveries.channel",
    "deliveries.status", "deliveries.lease_owner",
}


def test_every_bounded_column_is_checked_where_clients_fill_it() -> None:
    """Walk every VARCHAR(n) of the models: each is either filled by the service itself or
    by inputs checked to at most n; a new column must be placed in one of the two."""
    bounded = {f"{table.name}.{column.name}": column.type.length
               for table in Base.metadata.sorted_tables for column in table.columns
               if isinstance(column.type, String) and column.type.length}
    assert set(INPUTS) | WRITTEN_BY_CODE == set(bounded), (
        sorted(set(bounded) - set(INPUTS) - WRITTEN_BY_CODE),
        sorted((set(INPUTS) | WRITTEN_BY_CODE) - set(bounded)))
    assert not set(INPUTS) & WRITTEN_BY_CODE
    too_long = {name: (limit, bounded[name]) for name, limit in INPUTS.items()
                if isinstance(limit, int) and limit > bounded[name]}
    assert too_long == {}


def test_delivery_targets_longer_than_their_column_are_refused_with_the_settings(
    db_url: str,
) -> None:
    """deliveries.target (500) holds a webhook URL or an office address from the settings:
    a longer one is refused naming the setting, not at every delivery run on PostgreSQL."""
    limit = _longest(Delivery.target)
    url = "https://oapi.dingtalk.com/robot/send?access_token="
    fits = url + "k" * (limit - len(url))
    assert load_settings(database_url=db_url, webhook_urls={"*": fits}).webhook_urls["*"] == fits
    email = "a" * (limit - len("@x.cn")) + "@x.cn"
    assert load_settings(database_url=db_url, office_emails=email).office_emails == email
    for setting, value in (("webhook_urls", {"*": fits + "k"}), ("office_emails", "a" + email)):
        with pytest.raises(ValidationError, match=setting):
            load_settings(database_url=db_url, **{setting: value})
