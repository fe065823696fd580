"""No page obeys a bidirectional control in stored text: each is shown as [U+202E].

A signal's title, text and person are whatever its sender typed. An override or isolate
control in them reordered what followed on screen ("Trojan Source"): a title could show
an amount or a name other than the one stored. Every GET route is read as the office and
as A's handler, with A's signal and warning replaced by one whose every text field holds
each such control; no HTML answer may hold one raw.
"""

import re

import pytest

from tests.integration.route_world import AUDIT_A, RouteWorld, build_route_world
from tests.integration.test_route_authz import _get_urls
from warning.runtime import Runtime
from warning.services.signal_input import SignalIn
from warning.web.pages.bidi import visible_bidi

CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
RAW = re.compile(f"[{CONTROLS}]")


def test_each_control_is_shown_by_its_code_and_markup_stays_markup() -> None:
    from markupsafe import Markup

    assert visible_bidi(f"金额{CONTROLS}元") == (
        "金额[U+202A][U+202B][U+202C][U+202D][U+202E][U+2066][U+2067][U+2068][U+2069]元")
    kept = visible_bidi(Markup("<b>\u202e</b>"))
    assert isinstance(kept, Markup) and kept == Markup("<b>[U+202E]</b>")
    assert visible_bidi("零宽\u200b与\u200f标记") == "零宽\u200b与\u200f标记"  # reorder nothing
    assert visible_bidi(12) == 12


@pytest.mark.slow
def test_no_page_obeys_a_bidi_control(runtime: Runtime) -> None:
    world: RouteWorld = build_route_world(runtime)
    spoofed = {field: f"{value}{CONTROLS}尾" for field, value in AUDIT_A.items()
               if field != "external_id"}
    [outcome] = runtime.intake.ingest([SignalIn(
        channel="audit", department="CGZX", amount=12000, external_id="BIDI-1", **spoofed)])
    assert outcome.signal_id is not None and outcome.warnings
    world.signals["A"], world.warnings["A"] = outcome.signal_id, outcome.warnings[0].id
    raw: list[str] = []
    shown = 0
    for role in ("office", "handler_a"):
        client = world.client(role)
        for _path, url in _get_urls(world):
            answer = client.get(url)
            if not answer.headers.get("content-type", "").startswith("text/html"):
                continue
            if RAW.search(answer.text):
                raw.append(f"{role} {url}")
            shown += answer.text.count("[U+202E]")
    assert raw == []
    assert shown >= 4  # the title, text and person were on the pages, shown
