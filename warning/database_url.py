"""Check QINGFENG_DATABASE_URL when the settings are read, not when a command connects.

A URL that SQLAlchemy cannot parse (`postgresql+psycopg://[::1`) or whose driver is not
installed (`postgresql+asyncpg://`, `sqlite+foo://`) ended in a traceback at the first
connection. The drivers are a fixed list: the import path COPYs with psycopg 3.
"""

import importlib.util
import re

# scheme -> the module its driver is
DRIVERS: dict[str, str] = {
    "sqlite": "sqlite3",
    "sqlite+pysqlite": "sqlite3",
    "postgresql": "psycopg",  # warning.db.engine reads it as postgresql+psycopg
    "postgresql+psycopg": "psycopg",
}
_SCHEME = re.compile(r"([A-Za-z][\w+.-]*)://")
_FORM = ("须是 sqlite:///文件路径 或 postgresql+psycopg://用户@主机/数据库 "
         "(only SQLite and PostgreSQL)")


def check_database_url(url: str) -> str:
    """Return `url`, or raise ValueError saying in Chinese why no engine can use it."""
    scheme = _SCHEME.match(url)
    if scheme is None or scheme.group(1).split("+")[0] not in ("sqlite", "postgresql"):
        raise ValueError(_FORM)
    name = scheme.group(1)
    if name not in DRIVERS:
        raise ValueError(f"不支持的数据库驱动“{name}” (可用: {', '.join(DRIVERS)})")
    if importlib.util.find_spec(DRIVERS[name]) is None:
        raise ValueError(f"数据库驱动 {DRIVERS[name]} 未安装 (driver not installed)")
    from sqlalchemy.engine.url import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        port = make_url(url).port
    except (ArgumentError, ValueError) as error:
        raise ValueError(f"无法解析 ({type(error).__name__}: {error})") from None
    if port is not None and not 1 <= port <= 65535:
        raise ValueError(f"端口 {port} 超出范围 (1-65535)")
    return url
