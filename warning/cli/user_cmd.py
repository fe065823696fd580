"""`qingfeng user add|list|token|tokens|disable|enable|passwd|revoke-tokens`, `audit verify`."""

import getpass
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import click
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warning.auth.security_log import Where, record
from warning.auth.tokens import list_tokens, revoke_tokens, token_state
from warning.auth.users import add_user, find_user, issue_token, set_active, set_password
from warning.cli.common import fail, runtime
from warning.cli.types import ROW_ID, Days
from warning.db.engine import transaction
from warning.db.models import ApiToken, Department, User
from warning.domain.lifecycle import DomainError, Role
from warning.handling.audit import verify_chains

MAX_LABEL = 100  # api_tokens.label


@click.group("user")
def user_group() -> None:
    """用户与令牌 (users and API tokens)."""


@user_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--department", "department", default=None, help="部门编码 (handler 必填)")
@click.option("--email", default="")
@click.option("--person", "person_id", type=ROW_ID, default=None, help="对应人员 id (分管领导)")
@click.option("--supervises", multiple=True, help="额外分管的部门编码，可重复")
@click.option("--password", is_flag=True, help="交互输入密码")
def add(name: str, role: str, department: str | None, email: str, person_id: int | None,
        supervises: tuple[str, ...], password: bool) -> None:
    """Add a user."""
    fields = {"name": name, "role": role, "department_code": department, "email": email,
              "person_id": person_id, "supervises": supervises}
    with runtime(load_rules=False) as rt:
        try:
            secret = None
            if password:  # refuse a wrong department or a taken name before asking for it
                with rt.sessions() as session:
                    add_user(session, **fields)  # type: ignore[arg-type]
                    session.rollback()
                secret = click.prompt("密码", hide_input=True,
                                      confirmation_prompt="再次输入密码")
            with transaction(rt.sessions) as session:
                user = add_user(session, password=secret, **fields)  # type: ignore[arg-type]
                click.echo(f"已添加用户 {user.name} ({Role(role).label})")
        except DomainError as error:
            fail(f"{error.message} ({error.message_en})")


@user_group.command("token")
@click.argument("name")
@click.option("--label", default="cli")
@click.option("--days", type=Days(3660), default=None,
              help="有效天数（默认 QINGFENG_API_TOKEN_DAYS，90 天）")
def token(name: str, label: str, days: float | None) -> None:
    """Create an API token for a user and print it once."""
    if len(label) > MAX_LABEL:
        fail(f"标签不能超过 {MAX_LABEL} 个字 (label longer than {MAX_LABEL} characters)")
    with runtime(load_rules=False) as rt, transaction(rt.sessions) as session:
        user = _user(session, name)
        if not user.is_active:
            fail(f"用户 {name} 已停用，不能签发令牌 (user disabled)")
        lifetime = timedelta(days=days or rt.settings.api_token_days)
        value = issue_token(session, user=user, label=label, lifetime=lifetime)
        expires = datetime.now(UTC) + lifetime
    click.echo(value)
    click.echo(f"令牌只显示这一次，请妥善保存；有效期至 {_local(expires)} (shown once).", err=True)


@user_group.command("list")
def list_users() -> None:
    """List users: role, department, state, live tokens and sessions."""
    with runtime(load_rules=False) as rt, rt.sessions() as session:
        live = dict(session.execute(
            select(ApiToken.user_id, func.count()).where(
                ApiToken.revoked_at.is_(None), ApiToken.expires_at > datetime.now(UTC))
            .group_by(ApiToken.user_id)).all())
        rows = session.execute(
            select(User, Department.code).outerjoin(Department, Department.id == User.department_id)
            .order_by(User.name)).all()
        click.echo(f"{'用户名':12s} {'角色':10s} {'部门':8s} {'状态':6s} 有效令牌")
        for user, code in rows:
            state = "启用" if user.is_active else "停用"
            click.echo(f"{user.name:15s} {Role(user.role).label:10s} {code or '—':10s} "
                       f"{state:6s} {live.get(user.id, 0)}")


