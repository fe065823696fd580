"""Sizes as a reader says them, in the units Windows shows (1 MB = 1024 × 1024 bytes).

A file's size and a limit are said the same way: a 4.9 MB file under a limit printed as
"5 MB" is under it. (Limits were printed in decimal megabytes or raw bytes while file
sizes were binary, so a file shown as 4.8 MB could be refused by "超过 5000000 字节上限".)
"""

KB = 1024
MB = 1024 * 1024


def file_size(size: int) -> str:
    """Return a file's size: bytes under 1 KB, then KB, then MB, one decimal."""
    if size < KB:
        return f"{size} 字节"
    if size < MB:
        return f"{size / KB:.1f} KB"
    return f"{size / MB:.1f} MB"


def limit_size(size: int) -> str:
    """Return a size limit as it is set: "5 MB", "1 KB", "8.5 MB" (no trailing .0)."""
    if size < KB:
        return f"{size} 字节"
    if size < MB:
        return f"{size / KB:.3g} KB"
    return f"{size / MB:.3g} MB"
