"""Rules are matched before a batch's first write: no writer waits on a long match.

A batch with a petition links its near duplicates first, and that write took SQLite's
write gate (one writer at a time, across processes) for the rest of the transaction,
which went on to match the whole batch: the text filter (no length limit) and the engine
child's round trip (up to ANSWER_TIMEOUT_S, twice). Every other writer of the service
waited the while, and gave up after the gate's timeout. Matching needs no write.
"""

import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.integration.triage_world import COLLUSION, TriageWorld, build_triage_world
from warning.services.signal_input import SignalIn


@pytest.fixture
def world(db_url: str, rules_dir: Path, tmp_path: Path) -> Iterator[TriageWorld]:
    yield from build_triage_world(db_url, rules_dir, tmp_path)


def test_another_writer_is_not_held_up_while_a_petition_batch_is_matched(
    world: TriageWorld, monkeypatch: pytest.MonkeyPatch,
) -> None:
    intake = world.runtime.intake
    real = type(intake).match
    other: list[str] = []

    def write_elsewhere() -> None:
        with world.runtime.sessions() as session, session.begin():
            session.execute(text("UPDATE signals SET status = status WHERE id = -1"))
        other.append("written")

    def match(self: object, *args: object, **kwargs: object) -> Sequence[object]:
        writer = threading.Thread(target=write_elsewhere, daemon=True)
        writer.start()
        writer.join(5.0)  # the gate's own timeout is 30 s
        other.append("alive" if writer.is_alive() else "done")
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(type(intake), "match", match)
    petition = SignalIn(channel="petition", department="CGZX", title="举报 长文",
                        text=COLLUSION.format(n=1), external_id="W-1")
    [outcome] = intake.ingest([petition])
    assert outcome.warnings  # matched and raised as ever
    assert other[:2] == ["written", "done"]
