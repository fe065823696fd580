"""Write the sample feeds under tests/feeds/data/ (run: python tests/feeds/feed_samples.py)."""

import codecs
import random
from pathlib import Path

DATA = Path(__file__).parent / "data"

# Each encoded sample carries these strings; the tests expect them back exactly.
SIMPLIFIED = "某市交通局局长张伟涉嫌受贿"
GBK_ONLY = "朱镕基 陶喆 王堃"  # 镕喆堃: GBK, not GB2312
GB18030_ONLY = "刘䶮 㐀 𠀀"  # CJK Ext A/B: GB18030 four-byte, not GBK
TRADITIONAL = "某市交通局局長張偉涉嫌受賄"
SUMMARY_HTML = (
    "&lt;p&gt;举报称 &lt;b&gt;采购部&lt;/b&gt; 经理&amp;amp;会计&lt;/p&gt;"
    "&lt;script&gt;x()&lt;/script&gt;"
)
SUMMARY_TEXT = "举报称 采购部 经理&会计"

RSS_ITEM = """  <item>
    <title>{title}</title>
    <link>http://news.example.cn/{slug}</link>
    <guid isPermaLink="false">{slug}</guid>
    <description>{summary}</description>
    <pubDate>Mon, 06 Jan 2025 10:00:00 +0800</pubDate>
  </item>
"""


def rss(
    encoding: str, items: list[tuple[str, str, str]], declare: bool = True, name: str = "舆情样本"
) -> str:
    """Build an RSS 2.0 document; items are (slug, title, summary)."""
    head = f'<?xml version="1.0" encoding="{encoding}"?>\n' if declare else ""
    body = "".join(RSS_ITEM.format(slug=s, title=t, summary=m) for s, t, m in items)
    return (
        f'{head}<rss version="2.0"><channel>\n  <title>{name}</title>\n'
        f"  <link>http://news.example.cn/</link>\n{body}</channel></rss>\n"
    )


def atom(items: list[tuple[str, str, str]]) -> str:
    """Build an Atom 1.0 document in UTF-8."""
    entries = "".join(
        f"""  <entry><id>urn:example:{slug}</id><title>{title}</title>
    <link href="http://news.example.cn/{slug}"/><updated>2025-01-06T02:00:00Z</updated>
    <summary type="html">{summary}</summary></entry>
"""
        for slug, title, summary in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
        "  <title>舆情样本 Atom</title><id>urn:example:feed</id>"
        f"<updated>2025-01-06T02:00:00Z</updated>\n{entries}</feed>\n"
    )


MIXED = [
    ("a1", "某市交通局局长张伟涉嫌受贿被查", "群众举报交通局工程招投标存在问题"),
    ("a2", "外省某官员受贿案一审宣判", "与本单位无关的全国新闻"),
    ("a3", "交通局开展植树活动", "没有风险关键词"),
]

BOZO = rss("utf-8", [("b1", "采购部违规采购 &undefined; 问题", "良好条目一")]).replace(
    "</channel></rss>", ""
) + RSS_ITEM.format(slug="b2", title="第二条正常条目", summary="良好条目二")


def silent_samples() -> dict[str, bytes]:
    """Return feeds with no XML declaration: only the bytes say what they are."""
    one = [("x1", SIMPLIFIED, SUMMARY_HTML)]
    traditional = [("x1", TRADITIONAL, "&lt;p&gt;舉報稱採購部經理&lt;/p&gt;")]
    gbk = rss("", [("x1", f"{SIMPLIFIED} {GBK_ONLY}", SUMMARY_HTML)], declare=False).encode("gbk")
    return {
        "silent_gbk.xml": gbk,
        "silent_gb18030.xml": rss(
            "", [("x1", f"{SIMPLIFIED} {GB18030_ONLY}", SUMMARY_HTML)], declare=False
        ).encode("gb18030"),
        "silent_big5.xml": rss("", traditional, declare=False, name="輿情樣本").encode("big5"),
        "silent_utf8_bom.xml": codecs.BOM_UTF8 + rss("", one, declare=False).encode("utf-8"),
        "silent_utf8.xml": rss("", one, declare=False).encode("utf-8"),
        # One byte no codec accepts, as a truncated upload leaves behind.
        "silent_gbk_stray_byte.xml": gbk.replace(b"<link>", b"\xff<link>", 1),
    }


def samples() -> dict[str, bytes]:
    """Return every sample file's name and bytes."""
    one = [("x1", SIMPLIFIED, SUMMARY_HTML)]
    return {
        "rss_utf8.xml": rss("utf-8", MIXED).encode("utf-8"),
        "atom_utf8.xml": atom(MIXED).encode("utf-8"),
        "rss_utf8_bom.xml": codecs.BOM_UTF8 + rss("utf-8", one).encode("utf-8"),
        "rss_gbk.xml": rss("GBK", [("x1", f"{SIMPLIFIED} {GBK_ONLY}", SUMMARY_HTML)]).encode("gbk"),
        "rss_gbk_nodecl.xml": rss("", one, declare=False).encode("gbk"),
        "rss_gb2312_lie.xml": rss(
            "gb2312", [("x1", f"{SIMPLIFIED} {GBK_ONLY} {GB18030_ONLY}", SUMMARY_HTML)]
        ).encode("gb18030"),
        "rss_gb18030.xml": rss(
            "GB18030", [("x1", f"{SIMPLIFIED} {GB18030_ONLY}", SUMMARY_HTML)]
        ).encode("gb18030"),
        "rss_big5.xml": rss(
            "big5", [("x1", TRADITIONAL, "&lt;p&gt;舉報稱採購部經理&lt;/p&gt;")], name="輿情樣本"
        ).encode("big5"),
        "rss_bozo.xml": BOZO.encode("utf-8"),
        **silent_samples(),
        "page.html": (
            "<!DOCTYPE html><html><head><title>首页</title></head>"
            "<body><h1>某市交通局</h1><p>欢迎访问</p></body></html>"
        ).encode(),
        "garbage.bin": random.Random(20250106).randbytes(4096),
    }


def main() -> None:
    """Write the samples."""
    DATA.mkdir(exist_ok=True)
    for name, content in samples().items():
        (DATA / name).write_bytes(content)


if __name__ == "__main__":
    main()
