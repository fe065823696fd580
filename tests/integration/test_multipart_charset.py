"""A multipart form decodes its parts with the charset its Content-Type names, and the client
chooses it: under `unicode_escape` or `utf-7` a part's text or a file's name may hold a lone
surrogate or NUL, which no database can store. Every page form refuses such a form as a page
naming the field; none answers 500, the public report form (no sign-in) included."""

from sqlalchemy import func, select

from tests.integration.route_world import RouteWorld, build_route_world
from tests.integration.test_edge_validation import _page_client
from tests.integration.test_route_authz import _fill, route_table
from warning.db.models import Signal
from warning.runtime import Runtime
from warning.web.pages.csrf import COOKIE

BOUNDARY = "qingfeng-api10-boundary"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# (charset, how a part writes a lone surrogate, how it writes NUL)
CHARSETS = [("unicode_escape", b"\\ud800", b"\\x00"), ("utf-7", b"+2AA-", b"+AAA-")]


# The name each page's file field has: the public report's, the action form's, the register
# import's (and the signal form's).
FILE_FIELDS = ("attachment", "attachments", "file")


def _multipart(fields: dict[str, bytes], file_field: str, filename: bytes) -> bytes:
    parts = [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
             + value + b"\r\n" for name, value in fields.items()]
    parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{file_field}"; '
                 'filename="'.encode() + filename + b'"\r\nContent-Type: application/pdf\r\n\r\n'
                 + PDF + b"\r\n")
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def test_no_page_form_stores_or_fails_on_a_text_its_charset_made_unstorable(
    runtime: Runtime,
) -> None:
    world: RouteWorld = build_route_world(runtime)
    client = _page_client(world, "admin")
    token = client.cookies.get(COOKIE) or ""
    with runtime.sessions() as session:
        before = session.scalar(select(func.count()).select_from(Signal))
    failures = []
    for method, path in sorted(set(route_table(world.app))):
        if method != "POST" or path.startswith("/api/") or path in ("/logout", "/login"):
            continue
        url = _fill(path, world, "B")
        for charset, surrogate, nul in CHARSETS:
            for bad, file_field in ((b, f) for b in (surrogate, nul) for f in FILE_FIELDS):
                for fields, filename in (
                    ({"title": b"title", "text": b"a" + bad}, b"report.pdf"),
                    ({"title": b"title", "text": b"text"}, b"a" + bad + b".pdf"),
                ):
                    body = _multipart({"csrf_token": token.encode(), "action": b"report",
                                       "channel": b"petition", "external_id": b"MC-1",
                                       "anonymous": b"1", "version": b"1", **fields},
                                      file_field, filename)
                    answer = client.post(url, content=body, headers={
                        "content-type": f"multipart/form-data; boundary={BOUNDARY}; "
                                        f"charset={charset}"})
                    kind = answer.headers.get("content-type", "")
                    where = f"{url} {charset} {fields['text']!r} {file_field}={filename!r}"
                    if answer.status_code >= 500 or not kind.startswith("text/html"):
                        failures.append(f"{where}: {answer.status_code} {answer.text[:120]}")
                    elif answer.status_code != 422:
                        failures.append(f"{where}: {answer.status_code}, not refused")
    assert failures == [], "\n".join(failures)
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Signal)) == before
