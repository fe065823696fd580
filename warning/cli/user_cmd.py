"""`qingfeng user add|token` and `qingfeng audit verify`."""

import sys

import click
from sqlalchemy import select

from warning.auth.users import add_user, issue_token
from warning.cli.common import fail, runtime
from warning.db.engine import transaction
from warning.db.models import User
from warning.domain.lifecycle import DomainError, Role
from warning.handling.audit import verify_chains


@click.group("user")
def user_group() -> None:
    """用户与令牌 (users and API tokens)."""


@user_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--department", "department", default=None, help="部门编码 (handler 必填)")
@click.option("--email", default="")
@click.option("--person", "person_id", type=int, default=None, help="对应人员 id (分管领导)")
@click.option("--supervises", multiple=True, help="额外分管的部门编码，可重复")
@click.option("--password", is_flag=True, help="交互输入密码")
def add(name: str, role: str, department: str | None, email: str, person_id: int | None,
        supervises: tuple[str, ...], password: bool) -> None:
    """Add a user."""
    secret = click.prompt("密码", hide_input=True, confirmation_prompt=True) if password else None
    with runtime(load_rules=False) as rt:
        try:
            with transaction(rt.sessions) as session:
                user = add_user(session, name=name, role=role, department_code=department,
                                password=secret, email=email, person_id=person_id,
                                supervises=supervises)
                click.echo(f"已添加用户 {user.name} ({Role(role).label})")
        except DomainError as error:
            fail(error.message)


@user_group.command("token")
@click.argument("name")
@click.option("--label", default="cli")
def token(name: str, label: str) -> None:
    """Create an API token for a user and print it once."""
    with runtime(load_rules=False) as rt, transaction(rt.sessions) as session:
        user = session.scalar(select(User).where(User.name == name))
        if user is None:
            fail(f"用户 {name} 不存在")
        value = issue_token(session, user=user, label=label)
    click.echo(value)
    click.echo("令牌只显示这一次，请妥善保存 (shown once).", err=True)


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
