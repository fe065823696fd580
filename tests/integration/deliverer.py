"""A delivery process for the tests: run the outbox worker until nothing is left to send.

Usage: python -m tests.integration.deliverer DATABASE_URL SMTP_PORT WEBHOOK_URL
Prints the number of deliveries it sent.
"""

import sys
import time

from sqlalchemy import func, select

from warning.db.engine import make_engine, make_sessionmaker
from warning.db.models import Delivery, Notice
from warning.notify.channels import NotifyConfig
from warning.notify.worker import deliver_once


def main(url: str, smtp_port: str, webhook: str) -> None:
    """Deliver in small batches until every notice is expanded and sent (at most 90 s)."""
    sessions = make_sessionmaker(make_engine(url))
    config = NotifyConfig(smtp_host="127.0.0.1", smtp_port=int(smtp_port), batch_size=3,
                          office_emails=("office@example.cn",), webhooks={"*": webhook})
    sent = 0
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        sent += deliver_once(sessions, config).sent
        with sessions() as session:
            open_notices = session.scalar(select(func.count()).select_from(Notice)
                                          .where(Notice.expanded_at.is_(None)))
            pending = session.scalar(select(func.count()).select_from(Delivery)
                                     .where(Delivery.status == "pending"))
        if not open_notices and not pending:
            break
        time.sleep(0.05)
    print(sent)


if __name__ == "__main__":
    main(*sys.argv[1:])
