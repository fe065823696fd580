"""Talk to PostgreSQL's own tools: pg_dump and pg_restore, checked against the server."""

import os
import re
import shutil
import subprocess

from sqlalchemy import text
from sqlalchemy.engine import make_url

from warning.db.engine import make_engine
from warning.ops.archive import BackupError


def libpq_target(url: str) -> tuple[str, dict[str, str]]:
    """Return a libpq URL without the password, and an environment carrying it."""
    parsed = make_url(url).set(drivername="postgresql")
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    return parsed.set(password=None).render_as_string(hide_password=False), env


def server_major(url: str) -> int:
    """Return the server's major version (15 for 15.4)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            number = int(conn.execute(text("SHOW server_version_num")).scalar_one())
    except Exception as error:
        raise BackupError(f"无法连接数据库: {type(error).__name__}: {error}") from None
    finally:
        engine.dispose()
    return number // 10000


def tool_major(tool: str) -> int:
    """Return the major version of pg_dump or pg_restore, or raise BackupError."""
    if shutil.which(tool) is None:
        raise BackupError(f"找不到 {tool}: 请安装 postgresql-client (apt-get install "
                          "postgresql-client)")
    output = subprocess.run([tool, "--version"], capture_output=True, text=True).stdout
    found = re.search(r"(\d+)(?:\.\d+)?", output)
    if found is None:
        raise BackupError(f"无法读取 {tool} 的版本: {output.strip()}")
    return int(found.group(1))


def check_tool(tool: str, needed: int) -> int:
    """Refuse a tool older than the server (or dump) it must read; return its major version."""
    major = tool_major(tool)
    if major < needed:
        raise BackupError(f"{tool} 版本 {major} 低于所需的 {needed}: 请安装 "
                          f"postgresql-client-{needed}")
    return major


def public_tables(url: str) -> list[str]:
    """Return the tables in the database's public schema."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public'")).scalars())
    except Exception as error:
        raise BackupError(f"无法连接数据库: {type(error).__name__}: {error}") from None
    finally:
        engine.dispose()
