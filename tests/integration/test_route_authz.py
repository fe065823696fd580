"""Every route of the app x every role x own / other / confidential object: status and leaks.

The routes come from the app's own route table. Each needs a row in POLICY and each of its
path parameters a row in OBJECTS; a route added later without them fails this test, so a
new read path cannot ship without a decision on who sees it.
"""

import html
import io
import logging
import re
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.integration.route_world import (
    ATTACHMENT_B,
    AUDIT_A,
    AUDIT_B,
    CANARY,
    FILE_CANARY,
    NAMED_IN_B,
    REPLY_CANARY,
    REPORTER_CANARY,
    ROLES,
    RouteWorld,
    build_route_world,
    log_silent_canary,
)
from warning.auth.visibility import hidden_signals_note
from warning.domain.quarter import Quarter
from warning.review.drill import Figure
from warning.runtime import Runtime
from warning.web.pages.csrf import COOKIE

ALL = frozenset(ROLES)
OFFICE = frozenset({"admin", "office"})
READERS = OFFICE | {"reviewer"}
DEPARTMENT_OF = {"handler_a": "A", "leader_a": "A", "handler_b": "B"}
OBJECTS = ("A", "B", "canary")
PARAMETERS = {"signal_id": "signals", "warning_id": "warnings", "snapshot_id": "snapshots",
              "sha256": "attachments", "code": "points", "token_id": "spare_tokens"}
TOKEN_OWNER = {"A": "handler_a", "B": "handler_b", "canary": "office"}
QUARTER = str(Quarter.containing(datetime.now(UTC)))


def sees_warning(role: str, obj: str) -> bool:
    """Whether `role` may open the warning raised by object `obj`'s signal."""
    return role in READERS or DEPARTMENT_OF[role] == ("A" if obj == "canary" else obj)


def sees_signal(role: str, obj: str) -> bool:
    """Whether `role` may know that object `obj`'s signal exists."""
    return role in READERS or (obj != "canary" and DEPARTMENT_OF[role] == obj)


# The reporter, the office's reply and the filed file: nobody but the office, ever.
PETITION_ONLY = [*REPORTER_CANARY.values(), REPLY_CANARY, FILE_CANARY]


def forbidden(role: str) -> list[str]:
    """Return the marker texts `role` must never receive."""
    canary = [*CANARY.values(), NAMED_IN_B, *PETITION_ONLY]
    if role in OFFICE:
        return list(REPORTER_CANARY.values())  # not even the office, without a reveal
    if role == "reviewer":
        # reviewers keep the redacted view: title yes, text no
        return [CANARY["text"], *PETITION_ONLY]
    other = AUDIT_B if DEPARTMENT_OF[role] == "A" else AUDIT_A
    markers = canary + list(other.values())
    return markers + ([ATTACHMENT_B] if DEPARTMENT_OF[role] == "A" else [])


def ok_for(roles: frozenset[str]) -> Callable[[str, str | None], set[int]]:
    """Return an expectation: 200 for `roles`, 403 or 404 for the others."""
    return lambda role, _obj: {200} if role in roles else {403, 404}


def _warning_page(role: str, obj: str | None) -> set[int]:
    return {200} if obj and sees_warning(role, obj) else {404}


def _signal_page(role: str, obj: str | None) -> set[int]:
    return {200} if obj and sees_signal(role, obj) else {404}


def _signal_api(role: str, obj: str | None) -> set[int]:
    if role not in READERS:
        return {403}
    return {200}


def _case_api(role: str, obj: str | None) -> set[int]:
    # Only petitions are linked into cases; an audit finding answers 404 not_linked.
    return {200 if obj == "canary" else 404} if obj and sees_signal(role, obj) else {404}


def _action(role: str, obj: str | None) -> set[int]:
    # Sent with a stale version: a caller who may see the record gets 409 or 403 (role),
    # never a change; one who may not gets 404.
    return {403, 409, 422} if obj and sees_warning(role, obj) else {404}


def _reveal(role: str, obj: str | None) -> set[int]:
    return {422, 404, 400, 403, 503} if role in OFFICE else {403, 404}


def _attachment(role: str, obj: str | None) -> set[int]:
    # Only B's record carries the file: on A's or the canary's record it is not there.
    return {200} if obj == "B" and sees_warning(role, obj) else {404}


def _revoke_token(role: str, obj: str | None) -> set[int]:
    # Its owner or an admin revokes it (204, then 409 already revoked); others get 404.
    return {204, 409} if obj and role in ("admin", TOKEN_OWNER[obj]) else {404}


