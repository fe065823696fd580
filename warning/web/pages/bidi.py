"""Show the bidirectional controls in text a page prints, instead of obeying them.

A petition's or a feed item's title is whatever its sender typed. An override (U+202E)
or an isolate control in it reorders what follows on screen ("Trojan Source"): a title
could show an amount or a department's name other than the one stored, and in a list it
reordered the cells after it. Every expression a page prints goes through `visible_bidi`
(the templates' finalize): each such control is shown as its code, [U+202E], as a code
viewer would; the stored text is unchanged. Zero-width spaces and the LRM/RLM marks,
common in text copied from web pages, reorder nothing and are left alone.
"""

import re
from typing import Any

from markupsafe import Markup

_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def visible_bidi(value: Any) -> Any:
    """Return `value` with each embedding, override or isolate control shown as [U+XXXX]."""
    if not isinstance(value, str) or _CONTROLS.search(value) is None:
        return value
    shown = _CONTROLS.sub(lambda found: f"[U+{ord(found.group()):04X}]", value)
    return Markup(shown) if isinstance(value, Markup) else shown
