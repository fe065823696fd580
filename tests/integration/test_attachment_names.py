"""A file's name can hold no control character or text-direction control: every way a file
comes in refuses it with a Chinese message and stores nothing (such a name broke each later
download: a header value may not hold a control character, so the server answered 500), and
a name stored before this check still downloads, its fallback name printable ASCII."""

import base64
import hashlib
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.page_client import Site, build_site
from warning.auth.users import principal_of
from warning.db.models import PetitionFile, User
from warning.handling import attachments as files
from warning.handling.errors import AttachmentRefused
from warning.handling.records import act
from warning.runtime import Runtime
from warning.web.app import create_app
from warning.web.pages.csrf import COOKIE

BAD_NAMES = ["整改\r\n报告.txt", "a\x01b.txt", "a\x7f.txt", "说明\u202etxt.pdf",
             "b\u2066.txt", "c\x1b[31m.txt", "d\x85.txt"]
CONTENT = "整改说明".encode()
BOUNDARY = "qingfeng-attack8-boundary"


@pytest.fixture
def site(runtime: Runtime, tmp_path: Path) -> Site:
    return build_site(runtime, tmp_path)


@pytest.mark.parametrize("name", BAD_NAMES)
def test_every_upload_refuses_a_name_with_a_control_character(site: Site, name: str) -> None:
    with pytest.raises(AttachmentRefused, match="control"):
        files.prepare_files([(name, CONTENT)])
    with pytest.raises(AttachmentRefused, match="control"):
        files.prepare([(name, base64.b64encode(CONTENT).decode())])
    handler = site.client("cg")
    before = len(site.events())
    api = handler.post(f"/api/warnings/{site.warning_id}/actions", json={
        "action": "receive", "version": site.record().version,
        "attachments": [{"filename": name, "content": base64.b64encode(CONTENT).decode()}]})
    assert api.status_code == 422 and "控制" in api.json()["error"]["message"], api.text
    page = _raw_form(site, handler, name)
    if "\n" in name:  # a line break ends the part's header: the form itself is malformed
        assert page.status_code == 400, page.text
    else:
        assert page.status_code == 422 and "控制" in page.text, page.text
    assert len(site.events()) == before


def _raw_form(site: Site, client: TestClient, name: str) -> httpx.Response:
    """Post the page's action form with the file name as bytes (an HTTP client would escape
    control characters in it; a hostile one need not)."""
    client.get(f"/warnings/{site.warning_id}")
    fields = {"csrf_token": client.cookies.get(COOKIE, ""), "action": "receive",
              "version": str(site.record().version)}
    parts = [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
             f"{value}\r\n".encode() for key, value in fields.items()]
    parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="attachments"; '
                 f'filename="{name}"\r\nContent-Type: text/plain\r\n\r\n'.encode()
                 + CONTENT + f"\r\n--{BOUNDARY}--\r\n".encode())
    return client.post(f"/warnings/{site.warning_id}/actions", content=b"".join(parts),
                       headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}"})


def test_a_stored_name_with_control_characters_still_downloads(site: Site) -> None:
    """Files kept before the check: the header names them in printable ASCII and UTF-8,
    a control or bidi character (which upload now refuses) saved as _."""
    name = "整改\x01\"报告\u202e.txt"
    sha = hashlib.sha256(CONTENT).hexdigest()
    files.store([files.Prepared("x.txt", CONTENT, sha)], site.files)
    with site.runtime.sessions() as session, session.begin():
        office = session.scalars(select(User).where(User.name == "office")).one()
        act(session, warning_id=site.warning_id, version=site.record().version,
            principal=principal_of(office), action="note", comment="旧附件",
            attachments=[{"filename": name, "size": len(CONTENT), "sha256": sha}])
    got = site.client("office").get(f"/api/warnings/{site.warning_id}/attachments/{sha}")
    assert got.status_code == 200 and got.content == CONTENT
    disposition = got.headers["content-disposition"]
    assert all(" " <= c <= "~" for c in disposition), disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "整改_\"报告_.txt"


def test_every_upload_refuses_a_name_longer_than_its_column(site: Site, runtime: Runtime) -> None:
    """petition_files.filename holds 255: a longer name from the public report form was the
    database's nameless JSON 422 on PostgreSQL (stored on SQLite); every way in now refuses
    a name over files.MAX_NAME with a Chinese message and stores nothing."""
    longest = "名" * (files.MAX_NAME - len(".txt")) + ".txt"
    for name in ("长" + longest, "长" * 1000 + ".txt"):
        with pytest.raises(AttachmentRefused, match="longer than"):
            files.prepare_files([(name, CONTENT)])
        with pytest.raises(AttachmentRefused, match="longer than"):
            files.prepare([(name, base64.b64encode(CONTENT).decode())])
        handler = site.client("cg")
        before = len(site.events())
        page = _raw_form(site, handler, name)
        assert page.status_code == 422 and "不能超过" in page.text, page.text[:300]
        assert len(site.events()) == before
        public = _public_report(runtime, name)
        assert public.status_code == 422, public.text[:300]
        assert public.headers["content-type"].startswith("text/html") and "不能超过" in public.text
    assert _public_report(runtime, longest).status_code == 200
    with runtime.sessions() as session:
        assert session.scalars(select(PetitionFile.filename)).all() == [longest]


def _public_report(runtime: Runtime, name: str) -> httpx.Response:
    client = TestClient(create_app(runtime), follow_redirects=False)
    client.get("/report")
    return client.post("/report", data={
        "csrf_token": client.cookies[COOKIE], "title": "采购问题反映", "text": "反映采购问题",
        "anonymous": "1"}, files={"attachment": (name, CONTENT)})
