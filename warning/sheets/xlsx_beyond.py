"""Find cells holding a value to the right of a sheet's last header column.

A signal sheet is read no wider than its header: a stray cell far right (XFD7) made every
row 16,384 cells. But a value written past the header (a 备注 column someone forgot to
name) was then dropped in silence, where a .csv refuses such a row. This pass over the
worksheet's XML finds those cells without parsing the others: a pattern that matches only
a cell reference whose column lies beyond the header, followed by a value.
"""

import re

from openpyxl.utils.cell import get_column_letter

MAX_COLUMN_LETTERS = 3  # XFD, Excel's last column


def beyond_pattern(width: int) -> re.Pattern[bytes] | None:
    """Return a pattern for a cell with a value in a column past `width` (None past XFD).

    It names the cell's column letters in group 1 and its row in group 2.
    """
    last = get_column_letter(width)
    if last == "XFD":
        return None
    wider = [f"[A-Z]{{{len(last) + 1},{MAX_COLUMN_LETTERS}}}"] \
        if len(last) < MAX_COLUMN_LETTERS else []
    same_length = [
        re.escape(last[:i]) + f"[{chr(ord(letter) + 1)}-Z]" + (
            f"[A-Z]{{{len(last) - i - 1}}}" if len(last) - i - 1 else "")
        for i, letter in enumerate(last) if letter != "Z"
    ]
    columns = "|".join(wider + same_length)
    # <c r="AB12" t="s"><v>3</v> (a prefix such as x: allowed); a styled empty cell
    # (<c r="AB12" s="1"/>) has no value and is not matched
    return re.compile(
        rb' r="(' + columns.encode() + rb')([0-9]+)"[^>]*(?<!/)>\s*'
        rb"<(?:\w+:)?(?:v|is|f)\b")


def first_beyond(text: bytes, pattern: re.Pattern[bytes], found: dict[int, str]) -> None:
    """Note in `found`, by row, the first cell of `text` with a value past the header."""
    for match in pattern.finditer(text):
        row = int(match.group(2))
        if row not in found:
            found[row] = match.group(1).decode() + match.group(2).decode()