def _triage(role: str, _obj: str | None) -> set[int]:
    # 研判 is the office's: anyone else is refused before the object is read. The world's
    # warnings are issued, not proposals (409), and the test's form names no decision (422).
    return {409, 422} if role in OFFICE else {403}


def _signal_triage(role: str, _obj: str | None) -> set[int]:
    # The test's form names no decision: the office gets the field's reason (422).
    return {422} if role in OFFICE else {403}


def _anyone(_role: str, _obj: str | None) -> set[int]:
    return {200}


def _petition_file(role: str, obj: str | None) -> set[int]:
    # Only the canary petition has a filed file, and only the office may open it.
    return {200} if obj == "canary" and role in OFFICE else {404}


def _reply(role: str, obj: str | None) -> set[int]:
    # An empty reply: refused (422) on the confidential canary; A and B are no petitions.
    return {422} if obj == "canary" and role in OFFICE else {404}


def _refused_form(_role: str, _obj: str | None) -> set[int]:
    return {200, 303, 400, 401, 403, 422, 429}


# (method, path) -> expected statuses for (role, object). Objects matter only with a path
# parameter; list routes are checked for leaks in their body.
POLICY: dict[tuple[str, str], Callable[[str, str | None], set[int]]] = {
    ("GET", "/openapi.json"): _anyone,
    ("GET", "/docs"): _anyone,
    ("GET", "/docs/oauth2-redirect"): _anyone,
    ("GET", "/redoc"): _anyone,
    ("GET", "/healthz"): _anyone,
    ("GET", "/docs-assets/redoc.standalone.js"): _anyone,
    ("GET", "/api/tokens"): ok_for(ALL),
    ("DELETE", "/api/tokens/{token_id}"): _revoke_token,
    ("GET", "/api/security-log"): ok_for(OFFICE),
    ("GET", "/security-log"): ok_for(OFFICE),
    ("GET", "/api/warnings/export"): ok_for(ALL),
    ("GET", "/api/signals/export"): ok_for(ALL),
    ("GET", "/api/signals/cases"): ok_for(ALL),
    ("GET", "/api/signals/{signal_id}/case"): _case_api,
    ("POST", "/api/signals"): lambda role, _: {422} if role in OFFICE else {403},
    ("GET", "/api/signals/{signal_id:int}"): _signal_api,
    ("GET", "/api/warnings"): ok_for(ALL),
    ("GET", "/api/warnings/{warning_id:int}"): _warning_page,
    ("POST", "/api/warnings/{warning_id}/actions"): _action,
    ("GET", "/api/inbox"): ok_for(ALL),
    ("GET", "/api/warnings/{warning_id}/events"): _warning_page,
    ("GET", "/api/warnings/{warning_id}/attachments/{sha256}"): _attachment,
    ("GET", "/api/warnings/{warning_id}/record.docx"): _warning_page,
    ("GET", "/warnings/{warning_id}/print"): _warning_page,
    ("POST", "/api/petitions"): lambda role, _: {422} if role in OFFICE else {403},
    ("POST", "/api/petitions/receipt"): lambda _role, _obj: {404, 422, 429},
    ("POST", "/api/petitions/{signal_id}/reveal"): _reveal,
    ("GET", "/api/rules/status"): ok_for(ALL),
    ("POST", "/api/rules/reload"): lambda role, _: {200, 409, 422} if role in OFFICE else {403},
    ("GET", "/api/channels"): ok_for(ALL),
    ("GET", "/api/risk-points"): ok_for(ALL),
    ("GET", "/api/rules"): ok_for(ALL),
    ("GET", "/api/notices"): ok_for(OFFICE),
    ("GET", "/api/review"): ok_for(ALL),
    ("GET", "/api/review/export"): ok_for(ALL),
    ("GET", "/api/review/drill"): ok_for(ALL),
    ("GET", "/api/review/snapshots"): ok_for(READERS),
    ("POST", "/api/review/snapshots"): lambda role, _: {422} if role in OFFICE else {403},
    ("GET", "/api/review/snapshots/{snapshot_id}"): ok_for(READERS),
    ("GET", "/api/review/suggestions"): ok_for(READERS),
    ("POST", "/api/review/suggestions"): lambda role, _: {422} if role in OFFICE else {403},
    ("GET", "/login"): _anyone,
    ("POST", "/login"): _refused_form,
    ("POST", "/logout"): _refused_form,
    ("GET", "/"): ok_for(ALL),
    ("GET", "/signals/new"): ok_for(OFFICE),
    ("POST", "/signals/new"): lambda role, _: {200, 400, 422} if role in OFFICE else {403, 404},
    ("GET", "/signals"): ok_for(ALL),
    ("GET", "/signals/{signal_id:int}"): _signal_page,
    ("GET", "/warnings"): ok_for(ALL),
    ("GET", "/warnings/{warning_id}"): _warning_page,
    ("GET", "/register"): ok_for(ALL),
    ("GET", "/search"): ok_for(ALL),
    ("GET", "/register/points/{code}"): ok_for(ALL),
    ("POST", "/register/points/{code}"): lambda role, _: {422} if role in OFFICE else {404},
    ("GET", "/register/export"): ok_for(ALL),
    ("POST", "/register/import"): lambda role, _: {422} if role in OFFICE else {404},
    ("GET", "/channels"): ok_for(ALL),
    ("GET", "/rules"): ok_for(ALL),
    ("POST", "/rules/reload"): lambda role, _: {200} if role in OFFICE else {404},
    ("POST", "/rules/fixtures"): lambda role, _: {422} if role in OFFICE else {404},
    ("POST", "/signals/{signal_id}/reveal"): _reveal,
    ("POST", "/signals/{signal_id}/reply"): _reply,
    ("GET", "/signals/{signal_id}/files/{sha256}"): _petition_file,
    # The public report pages: no sign-in, the same for everyone (an empty form is refused).
    ("GET", "/report"): _anyone,
    ("POST", "/report"): lambda _role, _obj: {422, 429},
    ("GET", "/report/lookup"): _anyone,
    ("POST", "/report/lookup"): lambda _role, _obj: {422, 429},
    ("GET", "/cases"): ok_for(ALL),
    ("POST", "/warnings/{warning_id}/actions"): _action,
    ("POST", "/warnings/{warning_id}/triage"): _triage,
    ("POST", "/api/warnings/{warning_id}/triage"): _triage,
    ("POST", "/signals/{signal_id}/triage"): _signal_triage,
    ("POST", "/api/signals/{signal_id}/triage"): _signal_triage,
    ("GET", "/inbox"): ok_for(ALL),
    ("GET", "/notices"): ok_for(OFFICE),
    ("GET", "/review"): ok_for(ALL),
    ("GET", "/review/drill"): ok_for(ALL),
    ("POST", "/review/snapshots"): lambda role, _: {422} if role in OFFICE else {404},
    ("GET", "/review/snapshots/{snapshot_id}"): ok_for(READERS),
    ("POST", "/review/suggestions"): lambda role, _: {422} if role in OFFICE else {404},
    ("GET", "/readyz"): lambda _role, _obj: {200, 503},
    # counts that move with every petition and proposal: the machine itself (the test client
    # is not on it) and the office
    ("GET", "/metrics"): ok_for(OFFICE),
    ("GET", "/admin/org"): ok_for(frozenset({"admin"})),
    ("GET", "/admin/users"): ok_for(frozenset({"admin"})),
    **{("POST", path): (lambda role, _: {422} if role == "admin" else {404}) for path in (
        "/admin/org/department", "/admin/org/leader", "/admin/org/post", "/admin/org/person",
        "/admin/users", "/admin/users/change", "/admin/users/active", "/admin/users/password")},
}
# Query strings that reach the other shapes of a list route: exports in every format, and
# filters aimed at the confidential channel, the other department and the canary's id (a
# marker's tail only, since a page may echo its search box).
VARIANTS = {
    "/api/warnings/export": ["?format=csv", "?format=xlsx", "?department=CWK&format=xlsx"],
    "/api/signals/export": ["?format=csv", "?format=xlsx", "?channel=petition&format=csv"],
    "/api/signals": [""],
    "/api/warnings": ["", "?department=CGZX", "?department=CWK"],
    "/api/signals/cases": ["", "?channel=petition"],
    "/signals": ["", "?channel=petition", "?q=Q7781", "?department=CWK"],
    "/warnings": ["", "?department=CGZX", "?department=CWK"],
    "/cases": ["", "?channel=petition"],
    "/api/review/export": ["", "?format=xlsx", "?format=docx"],
    "/api/review/drill": [f"?figure={f.value}&limit=500" for f in Figure],
    "/register/export": ["?format=xlsx", "?format=csv", "?format=yaml"],
    "/review/drill": [f"?quarter={QUARTER}&figure={f.value}" for f in Figure],
    # Each marker's distinctive part as a query (the page repeats the query itself): a user
    # who may not see a marker must not find it either.
    "/search": [f"?q={quote(part)}" for part in ("Q7781", "A3301", "B5512", "采购员串标",
                                                 "化整为零", "评标中发现")],
}
# The routes anyone may call without signing in (besides /login and /logout).
PUBLIC = [("GET", "/report"), ("POST", "/report"), ("GET", "/report/lookup"),
          ("POST", "/report/lookup")]
