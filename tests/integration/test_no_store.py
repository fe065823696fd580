"""No answer but a shipped file may be kept by a browser or proxy cache: every route, as every
role, says no-store (or private, no-store), so a petition read over the API on a shared office
machine is not left in its cache for the next user."""

from fastapi.testclient import TestClient

from tests.integration.route_world import ROLES, build_route_world
from tests.integration.test_route_authz import OBJECTS, _fill, _send, route_table
from warning.runtime import Runtime

SHIPPED = ("/docs-assets/",)


def test_every_answer_but_shipped_files_is_no_store(runtime: Runtime) -> None:
    world = build_route_world(runtime)
    routes = sorted(set(route_table(world.app)))
    missing = []
    clients = {role: world.client(role) for role in ("office", "handler_a")}
    clients["anonymous"] = TestClient(world.app, follow_redirects=False)
    assert set(clients) - {"anonymous"} <= set(ROLES)
    for role, client in clients.items():
        for method, path in routes:
            if path == "/logout" or path.startswith(SHIPPED):
                continue
            for obj in OBJECTS if "{" in path else (None,):
                url = _fill(path, world, obj) if obj else path
                answer = _send(client, method, url)
                if "no-store" not in answer.headers.get("cache-control", ""):
                    missing.append(f"{role} {method} {url} {answer.status_code}: "
                                   f"{answer.headers.get('cache-control')}")
    assert missing == []
    shipped = clients["anonymous"].get("/static/app.css")
    assert shipped.status_code == 200 and "no-store" not in shipped.headers.get(
        "cache-control", "")
