"""SQLite's search index (migration 0009a) changes how fast the search box answers, never what
it finds: on a random corpus, indexed and plain searches return the same signals for random
queries of 2–6 characters, for readers who may and may not read confidential text, with
signals past the watermark, and after words of indexed signals change or go."""

import random

import pytest
from alembic import command
from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from warning.auth.principal import Principal
from warning.db.engine import make_engine, make_sessionmaker, transaction
from warning.db.migrate import alembic_config, upgrade
from warning.db.models import Channel, Department, Signal
from warning.domain.lifecycle import Role
from warning.queries import search_index
from warning.queries.search import caseless, search
from warning.runtime import Runtime

# Few distinct characters, so that random queries often match: CJK, ASCII in both cases,
# a cased letter beyond ASCII, LIKE's wildcards, a quote and a space.
ALPHABET = list("采购中心冷链仓储工程围标") + list("abAB") + ["É", "é", "%", "_", '"', " "]


def _words(rng: random.Random, most: int) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, most)))


def _signal(rng: random.Random, n: int, channels: list[int], departments: list[int]) -> Signal:
    return Signal(channel_id=rng.choice(channels), external_id=f"x{n}{_words(rng, 3)}",
                  title=_words(rng, 8), text=_words(rng, 40),
                  department_id=rng.choice(departments))


def _queries(rng: random.Random, session: Session, count: int) -> list[str]:
    """Return queries of 2–6 characters: pieces of stored words, case flipped, and noise."""
    stored = [w for row in session.execute(select(Signal.title, Signal.text)) for w in row]
    found: list[str] = []
    while len(found) < count:
        size = rng.randint(2, 6)
        source = rng.choice(stored)
        if rng.random() < 0.7 and len(source) >= size:
            at = rng.randrange(len(source) - size + 1)
            piece = source[at:at + size]
            piece = "".join(c.swapcase() if rng.random() < 0.3 else c for c in piece)
        else:
            piece = "".join(rng.choice(ALPHABET) for _ in range(size))
        if len(" ".join(piece.split())) >= 2:
            found.append(piece)
    return found


def _ids(session: Session, principal: Principal | None, q: str, limit: int) -> list[int]:
    return [row[0].id for row in search(session, principal, q, limit).signals]


def _compare(session: Session, principals: list[Principal | None], queries: list[str],
             monkeypatch: pytest.MonkeyPatch) -> int:
    """Assert that indexed and plain searches agree; return how many found anything."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    answered = 0
    for q in queries:
        served = search_index.scan_above(session, " ".join(q.split()))
        if sqlite and search_index.servable(" ".join(q.split())):
            assert served is not None and served <= 400, q  # the index proposed candidates
        for principal in principals:
            for limit in (1000, 3):
                indexed = _ids(session, principal, q, limit)
                with monkeypatch.context() as plain:
                    plain.setattr(search_index, "scan_above", lambda *_: None)
                    assert indexed == _ids(session, principal, q, limit), (q, principal)
                answered += bool(indexed)
    return answered


@pytest.mark.parametrize("window", [0, 100])
def test_indexed_and_plain_searches_find_the_same_signals(
        runtime: Runtime, monkeypatch: pytest.MonkeyPatch, window: int) -> None:
    monkeypatch.setattr(search_index, "WINDOW", window)  # (1,000 would read all 550 by LIKE)
    rng = random.Random(14 + window)
    with transaction(runtime.sessions) as session:
        channels = list(session.scalars(select(Channel.id)))
        departments = list(session.scalars(select(Department.id)))
        confidential = session.scalars(select(Channel.id).where(Channel.confidential)).all()
        assert confidential and len(channels) > len(confidential)
        session.add_all(_signal(rng, n, channels, departments) for n in range(400))
    assert search_index.index_new_signals(runtime.sessions, batch=150) == (
        400 if runtime.settings.is_sqlite else 0)
    with transaction(runtime.sessions) as session:  # a tail past the watermark
        session.add_all(_signal(rng, n, channels, departments) for n in range(400, 550))
    with transaction(runtime.sessions) as session:  # indexed words change, or go
        for signal_id in rng.sample(range(1, 401), 40):
            session.execute(update(Signal).where(Signal.id == signal_id).values(
                title=_words(rng, 8), text=_words(rng, 40)))
        session.execute(delete(Signal).where(Signal.id.in_(rng.sample(range(1, 401), 20))))
    principals: list[Principal | None] = [
        None, Principal(1, "office", Role.OFFICE), Principal(2, "reviewer", Role.REVIEWER),
        Principal(3, "handler", Role.HANDLER, department_id=departments[0])]
    with runtime.sessions() as session:
        queries = _queries(rng, session, 120)
        answered = _compare(session, principals, queries, monkeypatch)
        _exact_for_caseless(session, principals[1], queries)
    assert answered > 200  # most queries find something: the comparison is not of empties


def _exact_for_caseless(session: Session, office: Principal | None, queries: list[str]) -> None:
    """A query with no cased character (LIKE, or strpos below three characters, on
    PostgreSQL) finds exactly the signals holding it, as Python's `in` reads them."""
    rows = list(session.execute(select(Signal.id, Signal.title, Signal.external_id,
                                       Signal.text)))
    checked = 0
    for q in {" ".join(q.split()) for q in queries}:
        if not caseless(q):
            continue
        expected = sorted((i for i, *words in rows if any(q in w for w in words if w)),
                          reverse=True)
        assert _ids(session, office, q, 1000) == expected, q
        checked += 1
    assert checked >= 10, "too few caseless queries to compare"


