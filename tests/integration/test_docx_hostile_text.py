"""Characters XML cannot hold, in any stored text, never make a document download fail.

U+FFFE, U+FFFF and the control characters pass intake (only NUL and lone surrogates are
refused there) and lxml, under python-docx, refuses to write them: one in a report, a name
or a signal's title made record.docx and the review .docx answer 500. The test writes a
record through its forms with such text, then puts it into every free-text value stored in
any table, and downloads every document and workbook that shows them.
"""

import io
import re
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import String, Text, select, update

from tests.integration.page_client import Site, act_by_form, build_site
from warning.db.models import Base
from warning.exports.files import xml_legal
from warning.runtime import Runtime

HOSTILE = "\ufffe\uffff\x0b\x01"
# codes, states, kinds, hashes and ids stay as they are: the code reads them as such
IDENTIFIER = re.compile(r"[\x20-\x7e]*")


@pytest.fixture
def site(runtime: Runtime, tmp_path: Path) -> Site:
    return build_site(runtime, tmp_path)


def test_xml_legal_drops_every_character_xml_forbids() -> None:
    forbidden = [chr(c) for c in (*range(0x20), 0xFFFE, 0xFFFF, *range(0xD800, 0xE000))
                 if chr(c) not in "\t\n\r"]
    assert xml_legal("甲" + "".join(forbidden) + "乙\t\n\r\x85\U0010ffff") == (
        "甲乙\t\n\r\x85\U0010ffff")


def _poison_every_free_text(runtime: Runtime) -> int:
    """Append HOSTILE to every stored text value that is not a printable ASCII identifier."""
    changed = 0
    with runtime.sessions() as session, session.begin():
        for table in Base.metadata.sorted_tables:
            if table.name == "id_counters":
                continue  # a key the service draws, never shown
            texts = [c for c in table.columns
                     if isinstance(c.type, String | Text) and not c.primary_key]
            keys = list(table.primary_key.columns)
            if not texts or not keys:
                continue
            for row in session.execute(select(*keys, *texts)).all():
                where = [key == row[i] for i, key in enumerate(keys)]
                values = {column.name: value + HOSTILE
                          for column, value in zip(texts, row[len(keys):], strict=True)
                          if isinstance(value, str) and value
                          and not IDENTIFIER.fullmatch(value)}
                if values:
                    session.execute(update(table).where(*where).values(values))
                    changed += 1
    return changed


def test_every_document_downloads_with_xml_illegal_text_everywhere(site: Site) -> None:
    handler, office = site.client("cg"), site.client("office")
    act_by_form(site, handler, "receive")
    act_by_form(site, handler, "assign", responsible_person="李" + HOSTILE + "敏")
    act_by_form(site, handler, "report", comment="已整改" + HOSTILE,
                files=[("整改报告.pdf", b"%PDF-1.7 report")])
    assert act_by_form(site, office, "return", comment="退回" + HOSTILE).status_code == 303
    act_by_form(site, handler, "report", comment="补充" + HOSTILE)
    answer = act_by_form(site, office, "accept", comment="同意办结" + HOSTILE)
    assert answer.status_code == 303, answer.text
    assert _poison_every_free_text(site.runtime) > 10
    downloads = {
        "record.docx": [(user, f"/api/warnings/{site.warning_id}/record.docx")
                        for user in ("office", "cg", "reviewer")],
        "review.docx": [(user, "/api/review/export?format=docx")
                        for user in ("office", "cg", "reviewer")],
        "xlsx": [("office", "/api/review/export?format=xlsx"),
                 ("office", "/api/signals/export?format=xlsx"),
                 ("office", "/api/warnings/export?format=xlsx"),
                 ("office", "/register/export?format=xlsx")],
    }
    for kind, routes in downloads.items():
        for user, url in routes:
            got = site.client(user).get(url)
            assert got.status_code == 200, (user, url, got.text[:300])
            if kind == "xlsx":
                book = load_workbook(io.BytesIO(got.content))
                text = str([list(s.iter_rows(values_only=True)) for s in book.worksheets])
            else:
                doc = Document(io.BytesIO(got.content))
                text = "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
                text += "\n".join(p.text for p in doc.paragraphs)
            assert "\ufffe" not in text and "\uffff" not in text, (user, url)
            if kind == "record.docx":
                assert "同意办结" in text and "李敏" in text, (user, url)
