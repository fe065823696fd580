"""Admin pages for the organisation and users: forms with CSRF, Chinese errors, admin only."""

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from warning.auth.users import add_user
from warning.db.models import ApiToken, Department, Person, Post, User
from warning.runtime import Runtime
from warning.web.app import create_app
from warning.web.pages.csrf import COOKIE


@pytest.fixture
def app(runtime: Runtime):  # type: ignore[no-untyped-def]
    with runtime.sessions() as session, session.begin():
        add_user(session, name="root", role="admin", password="pw-root-123")
        add_user(session, name="office", role="office", password="pw-office-123")
    return create_app(runtime)


def _client(app, name: str, password: str | None = None) -> TestClient:  # type: ignore[no-untyped-def]
    client = TestClient(app, follow_redirects=False)
    client.get("/login")
    answer = client.post("/login", data={"name": name, "password": password or f"pw-{name}-123",
                                         "next": "/", "csrf_token": client.cookies[COOKIE]})
    assert answer.status_code == 303, answer.text
    return client


def _post(client: TestClient, path: str, data: dict[str, object]):  # type: ignore[no-untyped-def]
    page = "/admin/users" if path.startswith("/admin/users") else "/admin/org"
    client.get(page)
    return client.post(path, data={"csrf_token": client.cookies.get(COOKIE, ""), **data})


def test_only_admins_see_the_pages(app) -> None:  # type: ignore[no-untyped-def]
    office = _client(app, "office")
    assert office.get("/admin/org").status_code == 404
    assert office.get("/admin/users").status_code == 404
    assert _post(office, "/admin/users", {"name": "x", "role": "admin"}).status_code == 404
    root = _client(app, "root")
    page = root.get("/admin/org")
    assert page.status_code == 200 and "采购中心" in page.text
    # no inline script: only the shipped static ones (the CSP allows nothing else)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, flags=re.S)
    assert scripts and all('src="/static/' in attrs and not body.strip()
                           for attrs, body in scripts)


def test_a_form_without_its_token_is_refused(app, runtime: Runtime) -> None:  # type: ignore[no-untyped-def]
    root = _client(app, "root")
    answer = root.post("/admin/org/department", data={"department_code": "JJB",
                                                      "department": "基建办"})
    assert answer.status_code == 403
    with runtime.sessions() as session:
        assert session.scalar(select(Department).where(Department.code == "JJB")) is None


def test_departments_leaders_posts_and_people_are_set_on_the_page(  # type: ignore[no-untyped-def]
    app, runtime: Runtime
) -> None:
    root = _client(app, "root")
    assert _post(root, "/admin/org/department",
                 {"department_code": "JJB", "department": "基建办"}).status_code == 303
    assert _post(root, "/admin/org/person", {"department_code": "JJB", "person": "李工",
                                             "post": "工程管理员", "title": "主任",
                                             "email": "li@example.cn"}).status_code == 303
    assert _post(root, "/admin/org/post",
                 {"department_code": "JJB", "post": "造价审核员"}).status_code == 303
    assert _post(root, "/admin/org/leader",
                 {"department_code": "JJB", "leader": "王强"}).status_code == 303
    with runtime.sessions() as session:
        department = session.scalars(select(Department).where(Department.code == "JJB")).one()
        assert department.leader is not None and department.leader.name == "王强"
        posts = set(session.scalars(select(Post.name).where(Post.department_id == department.id)))
        assert posts == {"工程管理员", "造价审核员"}
        person = session.scalars(select(Person).where(Person.name == "李工")).one()
        assert (person.email, person.post.name if person.post else None) == (
            "li@example.cn", "工程管理员")
    page = root.get("/admin/org")
    assert "基建办" in page.text and "王强" in page.text


def test_bad_org_input_shows_chinese_errors_and_saves_nothing(  # type: ignore[no-untyped-def]
    app, runtime: Runtime
) -> None:
    root = _client(app, "root")
    answer = _post(root, "/admin/org/department", {"department_code": "A B"})
    assert answer.status_code == 422
    assert "部门编码“A B”只能含字母、数字和 _ - ." in answer.text
    answer = _post(root, "/admin/org/leader", {"department_code": "CGZX", "leader": "无名氏"})
    assert answer.status_code == 422 and "分管领导“无名氏”不在人员中" in answer.text
    answer = _post(root, "/admin/org/person", {"department_code": "CGZX", "person": "张三",
                                               "email": "bad"})
    assert answer.status_code == 422 and "邮箱“bad”格式不正确" in answer.text
    with runtime.sessions() as session:
        assert session.scalar(select(Person).where(Person.name == "张三")) is None


def _password(page: str) -> str:
    found = re.search(r'<code class="password">([^<]+)</code>', page)
    assert found is not None, page
    return found.group(1)


def test_users_are_created_changed_disabled_and_reset(  # type: ignore[no-untyped-def]
    app, runtime: Runtime
) -> None:
    root = _client(app, "root")
    answer = _post(root, "/admin/users", {"name": "cg", "role": "handler",
                                          "department": "CGZX"})
    assert answer.status_code == 200 and "只显示这一次" in answer.text
    first = _password(answer.text)
    cg = _client(app, "cg", first)
    assert cg.get("/inbox").status_code == 200
    with runtime.sessions() as session:
        user_id = session.scalars(select(User.id).where(User.name == "cg")).one()
    answer = _post(root, "/admin/users/change",
                   {"user_id": user_id, "role": "leader", "department": "",
                    "supervises": ["CGZX", "CWK"]})
    assert answer.status_code == 303
    with runtime.sessions() as session:
        user = session.get(User, user_id)
        assert user is not None and (user.role, user.department_id) == ("leader", None)
    answer = _post(root, "/admin/users/password", {"user_id": user_id})
    second = _password(answer.text)
    assert second != first
    again = TestClient(app, follow_redirects=False)
    again.get("/login")
    refused = again.post("/login", data={"name": "cg", "password": first, "next": "/",
                                         "csrf_token": again.cookies[COOKIE]})
    assert refused.status_code != 303
    _client(app, "cg", second)
    assert _post(root, "/admin/users/active",
                 {"user_id": user_id, "active": "0"}).status_code == 303
    with runtime.sessions() as session:
        assert session.get(User, user_id).is_active is False  # type: ignore[union-attr]
        live = session.scalars(select(ApiToken).where(ApiToken.user_id == user_id,
                                                      ApiToken.revoked_at.is_(None))).all()
        assert live == []


def test_bad_user_input_is_refused_in_chinese(app, runtime: Runtime) -> None:  # type: ignore[no-untyped-def]
    root = _client(app, "root")
    answer = _post(root, "/admin/users", {"name": "h", "role": "handler"})
    assert answer.status_code == 422 and "部门经办人必须指定部门" in answer.text
    answer = _post(root, "/admin/users", {"name": "x", "role": "boss"})
    assert answer.status_code == 422 and "角色“boss”不存在" in answer.text
    answer = _post(root, "/admin/users", {"name": "root", "role": "admin"})
    assert answer.status_code == 422 and "用户 root 已存在" in answer.text
    with runtime.sessions() as session:
        root_id = session.scalars(select(User.id).where(User.name == "root")).one()
    answer = _post(root, "/admin/users/active", {"user_id": root_id, "active": "0"})
    assert answer.status_code == 422 and "不能停用自己的账号" in answer.text


def test_no_template_has_inline_script() -> None:
    templates = Path(__file__).parents[2] / "warning" / "web" / "templates" / "admin"
    for path in templates.glob("*.html"):
        assert "<script" not in path.read_text(encoding="utf-8"), path