@user_group.command("tokens")
@click.argument("name")
def tokens(name: str) -> None:
    """List a user's API tokens and sessions (id, kind, state, expiry)."""
    with runtime(load_rules=False) as rt, rt.sessions() as session:
        user = _user(session, name)
        for stored in list_tokens(session, user.id):
            click.echo(f"{stored.id:6d} {stored.kind:8s} {token_state(stored):8s} "
                       f"创建 {_local(stored.created_at)}  到期 {_local(stored.expires_at)}  "
                       f"{stored.label}")


@user_group.command("disable")
@click.argument("name")
def disable(name: str) -> None:
    """Disable a user and revoke every token and session they hold."""
    _change(name, "user_disabled", lambda s: set_active(s, name=name, active=False),
            f"已停用用户 {name}，其令牌和会话均已撤销")


@user_group.command("enable")
@click.argument("name")
def enable(name: str) -> None:
    """Enable a disabled user (old tokens stay revoked)."""
    _change(name, "user_enabled", lambda s: set_active(s, name=name, active=True),
            f"已启用用户 {name}")


@user_group.command("passwd")
@click.argument("name")
def passwd(name: str) -> None:
    """Set a user's password (prompted twice; the policy applies) and end their sessions."""
    with runtime(load_rules=False) as rt, rt.sessions() as session:
        _user(session, name)  # an unknown name is refused before the password is asked
    secret = click.prompt("新密码", hide_input=True, confirmation_prompt=True)
    _change(name, "password_changed", lambda s: set_password(s, name=name, password=secret),
            f"已修改用户 {name} 的密码，其会话均已结束")


@user_group.command("revoke-tokens")
@click.argument("name")
@click.option("--id", "token_id", type=ROW_ID, default=None, help="只撤销这一个令牌")
@click.option("--kind", type=click.Choice(["api", "session"]), default=None)
def revoke(name: str, token_id: int | None, kind: str | None) -> None:
    """Revoke a user's API tokens and sessions (all, one kind, or one by id)."""
    counted: list[int] = []

    def apply(session: Session) -> None:
        user = find_user(session, name)
        counted.append(revoke_tokens(session, user_id=user.id, token_id=token_id, kind=kind))

    _change(name, "token_revoked", apply, None)
    if token_id is not None and not counted[0]:
        fail(f"用户 {name} 没有有效的令牌 {token_id}")
    click.echo(f"已撤销 {counted[0]} 个令牌或会话；其他服务进程最迟在 "
               f"QINGFENG_TOKEN_CACHE_SECONDS 秒后拒绝它们")


def _change(name: str, kind: str, apply: Callable[[Session], object], done: str | None) -> None:
    with runtime(load_rules=False) as rt:
        try:
            with transaction(rt.sessions) as session:
                apply(session)
                record(session, kind, user_name=name, where=Where(method="CLI"),
                       detail=f"命令行 (CLI, {getpass.getuser()})")
        except DomainError as error:
            fail(f"{error.message} ({error.message_en})")
    if done:
        click.echo(done)


def _user(session: Session, name: str) -> User:
    try:
        return find_user(session, name)
    except DomainError as error:
        fail(f"{error.message} ({error.message_en})")


def _local(value: datetime | None) -> str:
    if value is None:
        return "—"
    return value.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")


@click.group("audit")
def audit_group() -> None:
    """审计 (audit trail)."""


@audit_group.command("verify")
def verify() -> None:
    """Verify every handling record's event chain; exit 1 if any link is broken."""
    with runtime(load_rules=False) as rt, rt.sessions() as session:
        broken = verify_chains(session)
    for link in broken:
        click.echo(f"record {link.record_id} seq {link.seq}: {link.reason}")
    if broken:
        click.secho(f"{len(broken)} 条处置记录的事件链被破坏", fg="red", err=True)
        sys.exit(1)
    click.echo("事件链完整 (all chains intact)")
