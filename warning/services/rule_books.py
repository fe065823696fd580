"""Which rule book each instance holds, so instances that disagree are named.

Every instance keeps its own rules from its own files; during a half-done deploy two
instances on one database grade the same signal differently (measured: `talk` on one,
`rectification` on the other) while both answered /readyz "ready". Each instance writes the
digest of its rule book when it loads one and at every watcher look; /readyz and the rules
status name the live instances (seen within LIVE_S) whose digest differs.
"""

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from warning.db.models import RuleBookInForce
from warning.rules.loader import RuleBook

log = logging.getLogger(__name__)
LIVE_S = 120.0  # an instance's watcher looks every 5 s by default; a dead one drops out
FORGET_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class OtherBook:
    """A live instance holding a rule book other than this one's."""

    instance: str
    digest: str
    rules: int


def book_digest(rulebook: RuleBook) -> str:
    """Return 12 hex digits naming a rule book's content: each file's name and version and
    the grading policy, wherever the files lie."""
    files = sorted((Path(shown).name, version) for shown, version in rulebook.versions.items())
    body = json.dumps([files, repr(rulebook.grading)], ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()[:12]


def publish(sessions: sessionmaker[Session], *, instance: str, digest: str, rules: int,
            loaded_at: datetime) -> None:
    """Record the rule book this instance holds now; a database away is logged, not raised."""
    now = datetime.now(UTC)
    try:
        with sessions() as session, session.begin():
            changed = session.execute(
                update(RuleBookInForce).where(RuleBookInForce.instance == instance).values(
                    digest=digest, rules=rules, loaded_at=loaded_at, seen_at=now)).rowcount
            if not changed:
                session.add(RuleBookInForce(instance=instance, digest=digest, rules=rules,
                                            loaded_at=loaded_at, seen_at=now))
            session.execute(delete(RuleBookInForce).where(
                RuleBookInForce.seen_at < now - FORGET_AFTER))
    except SQLAlchemyError:
        log.debug("rule book of this instance not recorded", exc_info=True)


def other_books(sessions: sessionmaker[Session], *, instance: str, digest: str
                ) -> list[OtherBook]:
    """Return the live instances whose rule book differs from `digest`."""
    since = datetime.now(UTC) - timedelta(seconds=LIVE_S)
    try:
        with sessions() as session:
            rows = session.execute(
                select(RuleBookInForce.instance, RuleBookInForce.digest, RuleBookInForce.rules)
                .where(RuleBookInForce.seen_at >= since, RuleBookInForce.instance != instance,
                       RuleBookInForce.digest != digest)
                .order_by(RuleBookInForce.instance)).all()
    except SQLAlchemyError:
        log.debug("rule books of other instances unreadable", exc_info=True)
        return []
    return [OtherBook(*row) for row in rows]
