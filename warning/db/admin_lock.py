"""One lock for changes to the organisation, the accounts and the risk register's imports.

These changes read before they write: "is there a post of this name in the department?",
"is the name taken?", "is another admin still active?". Two at once (a double click
spread over `serve --workers`, two admins, two instances) both read "no" and both wrote:
two identical posts or people, a unique-constraint error shown as 500, or two admins who
disabled each other leaving none. Taking this lock first makes each change read what the
one before it committed. A register import adds posts, so it takes the same lock. Such
changes are rare, so one lock for all of them costs nothing.
"""

from sqlalchemy import text
from sqlalchemy.orm import Session

# pg_advisory_xact_lock's key for this lock: any constant no other lock in the schema uses.
ADMIN_LOCK_KEY = 0x51_46_41_44  # "QFAD"


def take_admin_lock(session: Session) -> None:
    """Hold the admin lock until this transaction ends; wait while another holds it.

    On SQLite a no-op UPDATE takes the write gate (warning.db.sqlite_gate) and opens the
    write transaction, so every read after it sees what the previous writer committed.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("UPDATE units SET id = id WHERE 1 = 0"))
    else:
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADMIN_LOCK_KEY})
