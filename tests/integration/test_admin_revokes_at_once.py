"""An admin's change to a user (disabled, or given another role or department) ends the
user's API tokens at once in the process that made it: none is honoured from the token
cache for the seconds it would otherwise keep a principal (QINGFENG_TOKEN_CACHE_SECONDS)."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.test_admin_pages import _client, _post
from warning.auth.users import add_user, issue_token
from warning.db.models import User
from warning.runtime import Runtime
from warning.web.app import create_app

CHANGES = {
    "disabled": ("/admin/users/active", {"active": "0"}),
    "made a handler": ("/admin/users/change", {"role": "handler", "department": "CWK"}),
    "moved": ("/admin/users/change", {"role": "office", "department": "CWK"}),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_changed_user_s_cached_token_is_refused_at_once(runtime: Runtime, change: str) -> None:
    assert runtime.settings.token_cache_seconds > 0, "the cache this test is about is on"
    with runtime.sessions() as session, session.begin():
        add_user(session, name="root", role="admin", password="pw-root-123")
        user = add_user(session, name="ofc", role="office")
        token = issue_token(session, user=user)
        user_id = user.id
    app = create_app(runtime)
    api = TestClient(app, headers={"authorization": f"Bearer {token}"})
    assert api.get("/api/notices").status_code == 200  # now in the token cache
    path, fields = CHANGES[change]
    assert _post(_client(app, "root"), path, {"user_id": user_id, **fields}).status_code == 303
    with runtime.sessions() as session:
        assert session.scalars(select(User.id).where(User.name == "ofc")).one() == user_id
    assert api.get("/api/notices").status_code == 401
    assert api.get("/api/inbox").status_code == 401
