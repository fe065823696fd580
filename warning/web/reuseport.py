"""Run N HTTP worker processes, each on its own SO_REUSEPORT socket.

uvicorn's own `--workers` shares one listening socket, and whichever worker wakes first
takes the next connection: with a few dozen keep-alive clients one worker often got twice
the connections of the other, and throughput swung by half between identical runs. Each
worker here binds its own socket with SO_REUSEPORT, so the kernel spreads connections
over the workers evenly. The parent restarts a worker that dies, at any age, after a
backoff that grows while replacements keep dying young; it stops them all on SIGINT or
SIGTERM. A worker exits when the parent dies, however it dies: the kernel sends it SIGTERM
(PR_SET_PDEATHSIG) and a watchdog thread also notices its parent is gone, so a restarted
service never finds orphans holding the port.
"""

import ctypes
import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
from multiprocessing.process import BaseProcess
from typing import Any

log = logging.getLogger(__name__)
HEALTHY_S = 30.0  # a worker that lived this long resets its slot's backoff
BACKOFF_CAP_S = 30.0
PR_SET_PDEATHSIG = 1


def serve_workers(count: int, host: str, port: int, options: dict[str, Any]) -> int:
    """Run `count` workers until SIGINT/SIGTERM; return the exit code for the command."""
    _refuse_if_taken(host, port)
    context = multiprocessing.get_context("spawn")
    stopping: list[int] = []

    def stop(signum: int, _frame: object) -> None:
        stopping.append(signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    workers: list[tuple[BaseProcess, float]] = []
    deaths = [0] * count  # consecutive early deaths per slot
    restart_at: dict[int, float] = {}
    try:
        for index in range(count):
            workers.append(_start(context, index, host, port, options))
        while not stopping:
            time.sleep(0.2)
            now = time.monotonic()
            for index, (process, started) in enumerate(workers):
                if process.is_alive() or stopping:
                    continue
                if index not in restart_at:
                    deaths[index] = 0 if now - started >= HEALTHY_S else deaths[index] + 1
                    wait = min(BACKOFF_CAP_S, 0.5 * 2 ** deaths[index]) if deaths[index] else 0
                    log.error("HTTP worker %d died (code %s); restarting in %.1f s",
                              index, process.exitcode, wait)
                    restart_at[index] = now + wait
                if now >= restart_at[index]:
                    del restart_at[index]
                    workers[index] = _start(context, index, host, port, options)
        return 0
    finally:
        for process, _ in workers:
            if process.is_alive():
                process.terminate()  # uvicorn shuts down gracefully on SIGTERM
        for process, _ in workers:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _refuse_if_taken(host: str, port: int) -> None:
    """Fail if another program listens on the port. A second qingfeng service is refused by
    its port lock (warning.service_locks); workers of a killed one that are still shutting
    down share SO_REUSEPORT and do not block the restart."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        probe.bind((host, port))  # OSError "Address already in use" when taken


def _start(
    context: Any, index: int, host: str, port: int, options: dict[str, Any]
) -> tuple[BaseProcess, float]:
    process = context.Process(target=_worker, args=(host, port, options, os.getpid()),
                              name=f"qingfeng-http-{index}")
    process.start()
    return process, time.monotonic()


def _worker(host: str, port: int, options: dict[str, Any], parent: int) -> None:
    """Bind this worker's own socket and serve the app built from the environment."""
    import uvicorn

    _die_with(parent)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    config = uvicorn.Config("warning.web.worker:app_from_environment", factory=True,
                            host=host, port=port, **options)
    uvicorn.Server(config).run(sockets=[sock])


def _die_with(parent: int) -> None:
    """Exit when the parent process dies: SIGTERM from the kernel, and a watchdog besides."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the watchdog alone
        pass
    if os.getppid() != parent:  # died before prctl took effect
        os._exit(0)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)  # uvicorn finishes the requests in flight
        time.sleep(20.0)
        os._exit(1)  # shutdown hung

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()
