"""Formula text hidden behind invisible characters is defused in every exported .csv cell.

Every character a spreadsheet skips or shows as nothing (zero-width, bidi controls, soft
hyphen, BOM, other controls and fillers), before every trigger Excel and WPS run, goes in
through intake and out through GET /api/signals/export.
"""

import csv
import io
import unicodedata

import pytest
from fastapi.testclient import TestClient

from warning.auth.users import add_user, issue_token
from warning.exports.files import defuse_formula, restore_formula
from warning.runtime import Runtime
from warning.services.signal_input import SignalIn
from warning.web.app import create_app
from warning.web.security import SESSION_COOKIE

TRIGGERS = "=+-@＝＋－＠﹦﹢﹣﹫"
# The ones an earlier review named, so a change to the generated set cannot drop them.
NAMED = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
FILLERS = "\u034f\u115f\u1160\u17b4\u17b5\u180e\u2800\u3164\uffa0\ufe0f"


def _invisible_prefixes() -> list[str]:
    """Every control, format and white-space character, and the fillers, but NUL and the
    surrogates (which intake refuses before anything is stored)."""
    found = [chr(c) for c in range(1, 0x110000)
             if unicodedata.category(chr(c)) in ("Cc", "Cf") or chr(c).isspace()]
    prefixes = sorted(set(found) | set(NAMED) | set(FILLERS))
    assert set(NAMED) <= set(prefixes) and len(prefixes) > 250
    return prefixes


PREFIXES = _invisible_prefixes()
# each invisible character before each trigger, and before a tab or CR that comes first
HOSTILE = [p + t + "1+1" for p in PREFIXES for t in TRIGGERS] + [
    p + c + "x" for p in NAMED for c in "\t\r"]


@pytest.mark.parametrize("prefix", PREFIXES, ids=lambda p: f"U+{ord(p):04X}")
def test_every_invisible_prefix_before_every_trigger_is_defused(prefix: str) -> None:
    for trigger in TRIGGERS:
        for text in (prefix + trigger + "1", prefix * 3 + " " + trigger, "'" + prefix + trigger):
            assert defuse_formula(text) == "'" + text, repr(text)
            assert restore_formula(defuse_formula(text)) == text
    if prefix not in "\t\r":  # a leading tab or CR is defused before anything
        assert defuse_formula(prefix + "张三") == prefix + "张三"


def test_every_hostile_cell_of_the_signal_export_is_defused(runtime: Runtime) -> None:
    fields = ("title", "text", "person", "post")  # external_id: trimmed ones would repeat
    batch = [HOSTILE[i:i + len(fields)] for i in range(0, len(HOSTILE), len(fields))]
    signals = []
    for number, texts in enumerate(batch):
        values = dict(zip(fields, texts, strict=False))
        values.setdefault("title", "标题")
        signals.append(SignalIn(channel="audit", external_id=f"INV-{number}", **values))
    outcomes = runtime.intake.ingest(signals)
    assert all(o.signal_id is not None for o in outcomes)
    with runtime.sessions() as session, session.begin():
        token = issue_token(session, user=add_user(session, name="office", role="office"))
    client = TestClient(create_app(runtime), cookies={SESSION_COOKIE: token})
    got = client.get("/api/signals/export?format=csv&channel=audit")
    assert got.status_code == 200, got.text
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"), newline="")))[1:]
    cells = {cell for row in rows for cell in row}
    for text in HOSTILE:
        trimmed = text.strip()  # intake trims white space at either end
        assert "'" + trimmed in cells, f"{text!r} not defused"
        assert trimmed not in cells, f"{text!r} exported as it is"
