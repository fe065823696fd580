"""Run N HTTP worker processes, each on its own SO_REUSEPORT socket.

uvicorn's own `--workers` shares one listening socket, and whichever worker wakes first
takes the next connection: with a few dozen keep-alive clients one worker often got twice
the connections of the other, and throughput swung by half between identical runs. Each
worker here binds its own socket with SO_REUSEPORT, so the kernel spreads connections
over the workers evenly. The parent restarts a worker that dies and stops them all on
SIGINT or SIGTERM; a worker that dies within seconds of starting stops the service.
"""

import logging
import multiprocessing
import signal
import socket
import time
from multiprocessing.process import BaseProcess
from typing import Any

log = logging.getLogger(__name__)
EARLY_DEATH_S = 10.0


def serve_workers(count: int, host: str, port: int, options: dict[str, Any]) -> int:
    """Run `count` workers until SIGINT/SIGTERM; return the exit code for the command."""
    _refuse_if_taken(host, port)
    context = multiprocessing.get_context("spawn")
    stopping: list[int] = []

    def stop(signum: int, _frame: object) -> None:
        stopping.append(signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    workers: list[tuple[BaseProcess, float]] = []
    try:
        for index in range(count):
            workers.append(_start(context, index, host, port, options))
        while not stopping:
            time.sleep(0.2)
            for index, (process, started) in enumerate(workers):
                if process.is_alive() or stopping:
                    continue
                if time.monotonic() - started < EARLY_DEATH_S:
                    log.error("HTTP worker %d exited at start (code %s)", index, process.exitcode)
                    return 1
                log.error("HTTP worker %d died (code %s); restarting", index, process.exitcode)
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
    """Fail if anything listens on the port: SO_REUSEPORT would quietly share it with a second
    service (started twice by mistake) instead of failing."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))  # OSError "Address already in use" when taken


def _start(
    context: Any, index: int, host: str, port: int, options: dict[str, Any]
) -> tuple[BaseProcess, float]:
    process = context.Process(target=_worker, args=(host, port, options),
                              name=f"qingfeng-http-{index}")
    process.start()
    return process, time.monotonic()


def _worker(host: str, port: int, options: dict[str, Any]) -> None:
    """Bind this worker's own socket and serve the app built from the environment."""
    import uvicorn

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    config = uvicorn.Config("warning.web.worker:app_from_environment", factory=True,
                            host=host, port=port, **options)
    uvicorn.Server(config).run(sockets=[sock])