def test_a_new_signal_is_found_before_and_after_it_is_indexed(
        runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_index, "WINDOW", 0)
    with transaction(runtime.sessions) as session:
        channel = session.scalars(select(Channel.id).where(~Channel.confidential)).first()
        session.add(Signal(channel_id=channel, external_id="n1", title="通报",
                           text="关于冷链仓储的情况冷链"))
    office = Principal(1, "office", Role.OFFICE)
    for _ in range(2):
        with runtime.sessions() as session:
            for q in ("冷链", "链仓储", "情况冷链", "通报"):
                assert _ids(session, office, q, 50), q
        search_index.index_new_signals(runtime.sessions)


def test_the_migration_indexes_the_signals_already_stored(
        db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_index, "WINDOW", 0)
    if not db_url.startswith("sqlite"):
        pytest.skip("the index is SQLite's; PostgreSQL has pg_trgm (0007j)")
    command.downgrade(alembic_config(db_url), "0008b")
    engine = make_engine(db_url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            channel = Channel(code="c", name="渠道", kind="api")
            session.add(channel)
            session.flush()
            # the columns of 0008b's signals (the model has more since: 0010g_r17)
            session.execute(text(
                "INSERT INTO signals (channel_id, external_id, title, text, person, post,"
                " received_at, status, attempts, last_error, extra)"
                " VALUES (:channel, :external, '通报', :text, '', '', CURRENT_TIMESTAMP,"
                " 'received', 0, '', '{}')"),
                [{"channel": channel.id, "external": f"e{n}", "text": f"第{n}条，涉及冷链仓储"}
                 for n in range(3)])
        upgrade(db_url)
        with make_sessionmaker(engine)() as session:
            assert search_index.scan_above(session, "冷链仓储") == 3
            assert _ids(session, None, "冷链仓储", 50) == [3, 2, 1]
            assert _ids(session, None, "仓储", 50) == [3, 2, 1]
            match = search_index.match_expression(session, "冷链仓储")
            assert session.execute(select(search_index.select_candidates(match)
                                          .subquery())).scalars().all() == [1, 2, 3]
    finally:
        engine.dispose()


def test_words_that_change_or_go_leave_the_index(runtime: Runtime) -> None:
    if not runtime.settings.is_sqlite:
        pytest.skip("the index is SQLite's; PostgreSQL has pg_trgm (0007j)")
    with transaction(runtime.sessions) as session:
        channel = session.scalars(select(Channel.id)).first()
        session.add(Signal(channel_id=channel, external_id="w1", title="通报", text="围标串标"))
    search_index.index_new_signals(runtime.sessions)

    def terms() -> set[str]:
        with runtime.sessions() as session:
            return set(session.execute(text("SELECT term FROM signals_search_terms")).scalars())

    assert "围标串" in terms()
    with transaction(runtime.sessions) as session:
        session.execute(update(Signal).values(text="工程仓储"))
    assert "围标串" not in terms() and "工程仓" in terms()
    with transaction(runtime.sessions) as session:
        session.execute(delete(Signal))
    assert terms() == set()
