"""Validation at the edge: ids, offsets, NUL in query/path/form, chunked bodies, OpenAPI.

The class: every route, every parameter of each kind; not one example route.
"""

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from tests.integration.page_client import build_site
from tests.integration.route_world import RouteWorld, build_route_world
from tests.integration.test_api_signals import _token
from tests.integration.test_route_authz import _fill, route_table
from warning.runtime import Runtime
from warning.web.app import create_app
from warning.web.pages.csrf import COOKIE

COMMON = {"400", "401", "403", "404", "413", "422"}


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    token = _token(runtime, "office", "office")
    with TestClient(create_app(runtime)) as test_client:
        test_client.headers["Authorization"] = f"Bearer {token}"
        yield test_client


def _operations(client: TestClient) -> list[tuple[str, str, dict]]:
    spec = client.get("/openapi.json").json()
    return [(method, path, op) for path, ops in spec["paths"].items()
            for method, op in ops.items()]


def test_every_operation_documents_the_common_errors_with_the_error_body(
    client: TestClient,
) -> None:
    for method, path, op in _operations(client):
        assert set(op["responses"]) >= COMMON, (method, path, sorted(op["responses"]))
        for status, answer in op["responses"].items():
            if status.startswith("4") or status.startswith("5"):
                schema = answer["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (path, status)


def test_every_id_path_parameter_is_bounded_to_1_and_2_31_minus_1(client: TestClient) -> None:
    for method, path, op in _operations(client):
        ids = [p for p in op.get("parameters", []) if p["in"] == "path"]
        if not ids:
            continue
        for value in ("0", "2147483648", "99999999999999999999"):
            url = path
            for parameter in ids:
                url = url.replace("{" + parameter["name"] + "}", value)
            answer = client.request(method.upper(), url, json={})
            assert answer.status_code == 422, (method, url, answer.text)


def test_every_int_query_parameter_is_bounded(client: TestClient) -> None:
    for _method, path, op in _operations(client):
        for parameter in op.get("parameters", []):
            schema = parameter.get("schema", {})
            kinds = [schema.get("type")] + [s.get("type") for s in schema.get("anyOf", [])]
            if parameter["in"] != "query" or "integer" not in kinds:
                continue
            bounded = schema if "maximum" in schema else next(
                s for s in schema["anyOf"] if s.get("type") == "integer")
            assert "maximum" in bounded and "minimum" in bounded, (path, parameter["name"])
            answer = client.get(path, params={parameter["name"]: str(2**63)})
            assert answer.status_code == 422, (path, parameter["name"], answer.text)


def test_nul_in_any_query_filter_is_refused_naming_it(client: TestClient) -> None:
    for method, path, op in _operations(client):
        if method != "get" or "{" in path:
            continue
        for parameter in op.get("parameters", []):
            if parameter["in"] != "query":
                continue
            answer = client.get(path, params={parameter["name"]: "a\x00b"})
            assert answer.status_code == 422, (path, parameter["name"], answer.text)
            assert parameter["name"] in answer.json()["error"]["field"]


def test_nul_in_a_path_or_a_form_field_is_refused(client: TestClient) -> None:
    answer = client.get("/api/signals/cases%00")
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "path"
    answer = client.post("/api/petitions/receipt", content="code=a%00",
                         headers={"content-type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "form.code"


def test_a_chunked_body_over_the_limit_gets_413_on_every_body_route(
    client: TestClient, runtime: Runtime
) -> None:
    limit = runtime.settings.max_body_bytes

    def chunks() -> Iterator[bytes]:
        yield b'{"title": "'
        for _ in range(limit // 1_000_000 + 1):
            yield b"x" * 1_000_000
        yield b'"}'

    for method, path, _ in _operations(client):
        if method != "post":
            continue
        url = path.replace("{warning_id}", "1").replace("{signal_id}", "1")
        answer = client.post(url, content=chunks(), headers={"content-type": "application/json"})
        assert answer.status_code == 413, (url, answer.text[:200])
        assert answer.json()["error"]["code"] == "body_too_large"


def test_nul_in_a_multipart_page_form_field_is_refused(runtime: Runtime, tmp_path: Path) -> None:
    site = build_site(runtime, tmp_path)
    client = site.client("office")
    for field in ("title", "text", "person"):
        client.get("/signals/new")  # the page sets the session's CSRF cookie
        answer = client.post("/signals/new", data={
            "csrf_token": client.cookies[COOKIE], "channel": "petition", "external_id": "N-1",
            "title": "标题", field: "坏\x00的"}, files={"attachment": ("a.txt", b"x")})
        assert answer.status_code == 422, (field, answer.text[:300])
        assert answer.headers["content-type"].startswith("text/html"), answer.text[:300]
        assert f"“{field}”" in answer.text


# Texts that str.isdigit() accepts but int() refuses ("²") or reads (Arabic-Indic "٣"), and
# numbers past what SQLite (2^63) and PostgreSQL's INTEGER (2^31) hold.
BAD_NUMBERS = ("²", "٣", "１２", "99999999999999999999", "2147483648", "-1", " 7")
# The form fields a page reads as an id, a version or a page number.
NUMBER_FIELDS = ("version", "user_id", "into", "duplicate_of", "page", "signal_id")


@pytest.fixture
def world(runtime: Runtime) -> RouteWorld:
    return build_route_world(runtime)


def _page_client(world: RouteWorld, role: str) -> TestClient:
    client = TestClient(world.app, cookies=world.client(role).cookies, follow_redirects=False,
                        raise_server_exceptions=False)
    client.get("/login")  # the CSRF cookie for the forms
    return client


def _fill_with(path: str, value: str, world: RouteWorld) -> str:
    def one(found: re.Match[str]) -> str:
        name = found.group(1)
        return world.attachments["B"] if name == "sha256" else quote(value)
    return re.sub(r"\{([^}:]+)\}", one, path)


@pytest.mark.slow
def test_no_page_route_fails_on_an_odd_number_in_its_path_query_or_form(
    world: RouteWorld,
) -> None:
    """Every page and API route, every path parameter read as text, every ?page= and every
    number field of a page form: an odd number is 404 or 422, never a 500."""
    failures = []
    routes = sorted(set(route_table(world.app)))
    for role in ("admin", "office", "handler_a"):
        client = _page_client(world, role)
        token = client.cookies.get(COOKIE) or ""
        for method, path in routes:
            if path == "/logout":
                continue
            for value in BAD_NUMBERS:
                # a path parameter with the :int converter never matches these; the others
                # are read by the route itself
                url = _fill_with(path, value, world) if "{" in path else path
                if "{" in url:
                    continue
                if method == "GET":
                    answer = client.get(url, params={"page": value})
                elif method == "POST":
                    fields = dict.fromkeys(NUMBER_FIELDS, value)
                    answer = client.post(url, data={"csrf_token": token, "action": "note",
                                                     "decision": "merge", **fields})
                else:
                    answer = client.request(method, url)
                if answer.status_code >= 500:
                    failures.append(f"{role} {method} {url} -> {answer.status_code}")
    assert failures == []


def test_a_triage_form_reads_only_ascii_ids(world: RouteWorld) -> None:
    client = _page_client(world, "office")
    for value in BAD_NUMBERS:
        answer = client.post(f"/api/warnings/{world.warnings['A']}/triage",
                             json={"decision": "merge", "into": value})
        assert answer.status_code in (409, 422), (value, answer.text)
        answer = client.post(f"/api/signals/{world.signals['A']}/triage",
                             json={"decision": "duplicate", "duplicate_of": value})
        assert answer.status_code == 422, (value, answer.text)


def test_every_page_form_refuses_nul_with_a_page_naming_the_field(world: RouteWorld) -> None:
    """Urlencoded (read before the route) and multipart (read by the route's check_form): the
    answer is the page's HTML naming the field, never the API's JSON."""
    failures = []
    client = _page_client(world, "admin")
    token = client.cookies.get(COOKIE) or ""
    for method, path in sorted(set(route_table(world.app))):
        if method != "POST" or path.startswith("/api/") or path == "/logout":
            continue
        url = _fill(path, world, "B")
        fields = {"csrf_token": token, "title": "标题", "comment": "坏\x00字段名"}
        for answer in (client.post(url, data=fields),
                       client.post(url, data=fields, files={"x": ("a.txt", b"x")})):
            kind = answer.headers.get("content-type", "")
            if answer.status_code >= 500 or not kind.startswith("text/html"):
                failures.append(f"{url}: {answer.status_code} {kind} {answer.text[:80]}")
            elif answer.status_code == 422 and "comment" not in answer.text and (
                    url != "/report" or "无法保存的字符" not in answer.text):
                failures.append(f"{url}: 422 without naming the field")
    assert failures == []


def test_the_public_report_form_keeps_what_was_typed_when_a_field_holds_nul(
    world: RouteWorld,
) -> None:
    client = TestClient(world.app, follow_redirects=False)
    client.get("/report")
    for files in (None, {"attachment": ("a.txt", b"x")}):
        answer = client.post("/report", data={
            "csrf_token": client.cookies[COOKIE], "title": "采购问题反映", "text": "正文\x00",
            "anonymous": "1"}, files=files)
        assert answer.status_code == 422 and "举报内容" in answer.text, answer.text[:300]
        assert "采购问题反映" in answer.text  # the title the reporter typed is still there


def test_every_page_form_answers_a_form_it_cannot_parse_with_a_page(world: RouteWorld) -> None:
    """No multipart boundary, or more fields than Starlette reads: 400 as a page, not JSON."""
    failures = []
    client = _page_client(world, "admin")
    token = client.cookies.get(COOKIE) or ""
    many = "&".join(f"f{n}=1" for n in range(1200))
    broken = [("multipart/form-data", b"--x\r\n"),
              ("application/x-www-form-urlencoded", f"csrf_token={token}&{many}".encode())]
    for method, path in sorted(set(route_table(world.app))):
        if method != "POST" or path.startswith("/api/") or path == "/logout":
            continue
        url = _fill(path, world, "B")
        for kind, body in broken:
            answer = client.post(url, content=body, headers={"content-type": kind})
            shown = answer.headers.get("content-type", "")
            if answer.status_code >= 500 or not shown.startswith("text/html"):
                failures.append(f"{url} {kind}: {answer.status_code} {shown}")
    assert failures == []


def test_a_path_parameter_of_thousands_of_digits_is_refused_on_every_route(
    world: RouteWorld,
) -> None:
    """Past Python's 4300-digit int() limit the :int converter raised before any route ran."""
    failures = []
    client = _page_client(world, "office")
    for method, path in sorted(set(route_table(world.app))):
        if "{" not in path:
            continue
        url = re.sub(r"\{[^}]+\}", "9" * 5000, path)
        for accept in ("application/json", "text/html"):
            answer = client.request(method, url, headers={"accept": accept})
            if not 400 <= answer.status_code < 500:
                failures.append(f"{method} {path} ({accept}): {answer.status_code}")
    assert failures == []


DATES = {"date-time": "2026-01-05T09:00:00+08:00", "date": "2026-01-05"}


def _example(schema: dict, components: dict) -> object:
    """Return a plausible value for a JSON schema (the first choice of each union)."""
    if "$ref" in schema:
        return _example(components[schema["$ref"].rsplit("/", 1)[1]], components)
    for union in ("anyOf", "oneOf", "allOf"):
        if union in schema:
            options = [s for s in schema[union] if s.get("type") != "null"]
            return _example(options[0], components) if options else None
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return {name: _example(sub, components)
                for name, sub in schema.get("properties", {}).items()}
    if kind == "array":
        return [_example(schema.get("items", {}), components)]
    if kind == "string":
        return DATES.get(schema.get("format", ""), "文字")
    return {"integer": 1, "number": 1, "boolean": True}.get(kind or "", "文字")


def _string_paths(value: object, at: tuple = ()) -> Iterator[tuple]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _string_paths(item, (*at, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _string_paths(item, (*at, index))
    elif isinstance(value, str):
        yield at


def _with_nul(body: object, path: tuple) -> object:
    import copy
    changed = copy.deepcopy(body)
    node = changed
    for part in path[:-1]:
        node = node[part]  # type: ignore[index]
    node[path[-1]] = "坏\x00的"  # type: ignore[index]
    return changed


def test_nul_in_any_string_of_any_json_body_is_refused_naming_it(
    world: RouteWorld,
) -> None:
    """Every POST, PUT and PATCH with a JSON body, every string in it, as the office: a NUL
    is refused with 422 naming the field (on PostgreSQL it was a 500 where a model let it
    through)."""
    client = TestClient(world.app, raise_server_exceptions=False,
                        headers={"Authorization": f"Bearer {world.tokens['office']}"})
    spec = client.get("/openapi.json").json()
    components = spec.get("components", {}).get("schemas", {})
    tried = 0
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            content = op.get("requestBody", {}).get("content", {})
            if method not in ("post", "put", "patch") or "application/json" not in content:
                continue
            body = _example(content["application/json"]["schema"], components)
            url = _fill(path, world, "A")
            for where in _string_paths(body):
                answer = client.request(method.upper(), url, json=_with_nul(body, where))
                tried += 1
                assert answer.status_code == 422, (method, url, where, answer.text[:300])
                named = [d["field"] for d in answer.json()["error"].get("details", [])]
                dotted = ".".join(str(part) for part in where)
                assert dotted in named, (method, url, where, answer.text[:300])
    assert tried >= 10


def test_nul_in_an_uploaded_file_name_never_fails_a_page_route(world: RouteWorld) -> None:
    """Every page form, an uploaded file named with NUL (attachments keep their names):
    refused or stored without it, never a 500."""
    failures = []
    client = _page_client(world, "admin")
    token = client.cookies.get(COOKIE) or ""
    for method, path in sorted(set(route_table(world.app))):
        if method != "POST" or path.startswith("/api/") or path == "/logout":
            continue
        url = _fill(path, world, "B")
        for name in ("attachment", "attachments", "file"):
            answer = client.post(url, data={"csrf_token": token, "title": "标题",
                                            "comment": "说明"},
                                 files={name: ("坏\x00名.txt", b"x")})
            if answer.status_code >= 500:
                failures.append(f"{url} ({name}): {answer.status_code} {answer.text[:80]}")
    assert failures == []
