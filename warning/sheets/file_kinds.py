"""A file whose first bytes show another kind than its suffix: say what it is."""

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .doc: the Office files before 2007
_ZIP = b"PK\x03\x04"


def other_kind(head: bytes, suffix: str) -> str | None:
    """Say what a file is if its first bytes show another kind than `suffix` (an .xlsx
    renamed .csv, an old .xls, a text saved as UTF-16), or None.

    Read as their suffix says, each failed as 无法识别编码 or as one bad JSON line per
    line of zip bytes, which says nothing of what to do."""
    if head.startswith(_OLE):
        return ("这是旧版 Excel (.xls) 或其他 Office 文件, 不能直接导入: 请在 Excel 中另存为"
                " .xlsx 或“CSV UTF-8 (逗号分隔)” (old Office file)")
    if head.startswith(b"%PDF-"):
        return "这是 PDF 文件, 不能导入: 请导入原始的表格文件 (.xlsx 或 .csv) (PDF file)"
    if head.startswith(_ZIP) and suffix != ".xlsx":
        return f"这是 .xlsx (zip) 文件, 扩展名却是 {suffix}: 请把扩展名改为 .xlsx (zip file)"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) and suffix != ".xlsx":
        return ("文件是 UTF-16 编码 (Excel 的“Unicode 文本”): 请另存为“CSV UTF-8 (逗号分隔)”"
                " (UTF-16 file)")
    return None
