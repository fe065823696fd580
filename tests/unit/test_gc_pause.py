"""The collector is paused inside intake batches and restored after the last one."""

import gc
import threading

from warning.gc_pause import gc_paused


def test_nested_and_overlapping_pauses_restore_the_collector_once() -> None:
    assert gc.isenabled()
    inside, release = threading.Event(), threading.Event()

    def other_batch() -> None:
        with gc_paused():
            inside.set()
            release.wait(5)

    with gc_paused():
        assert not gc.isenabled()
        thread = threading.Thread(target=other_batch)
        thread.start()
        inside.wait(5)
    assert not gc.isenabled()  # the other batch is still running
    release.set()
    thread.join(5)
    assert gc.isenabled()


def test_an_error_in_the_batch_still_restores_the_collector() -> None:
    try:
        with gc_paused():
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert gc.isenabled()


def test_a_collector_disabled_before_stays_disabled() -> None:
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_overlapping_batches_still_collect_once_the_collector_was_off_too_long(
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    import warning.gc_pause as pause

    monkeypatch.setattr(pause, "MAX_OFF_S", 0.0)
    collections: list[str] = []

    def seen(phase: str, _info: dict) -> None:  # type: ignore[type-arg]
        if phase == "start":
            collections.append(phase)

    with gc_paused():
        gc.callbacks.append(seen)
        try:
            with gc_paused():
                pass
            assert collections  # the inner batch collected although the outer one runs
            assert not gc.isenabled()
        finally:
            gc.callbacks.remove(seen)
    assert gc.isenabled()