# Files shipped with the package (and Swagger UI / Redoc's), the same for everyone.
SKIP_MOUNTS = {"/static", "/docs-assets"}


def route_table(app: FastAPI) -> Iterator[tuple[str, str]]:
    """Yield (method, path) of every route the app serves, included routers flattened."""
    def walk(routes: list[Any], prefix: str) -> Iterator[tuple[str, str]]:
        for route in routes:
            if hasattr(route, "original_router"):  # FastAPI >= 0.160 keeps included routers
                yield from walk(route.original_router.routes,
                                prefix + (route.include_context.prefix or ""))
            elif hasattr(route, "methods") and route.methods:
                for method in sorted(route.methods - {"HEAD"}):
                    yield method, prefix + route.path
            else:
                path = prefix + getattr(route, "path", "")
                assert path in SKIP_MOUNTS, f"route {route!r} at {path} has no policy"
    yield from walk(app.routes, "")


def _fill(path: str, world: RouteWorld, obj: str) -> str:
    def one(found: re.Match[str]) -> str:
        name = found.group(1).split(":")[0]
        assert name in PARAMETERS, f"path parameter {{{name}}} of {path} is unknown to the test"
        return str(getattr(world, PARAMETERS[name])[obj])
    return re.sub(r"\{([^}]+)\}", one, path)


