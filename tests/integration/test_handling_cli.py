"""`qingfeng user add|token` and `qingfeng audit verify` on a real database."""

from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_handling_fixtures import build_world, new_warning
from warning.auth.users import principal_for_token
from warning.cli.user_cmd import audit_group, user_group
from warning.db.engine import transaction


def test_user_token_and_audit_verify(
    db_url: str, session_factory: sessionmaker[Session], monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("QINGFENG_DATABASE_URL", db_url)
    world = build_world(session_factory)
    new_warning(session_factory, world)
    runner = CliRunner()
    added = runner.invoke(user_group, ["add", "zhang", "--role", "handler", "--department", "A",
                                       "--password"], input="s3cret-Zhang!\ns3cret-Zhang!\n")
    assert added.exit_code == 0, added.output
    assert runner.invoke(user_group, ["add", "li", "--role", "handler"]).exit_code == 1
    issued = runner.invoke(user_group, ["token", "zhang"])
    assert issued.exit_code == 0, issued.output
    token = issued.stdout.strip().splitlines()[0]
    with session_factory() as session:
        principal = principal_for_token(session, token)
    assert principal is not None and principal.department_id == world.departments["A"]
    assert runner.invoke(audit_group, ["verify"]).exit_code == 0
    with transaction(session_factory) as session:
        session.execute(text("UPDATE handling_events SET actor = 'someone else'"))
    broken = runner.invoke(audit_group, ["verify"])
    assert broken.exit_code == 1 and "seq 1" in broken.output
