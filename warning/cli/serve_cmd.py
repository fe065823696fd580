"""`qingfeng serve`: API, pages and scheduler (in one process, or with HTTP workers)."""

import sys

import click

from warning.cli.common import fail, runtime, settings
from warning.cli.types import PORT, Bounded
from warning.db.migrate import upgrade


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=PORT)
@click.option("--demo", is_flag=True, help="先迁移数据库，并在空库中载入演示数据")
@click.option("--no-scheduler", is_flag=True, help="不启动定时任务")
@click.option("--workers", default=1, show_default=True, type=Bounded(1, 64),
              help="处理 HTTP 请求的进程数（多核服务器可设为核数；定时任务只在主进程运行）；"
              "工作进程随主进程退出，意外退出的会被重启")
def serve(host: str, port: int, demo: bool, no_scheduler: bool, workers: int) -> None:
    """Run the API, the pages and the scheduler."""
    import uvicorn

    # A thread waiting for the GIL gets it after at most this long (default 5 ms); a request
    # passes the GIL between the event loop and its route's thread several times.
    sys.setswitchinterval(0.001)

    from warning.channels.loader import ChannelFileError
    from warning.handling.holidays import calendar_gaps
    from warning.leadership import SchedulerLeader
    from warning.scheduler import build_scheduler
    from warning.service_locks import ServiceLockError, port_lock, sqlite_scheduler_lock
    from warning.web.app import create_app
    from warning.web.proxies import ProxySettingError, parse_networks
    from warning.web.reuseport import serve_workers

    try:
        parse_networks(settings().trusted_proxies)
        parse_networks(settings().metrics_networks, "QINGFENG_METRICS_NETWORKS")
    except ProxySettingError as error:
        fail(str(error))
    no_scheduler = no_scheduler or not settings().run_scheduler  # QINGFENG_RUN_SCHEDULER
    _require_directories()
    _probe_port(host, port, shared=workers > 1)  # before --demo prints one-time passwords
    try:
        locks = [port_lock(host, port)]
        if not no_scheduler:
            locks.append(sqlite_scheduler_lock(settings().database_url))
    except ServiceLockError as error:
        fail(str(error))
    if demo:
        upgrade(settings().database_url)
        _demo_reporter_key()
    with runtime(load_rules=False) as rt:
        try:
            if demo:
                from warning.demo.seed import DemoRefused, seed_demo

                for line in seed_demo(rt):
                    click.echo(line)
            rt.sync_channels()
        except ChannelFileError as error:
            fail(f"渠道文件有错误，服务未启动:\n{error}")
        except DemoRefused as error:
            fail(f"演示数据未载入，服务未启动:\n{error}")
        problems = rt.rules.load()
        for problem in problems:
            click.secho(str(problem), fg="yellow", err=True)
        for gap in calendar_gaps():
            click.secho(f"注意: {gap}", fg="yellow", err=True)
        cipher = _reporter_cipher(rt)
        leader = None if no_scheduler else SchedulerLeader(
            rt, build_scheduler, exclusive=rt.settings.is_sqlite)  # the file lock is ours
        if leader is not None:
            leader.start()
        click.echo(f"清风 Qingfeng 已启动: http://{host}:{port}/  (API 文档: /docs)")
        # uvloop and httptools keep TCP_NODELAY in worker processes (plain asyncio and h11
        # under --workers do not: uvicorn issue 3149).
        # Forwarding headers are read by warning.web.proxies, only from QINGFENG_TRUSTED_PROXIES
        # (uvicorn's own handling would trust 127.0.0.1 by default).
        options = {"loop": "uvloop", "http": "httptools", "log_level": "warning",
                   "proxy_headers": False}
        code = 0
        try:
            if workers > 1:
                try:
                    code = serve_workers(workers, host, port, options)
                except OSError as error:
                    fail(f"无法监听 {host}:{port}（端口可能已被占用）: {error}")
            else:
                app = create_app(rt)
                app.state.reporter_cipher = cipher
                uvicorn.run(app, host=host, port=port, **options)  # type: ignore[arg-type]
        finally:
            if leader is not None:
                leader.stop()
            for lock in locks:
                if lock is not None:
                    lock.release()
        if code:
            fail("HTTP 工作进程启动失败，服务已停止（原因见上方日志）")


def _demo_reporter_key() -> None:
    from warning.demo.reporter_key import demo_reporter_key

    key = demo_reporter_key(settings().data_dir)
    if key is not None:
        click.echo(f"演示: 实名举报的举报人信息用 {key} 中的密钥加密（仅供演示；正式使用请把"
                   "密钥放在数据目录和备份之外，用 QINGFENG_REPORTER_KEY_FILE 指定，"
                   "见 docs/petitions.md）")


def _require_directories() -> None:
    """Refuse to start, before the database is touched, without the rules or the channels:
    a service without them would store every signal and evaluate none."""
    for what, path, setting in (("规则", settings().rules_dir, "QINGFENG_RULES_DIR"),
                                ("渠道", settings().channels_dir, "QINGFENG_CHANNELS_DIR")):
        if not path.is_dir():
            fail(f"{what}目录 {path.absolute()} 不存在（由 {setting} 设置，"
                 "相对路径从当前目录算起），服务未启动")


def _probe_port(host: str, port: int, *, shared: bool) -> None:
    """Refuse to start, before anything is loaded or printed, when the port cannot be bound."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if shared:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            fail(f"无法监听 {host}:{port}（端口已被占用或地址无效），服务未启动，"
                 f"未载入任何数据: {error.strerror or error}")


def _reporter_cipher(rt: object) -> object:
    """Load the reporter key; refuse to start without it once reporters are stored."""
    from warning.petitions.keys import ReporterKeyError, ReporterKeySettings, require_key_if_needed

    with rt.sessions() as session:  # type: ignore[attr-defined]
        try:
            return require_key_if_needed(session, ReporterKeySettings())
        except ReporterKeyError as error:
            fail(error.message)