def _text(response: Any) -> str:
    body = response.content
    if body[:2] == b"PK":  # .xlsx or .docx: search the XML inside, shared strings included,
        # with character references (&#37329;, as some sheets are written) resolved
        with zipfile.ZipFile(io.BytesIO(body)) as book:
            return html.unescape("".join(
                book.read(n).decode("utf-8", "replace") for n in book.namelist()
                if n.endswith(".xml") and not n.startswith("docProps/")))
    return body.decode("utf-8-sig", "replace")


# What differs between two renderings of the same data: times (ISO, Chinese, and a
# spreadsheet's serial date-times), and signed tokens and nonces.
VOLATILE = re.compile(
    r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?"
    r"|\d{4}年\d{1,2}月\d{1,2}日 ?\d{1,2}:\d{2}"
    r"|\b4\d{4}\.\d+\b"
    r"|[A-Za-z0-9_\-.]{32,}"
)


# For the machine, not a user: request counters move between any two renderings.
MACHINE = {"/metrics", "/readyz", "/healthz"}


def _get_urls(world: RouteWorld) -> Iterator[tuple[str, str]]:
    for method, path in sorted(set(route_table(world.app))):
        if method != "GET":
            continue
        if path in MACHINE:
            continue
        for obj in OBJECTS if "{" in path else (None,):
            url = _fill(path, world, obj) if obj else path
            for suffix in VARIANTS.get(path, [""]):
                yield path, url + suffix


def snapshot(world: RouteWorld, roles: list[str]) -> dict[tuple[str, str], tuple[int, str]]:
    """Return every GET route's status and body, times and tokens blanked, for each role."""
    taken = {}
    for role in roles:
        client = world.client(role)
        for _, url in _get_urls(world):
            answer = client.get(url)
            taken[(role, url)] = (answer.status_code, VOLATILE.sub("~", _text(answer)))
    return taken


def _send(client: TestClient, method: str, url: str) -> Any:
    if method == "GET":
        return client.get(url)
    if method == "DELETE":
        return client.delete(url)
    if url.startswith("/api/"):
        return client.post(url, json={"action": "note", "version": 999, "comment": "x"})
    token = client.cookies.get(COOKIE) or ""
    if not token:
        client.get("/login")
        token = client.cookies.get(COOKIE) or ""
    return client.post(url, data={"csrf_token": token, "action": "note", "version": "999",
                                  "comment": "x", "reason": ""})


@pytest.fixture
def world(runtime: Runtime) -> RouteWorld:
    return build_route_world(runtime)


