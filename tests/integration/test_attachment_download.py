"""Opening a record's attachments: for those who may see the record, as a checked download."""

from pathlib import Path
from urllib.parse import unquote

import pytest

from tests.integration.page_client import Site, act_by_form, build_site
from warning.handling import attachments as files
from warning.handling.errors import AttachmentRefused
from warning.runtime import Runtime

DOCX = b"PK\x03\x04" + b"\x00" * 60
PDF = b"%PDF-1.7\n" + b"0" * 40
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40
SIGNED = {"doc": OLE, "docx": DOCX, "wps": OLE, "pdf": PDF, "ofd": DOCX, "xls": OLE,
          "xlsx": DOCX, "et": OLE, "jpg": b"\xff\xd8\xff\xe0" + b"0" * 20,
          "png": b"\x89PNG\r\n\x1a\n" + b"0" * 20, "txt": "整改说明".encode(), "zip": DOCX}


@pytest.fixture
def site(runtime: Runtime, tmp_path: Path) -> Site:
    return build_site(runtime, tmp_path)


def _reported(site: Site) -> list[dict[str, object]]:
    handler = site.client("cg")
    act_by_form(site, handler, "receive")
    act_by_form(site, handler, "assign", responsible_person="李敏")
    answer = act_by_form(site, handler, "report", comment="已整改",
                         files=[("整改报告.docx", DOCX), ("说明.pdf", PDF)])
    assert answer.status_code == 303, answer.text
    reported = [e for e in site.events() if e.action == "report"][-1]
    return list(reported.data["attachments"])


def test_the_office_and_the_department_open_the_report_files(site: Site) -> None:
    stored = _reported(site)
    for user in ("office", "cg", "reviewer"):
        client = site.client(user)
        page = client.get(f"/warnings/{site.warning_id}")
        for item in stored:
            link = f"/api/warnings/{site.warning_id}/attachments/{item['sha256']}"
            assert link in page.text
            got = client.get(link)
            assert got.status_code == 200, (user, got.text)
            assert got.content == (DOCX if str(item["filename"]).endswith("docx") else PDF)
            assert got.headers["x-content-type-options"] == "nosniff"
            disposition = got.headers["content-disposition"]
            assert disposition.startswith("attachment;")
            assert unquote(disposition.split("filename*=UTF-8''")[1]) == item["filename"]
            assert "text/html" not in got.headers["content-type"]


def test_another_department_and_unknown_files_get_404(site: Site) -> None:
    stored = _reported(site)
    sha = stored[0]["sha256"]
    other = site.client("cw")
    assert other.get(f"/api/warnings/{site.warning_id}/attachments/{sha}").status_code == 404
    office = site.client("office")
    assert office.get(f"/api/warnings/{site.warning_id}/attachments/{'0' * 64}"
                      ).status_code == 404
    assert office.get(f"/api/warnings/{site.warning_id}/attachments/not-a-hash"
                      ).status_code == 422
    assert office.get(f"/api/warnings/99999999/attachments/{sha}").status_code == 404


def test_a_stored_file_that_is_not_what_its_name_says_is_not_sent(site: Site) -> None:
    stored = _reported(site)
    sha = str(stored[0]["sha256"])
    files.stored_path(site.files, sha).write_bytes(b"<html><script>alert(1)</script></html>")
    got = site.client("office").get(f"/api/warnings/{site.warning_id}/attachments/{sha}")
    assert got.status_code == 409
    assert "script" not in got.text and "内容与其类型不符" in got.json()["error"]["message"]


@pytest.mark.parametrize("ext", sorted(SIGNED))
def test_each_office_type_is_accepted_with_its_signature(ext: str) -> None:
    prepared = files.prepare_files([(f"材料.{ext}", SIGNED[ext])], 1024)
    assert prepared[0].filename == f"材料.{ext}"


@pytest.mark.parametrize("name,content", [
    ("报告.pdf", b"MZ\x90\x00" + b"\x00" * 40),  # an .exe renamed
    ("报告.docx", b"%PDF-1.4"), ("报告.wps", DOCX), ("报告.exe", b"MZ"), ("报告", PDF),
    ("报告.txt", b"\x00\x01binary"),
])
def test_a_file_not_what_it_says_is_refused(name: str, content: bytes) -> None:
    with pytest.raises(AttachmentRefused):
        files.prepare_files([(name, content)], 1024)
