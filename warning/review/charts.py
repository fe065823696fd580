"""Charts for the written review: bar charts as PNG, drawn offline with a CJK font.

matplotlib (Agg backend) draws them; it is imported only when a document is made, because
it costs about half a second. Chinese labels need a CJK font: QINGFENG_CJK_FONT names a
font file, otherwise the first installed font of CJK_FAMILIES is used (Debian:
fonts-wqy-microhei or fonts-noto-cjk). Without one no chart is drawn and the document says
why, rather than showing boxes where the characters should be.
"""

import io
import logging
import os
from collections.abc import Sequence
from functools import cache
from pathlib import Path

log = logging.getLogger(__name__)
CJK_FAMILIES = ("WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC",
                "Noto Sans CJK JP", "Source Han Sans SC", "Droid Sans Fallback",
                "AR PL UMing CN", "SimHei", "Microsoft YaHei")
CJK_FILE_HINTS = ("wqy-microhei", "wqy-zenhei", "notosanscjk", "sourcehansans",
                  "droidsansfallback", "uming")
NO_FONT = ("（未找到中文字体，图表从略：请安装 fonts-wqy-microhei 或 fonts-noto-cjk，"
           "或以 QINGFENG_CJK_FONT 指定字体文件）")
COLOURS = ("#b4281e", "#3a6ea5", "#6b8e23", "#c08a2c")


@cache
def cjk_font() -> Path | None:
    """Return the path of a font that has Chinese glyphs, or None when none is installed."""
    named = os.environ.get("QINGFENG_CJK_FONT", "").strip()
    if named:
        path = Path(named)
        if path.is_file():
            return path
        log.warning("QINGFENG_CJK_FONT=%s is not a file; looking for an installed font", named)
    from matplotlib import font_manager

    by_name = {entry.name: Path(entry.fname) for entry in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in by_name:
            return by_name[family]
    # matplotlib's font cache predates a font installed since: look at the files themselves.
    for found in sorted(font_manager.findSystemFonts()):
        if any(hint in Path(found).name.lower() for hint in CJK_FILE_HINTS):
            return Path(found)
    return None


def bar_chart(
    title: str, labels: Sequence[str], series: dict[str, Sequence[int]], *,
    width_inches: float = 6.2, height_inches: float = 2.8,
) -> bytes | None:
    """Draw grouped bars, one group per label and one bar per series; None without a CJK font."""
    font = cjk_font()
    if font is None:
        return None
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    props = font_manager.FontProperties(fname=str(font))
    figure, axes = plt.subplots(figsize=(width_inches, height_inches), dpi=150)
    try:
        count = max(1, len(series))
        width = 0.8 / count
        for index, (name, values) in enumerate(series.items()):
            offsets = [x + (index - (count - 1) / 2) * width for x in range(len(labels))]
            bars = axes.bar(offsets, values, width, label=name,
                            color=COLOURS[index % len(COLOURS)])
            axes.bar_label(bars, fontsize=7)
        axes.set_xticks(range(len(labels)))
        axes.set_xticklabels(labels, fontproperties=props, fontsize=8,
                             rotation=30 if len(labels) > 6 else 0)
        axes.set_title(title, fontproperties=props, fontsize=10)
        axes.spines[["top", "right"]].set_visible(False)
        axes.yaxis.get_major_locator().set_params(integer=True)
        if len(series) > 1:
            axes.legend(prop=props, fontsize=8, frameon=False)
        figure.tight_layout()
        out = io.BytesIO()
        figure.savefig(out, format="png")
        return out.getvalue()
    finally:
        plt.close(figure)