def check_routes(world: RouteWorld) -> list[str]:
    """Call every route as every role on every object; return each wrong status or leak."""
    problems: list[str] = []
    unseen = {*CANARY.values(), *AUDIT_A.values(), *AUDIT_B.values(), ATTACHMENT_B, NAMED_IN_B,
              REPLY_CANARY, FILE_CANARY}
    routes = sorted(set(route_table(world.app)))
    for method, path in routes:
        assert (method, path) in POLICY, f"{method} {path} has no visibility policy in the test"
    for role in ROLES:
        client = world.client(role)
        markers = forbidden(role)
        for method, path in routes:
            if path == "/logout":
                continue  # checked signed out below: it would end this client's session
            expect = POLICY[(method, path)]
            objects = OBJECTS if "{" in path else (None,)
            for obj in objects:
                url = _fill(path, world, obj) if obj else path
                for suffix in VARIANTS.get(path, [""]) if method == "GET" else [""]:
                    answer = _send(client, method, url + suffix)
                    if answer.status_code not in expect(role, obj):
                        problems.append(f"{role} {method} {url}{suffix} [{obj}]: "
                                        f"{answer.status_code} not in {expect(role, obj)}")
                    body = _text(answer)
                    if role == "office":
                        unseen -= {m for m in unseen if m in body}
                    problems += [f"{role} {method} {url}{suffix} [{obj}] shows {m}"
                                 for m in markers if m in body]
    # Each marker reaches the office somewhere: else a leak of it could not be noticed.
    problems += [f"no route shows the office {m}" for m in sorted(unseen)]
    anonymous = TestClient(world.app, follow_redirects=False)
    everything = [*forbidden("handler_a"), *forbidden("handler_b"), *REPORTER_CANARY.values()]
    for method, path in [("POST", "/logout"), ("POST", "/login"), *PUBLIC]:
        answer = _send(anonymous, method, path)
        if answer.status_code not in POLICY[(method, path)]("admin", None):
            problems.append(f"anonymous {method} {path}: {answer.status_code}")
        problems += [f"anonymous {method} {path} shows {m}" for m in everything
                     if m in _text(answer)]
    return problems


@pytest.mark.slow
def test_every_route_keeps_every_role_to_its_own(
    world: RouteWorld, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        assert check_routes(world) == []
    # Nobody reading the log is entitled to a petition or its reporter: every log line of
    # building the world and of every route called by every role, at every level.
    logged = "\n".join(
        f"{r.getMessage()} {r.exc_text or ''}"
        for r in [*caplog.get_records("setup"), *caplog.get_records("call")])
    secret = [*CANARY.values(), *REPORTER_CANARY.values(), REPLY_CANARY, FILE_CANARY]
    assert [m for m in secret if m in logged] == []
    assert len(logged) > 1000  # the walk's log was read (its requests are logged)


def test_the_department_sees_a_confidential_warning_without_its_petition(
    world: RouteWorld,
) -> None:
    page = world.client("handler_a").get(f"/warnings/{world.warnings['canary']}")
    assert page.status_code == 200
    assert hidden_signals_note(1) in page.text
    assert "物资采购中串通投标" in page.text  # the risk point: what the department must act on
    assert f"/signals/{world.signals['canary']}" not in page.text
    api = world.client("leader_a").get(f"/api/warnings/{world.warnings['canary']}").json()
    assert api["signal_ids"] == [] and api["hidden_signals"] == 1
    office = world.client("office").get(f"/warnings/{world.warnings['canary']}")
    assert CANARY["title"] in office.text and hidden_signals_note(1) not in office.text


def test_a_route_without_a_policy_fails(world: RouteWorld) -> None:
    @world.app.get("/api/unreviewed-new-route")
    def new_route() -> dict[str, str]:
        return {}

    with pytest.raises(AssertionError, match="has no visibility policy"):
        check_routes(world)


@pytest.mark.slow
def test_a_new_petition_changes_nothing_a_department_can_see(
    world: RouteWorld, runtime: Runtime,
) -> None:
    """Existence, not only content: with one more petition about A, every page, list, count,
    export and review a department may open must read exactly as before."""
    departments = ["handler_a", "leader_a", "handler_b"]
    before = snapshot(world, [*departments, "office"])
    log_silent_canary(runtime)
    after = snapshot(world, [*departments, "office"])
    changed = [key for key in before if key[0] in departments and before[key] != after[key]]
    assert changed == []
    # The office's figures do move: else the comparison could not notice anything.
    moved = {url for (role, url) in before if role == "office"
             and before[(role, url)] != after[(role, url)]}
    assert {"/", "/api/signals/cases", "/cases", "/api/review"} <= moved, moved
