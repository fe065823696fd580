"""Every download's Content-Disposition: one builder, RFC 6266 / RFC 5987, any name.

The builder is checked on names with Chinese, quotes, semicolons, percent signs, CR/LF,
slashes, bidi overrides and lone surrogates; then every GET route of the app is called as
every role, a handling attachment and a petition file named with such text, and each
answer that is an attachment must carry a header that parses and gives the intended name.
"""

import base64
import re
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import unquote

import pytest
from sqlalchemy import select, update

from tests.integration.route_world import ROLES, RouteWorld, build_route_world
from tests.integration.test_route_authz import _get_urls
from warning.auth.users import principal_of
from warning.db.models import PetitionFile, User
from warning.handling import attachments as files
from warning.handling.records import act
from warning.runtime import Runtime
from warning.web.disposition import attachment_disposition

HOSTILE_NAMES = [
    "整改报告.pdf", 'a"b".txt', "a;b=c; filename=evil.txt", "50%25off%.txt",
    "line\r\nSet-Cookie: x=1.txt", "dir/sub\\name.txt", "报告\u202etxt.exe", "\ud800孤.txt",
    " ", "", "tab\tname.txt", "emoji😀名.txt", "'quoted'.txt", "a\x00b.txt",
]
ATTR_CHAR = r"[A-Za-z0-9!#$&+\-.^_`|~]|%[0-9A-F]{2}"
STRICT = re.compile(
    r'attachment; filename="(?P<fallback>[\x20-\x21\x23-\x24\x26-\x3a\x3c-\x5b\x5d-\x7e]+)"; '
    rf"filename\*=UTF-8''(?P<encoded>(?:{ATTR_CHAR})+)")
UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f/\\\u2028\u2029\u200b-\u200f\u202a-\u202e"
                    r"\u2060-\u2069\ufeff\ud800-\udfff]")


def intended(name: str) -> str:
    """The name a browser should save: what cannot be in a file name as _, "download" if blank."""
    return UNSAFE.sub("_", name).strip() or "download"


def parsed(header: str) -> tuple[str, str]:
    """Return (fallback, name) from a header, checking it strictly and with email.message."""
    found = STRICT.fullmatch(header)
    assert found, f"not a strict RFC 6266 attachment header: {header!r}"
    name = unquote(found["encoded"], errors="strict")
    # email.message reads filename and filename* as one parameter (RFC 2231): each alone
    fallback_only, encoded_only = header.split("; filename*=")[0], (
        "attachment; filename*=" + header.split("; filename*=")[1])
    for alone, want in ((fallback_only, found["fallback"]), (encoded_only, name)):
        message = EmailMessage()
        message["Content-Disposition"] = alone
        assert message.get_content_disposition() == "attachment"
        assert message.get_filename() == want, header
        assert not message["Content-Disposition"].defects, header
    assert "\r" not in header and "\n" not in header
    return found["fallback"], name


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
def test_the_builder_gives_a_strict_header_that_round_trips(name: str) -> None:
    fallback, got = parsed(attachment_disposition(name))
    assert got == intended(name)
    assert fallback.isascii() and len(fallback) == len(got)
    fallback, got = parsed(attachment_disposition(name, ascii_name=name))
    assert got == intended(name)


def test_no_module_but_the_builder_writes_a_disposition_s_parameters() -> None:
    package = Path(__file__).parents[2] / "warning"
    writers = sorted(str(p.relative_to(package)) for p in package.rglob("*.py")
                     if re.search(r"filename\*?=[\"'{]|UTF-8''|\battachment;", p.read_text()))
    assert writers == ["web/disposition.py"], writers


ATTACHMENT_NAME = '整改"报告";a=b 100% 附件.txt'  # upload refuses controls and bidi
PETITION_NAME = '举报"材料";\r\n\u202e%0A.txt'  # as older data might hold
DOWNLOADS = {"/api/warnings/export", "/api/signals/export", "/api/review/export",
             "/api/warnings/{warning_id}/record.docx", "/register/export",
             "/api/warnings/{warning_id}/attachments/{sha256}",
             "/signals/{signal_id}/files/{sha256}"}


def _name_files(runtime: Runtime, world: RouteWorld, directory: Path) -> str:
    """Attach a file named ATTACHMENT_NAME to B's warning; rename the petition file."""
    content = b"hostile name"
    prepared = files.prepare([(ATTACHMENT_NAME, base64.b64encode(content).decode())], 1024)
    assert prepared[0].filename == ATTACHMENT_NAME.strip()
    files.store(prepared, directory)
    with runtime.sessions() as session, session.begin():
        handler = principal_of(session.scalars(select(User).where(User.name == "handler_b")).one())
        act(session, warning_id=world.warnings["B"], principal=handler, action="note",
            version=3, comment="附件", attachments=[p.meta for p in prepared])
        session.execute(update(PetitionFile).values(filename=PETITION_NAME))
    return prepared[0].sha256


def test_every_download_route_names_its_file_by_the_one_builder(runtime: Runtime) -> None:
    world = build_route_world(runtime)
    sha = _name_files(runtime, world, world.app.state.attachments_dir)
    hostile = ("/api/warnings/{warning_id}/attachments/{sha256}",
               f"/api/warnings/{world.warnings['B']}/attachments/{sha}")
    seen: dict[str, set[str]] = {}
    for role in ROLES:
        client = world.client(role)
        for path, url in [*_get_urls(world), hostile]:
            answer = client.get(url)
            header = answer.headers.get("content-disposition")
            if header is None:
                continue
            assert answer.status_code == 200, (role, url)
            fallback, name = parsed(header)
            seen.setdefault(path, set()).add(name)
            assert header == attachment_disposition(name, fallback), (role, url, header)
    assert set(seen) == DOWNLOADS, set(seen) ^ DOWNLOADS
    assert seen["/api/warnings/{warning_id}/attachments/{sha256}"] >= {intended(ATTACHMENT_NAME)}
    assert seen["/signals/{signal_id}/files/{sha256}"] == {intended(PETITION_NAME)}
    assert any(n.startswith("处置记录-") for n in seen["/api/warnings/{warning_id}/record.docx"])
    assert {n.rsplit(".", 1)[1] for n in seen["/register/export"]} == {"xlsx", "csv", "yaml"}
    assert all(n.startswith("风险点清单.") for n in seen["/register/export"])
    assert all(re.fullmatch(r"(预警|信号)-\d{8}-\d{4}\.(csv|xlsx)", n)
               for n in seen["/api/warnings/export"] | seen["/api/signals/export"])
