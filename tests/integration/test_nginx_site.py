"""Debian's nginx with deploy/nginx/qingfeng.conf in front of `qingfeng serve`, on loopback."""

import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import IN_CI
from tests.tls import certificate
from warning.auth.users import add_user, issue_token
from warning.db.engine import make_engine, make_sessionmaker
from warning.db.migrate import upgrade

ROOT = Path(__file__).parents[2]
SITE = ROOT / "deploy" / "nginx" / "qingfeng.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait(url: str, process: subprocess.Popen[str], **options: object) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            httpx.get(url, timeout=2, **options)  # type: ignore[arg-type]
            return
        except httpx.TransportError:
            time.sleep(0.3)
    pytest.fail(f"{url} did not answer within 60 s")


def site_for_test(app_port: int, http_port: int, https_port: int, cert: Path, key: Path) -> str:
    """Return the shipped site with the test's ports and certificate in place of production's."""
    text = SITE.read_text(encoding="utf-8")
    for old, new in (("server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};"),
                     ("listen 80;", f"listen 127.0.0.1:{http_port};"),
                     ("listen 443 ssl", f"listen 127.0.0.1:{https_port} ssl"),
                     ("/etc/qingfeng/tls/qingfeng.crt", str(cert)),
                     ("/etc/qingfeng/tls/qingfeng.key", str(key))):
        assert old in text, old
        text = text.replace(old, new)
    return text


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[dict[str, object]]:
    """Start the service on loopback and nginx in front of it; yield ports, cert and token."""
    if NGINX is None:
        message = "nginx not installed: apt-get install nginx (CI installs it via .ci/run)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    url = f"sqlite:///{tmp_path / 'q.db'}"
    upgrade(url)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session, session.begin():
        token = issue_token(session, user=add_user(session, name="ops", role="reviewer"))
    engine.dispose()
    app_port, http_port, https_port = _free_port(), _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("QINGFENG_")}
    env |= {"QINGFENG_DATABASE_URL": url, "QINGFENG_RULES_DIR": str(ROOT / "rules"),
            "QINGFENG_CHANNELS_DIR": str(tmp_path / "channels")}
    (tmp_path / "channels").mkdir()
    service = subprocess.Popen(
        [str(Path(sys.executable).parent / "qingfeng"), "serve", "--host", "127.0.0.1",
         "--port", str(app_port), "--no-scheduler"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    cert, key = certificate(tmp_path, "nginx")
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    temp = {name: prefix / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    (prefix / "site.conf").write_text(site_for_test(app_port, http_port, https_port, cert, key))
    (prefix / "nginx.conf").write_text(f"""
daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    access_log {prefix}/access.log;
    client_body_temp_path {temp['body']};
    proxy_temp_path {temp['proxy']};
    fastcgi_temp_path {temp['fastcgi']};
    uwsgi_temp_path {temp['uwsgi']};
    scgi_temp_path {temp['scgi']};
    include {prefix}/site.conf;
}}
""")
    nginx = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf"),
                              "-e", str(prefix / "error.log")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait(f"http://127.0.0.1:{app_port}/healthz", service)
        _wait(f"https://127.0.0.1:{https_port}/healthz", nginx,
              verify=ssl.create_default_context(cafile=str(cert)))
        yield {"https": f"https://127.0.0.1:{https_port}", "http": f"http://127.0.0.1:{http_port}",
               "cert": str(cert), "token": token, "access_log": prefix / "access.log"}
    finally:
        nginx.terminate()
        service.terminate()
        nginx.communicate(timeout=30)
        service.communicate(timeout=30)


def test_the_service_answers_through_nginx(stack: dict[str, object]) -> None:
    trust = ssl.create_default_context(cafile=str(stack["cert"]))
    with httpx.Client(base_url=str(stack["https"]), verify=trust) as client:
        assert client.get("/healthz").json()["status"] == "ok"
        login = client.get("/login")
        assert login.status_code == 200 and "登录" in login.text
        channels = client.get("/api/channels",
                              headers={"Authorization": f"Bearer {stack['token']}"})
        assert channels.status_code == 200 and channels.json() == []
        ready = client.get("/readyz")  # its checks answered through the proxy, with an id
        assert ready.status_code in (200, 503) and set(ready.json()["checks"]) >= {"database"}
        assert len(ready.headers["x-request-id"]) == 32
        static = client.get("/static/app.css")
        assert static.status_code == 200 and "max-age=604800" in static.headers["cache-control"]
        too_big = client.post("/api/signals", content=b"x" * (11 * 1024 * 1024),
                              headers={"Content-Type": "application/json"})
        assert too_big.status_code == 413
        # an address and a time would name an anonymous reporter: not in nginx's log
        assert client.get("/report").status_code == 200
        assert client.get("/report/lookup").status_code == 200
        assert client.post("/api/petitions/receipt", json={"code": "X"}).status_code == 404
    logged = Path(str(stack["access_log"])).read_text(encoding="utf-8")
    assert "GET /login" in logged and "/report" not in logged and "/receipt" not in logged
    plain = httpx.get(f"{stack['http']}/login", follow_redirects=False)
    assert plain.status_code == 301 and plain.headers["location"].startswith("https://")
