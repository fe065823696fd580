"""A world for the route-enumerating authorisation test: two departments, every role, markers.

Department A is 采购中心 (CGZX), B is 财务科 (CWK). Each has an audit finding that raised a
warning; A also has a confidential canary petition that raised a warning of its own. Every
text that some role must never see carries a unique marker.
"""

import base64
import hashlib
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from warning.auth.principal import Principal
from warning.auth.users import add_user, issue_token, principal_of
from warning.db.models import ApiToken, Department, Person, PetitionFile, Reporter
from warning.domain.quarter import Quarter
from warning.handling import attachments as files
from warning.handling.records import act
from warning.petitions.keys import ReporterCipher, ReporterIdentity, generate_key
from warning.review.snapshots import store_final
from warning.runtime import Runtime
from warning.services.signal_input import SignalIn
from warning.web.app import create_app
from warning.web.security import SESSION_COOKIE

CANARY = {"title": "金丝雀举报标题Q7781", "text": "金丝雀举报正文Q7781：采购员串标收受购物卡",
          "person": "金丝雀人员Q7781", "external_id": "CANARY-EXT-Q7781"}
AUDIT_A = {"title": "甲部门审计标题A3301", "text": "甲部门审计正文A3301：拆分合同化整为零",
           "person": "甲部门人员A3301", "external_id": "AUD-A-3301"}
AUDIT_B = {"title": "乙部门审计标题B5512", "text": "乙部门审计正文B5512：评标中发现串标",
           "person": "乙部门人员B5512", "external_id": "AUD-B-5512"}
ATTACHMENT_B = "乙部门附件B5512.txt"
# The canary's reporter (encrypted), the office's reply to them and the file they filed:
# for the office only (the identity not even there without a reveal).
REPORTER_CANARY = {"name": "举报人姓名R2201", "phone": "13800002201",
                   "id_number": "11010519491231002X", "unit": "举报人单位R2201",
                   "address": "举报人地址R2201"}
REPLY_CANARY = "给举报人的答复R2201"
FILE_CANARY = "举报材料R2201.txt"
ROLES = {"admin": ("admin", None), "office": ("office", None), "reviewer": ("reviewer", None),
         "handler_a": ("handler", "CGZX"), "handler_b": ("handler", "CWK"),
         "leader_a": ("leader", None)}


@dataclass
class RouteWorld:
    """The app, one session token per role, and the ids of the objects."""

    app: FastAPI
    tokens: dict[str, str]
    signals: dict[str, int]
    """"A", "B", "canary" -> signal id."""
    warnings: dict[str, int]
    """"A", "B", "canary" -> the warning each signal raised."""
    snapshots: dict[str, int]
    """"A", "B", "canary" -> a stored review of the current quarter (one for all)."""
    attachments: dict[str, str]
    """"A", "B", "canary" -> the sha256 of the file on B's record (only B has it)."""
    points: dict[str, str]
    """"A", "B", "canary" -> a risk point code (the register is read by every role)."""
    spare_tokens: dict[str, int] = field(default_factory=dict)
    """"A", "B", "canary" -> id of a spare API token of handler_a, handler_b, the office."""

    def client(self, role: str) -> TestClient:
        """Return a client signed in as `role` with a session cookie (pages and API)."""
        return TestClient(self.app, cookies={SESSION_COOKIE: self.tokens[role]},
                          follow_redirects=False)


OBJECT_KEYS = ("A", "B", "canary")
# Three petitions naming one person in B: a person-subject warning (repeat rule) goes to B.
NAMED_IN_B = "乙被反映人P4404"
PETITIONS_B = [f"反映财务科报销中虚报冒领差旅费，第{n}次反映。P4404" for n in (1, 2, 3)]
ATTACHMENT_B_CONTENT = b"B"


def build_route_world(runtime: Runtime) -> RouteWorld:
    """Log the three signals, attach a file to B's warning and add one user per role."""
    with runtime.sessions() as session, session.begin():
        leader = Person(name="甲部门分管领导", department_id=None)
        session.add(leader)
        session.flush()
        a = session.scalars(select(Department).where(Department.code == "CGZX")).one()
        a.leader_id = leader.id
        users = {
            role: add_user(session, name=role, role=kind, department_code=department,
                           person_id=leader.id if role == "leader_a" else None)
            for role, (kind, department) in ROLES.items()
        }
        tokens = {role: issue_token(session, user=user) for role, user in users.items()}
        owners = {"A": "handler_a", "B": "handler_b", "canary": "office"}
        for owner in owners.values():
            issue_token(session, user=users[owner], label="spare")
        session.flush()
        spare = {key: session.scalars(select(ApiToken.id).where(
            ApiToken.user_id == users[owner].id, ApiToken.label == "spare")).one()
            for key, owner in owners.items()}
        handler_b = principal_of(users["handler_b"])
    items = [
        SignalIn(channel="petition", department="CGZX", **CANARY),
        SignalIn(channel="audit", department="CGZX", amount=12000, **AUDIT_A),
        SignalIn(channel="audit", department="CWK", amount=8800, **AUDIT_B),
    ]
    outcomes = runtime.intake.ingest(items)
    named = runtime.intake.ingest([
        SignalIn(channel="petition", department="CWK", title=f"财务科举报P4404-{n}", text=text,
                 person=NAMED_IN_B, external_id=f"P4404-{n}")
        for n, text in enumerate(PETITIONS_B)
    ])
    assert named[-1].warnings, "the third petition about one person raises a warning"
    signals, warnings = {}, {}
    for key, outcome in zip(("canary", "A", "B"), outcomes, strict=True):
        assert outcome.signal_id is not None and outcome.warnings, (key, outcome)
        signals[key], warnings[key] = outcome.signal_id, outcome.warnings[0].id
    assert len(set(warnings.values())) == 3, warnings
    stored_files = Path(tempfile.mkdtemp(prefix="qf-route-files-"))
    _attach_to_b(runtime, warnings["B"], handler_b, stored_files)
    with runtime.sessions() as session, session.begin():
        stored = store_final(session, quarter=Quarter.containing(datetime.now(UTC)),
                             actor="user:office")
    app = create_app(runtime)
    app.state.attachments_dir = stored_files
    sha = hashlib.sha256(ATTACHMENT_B_CONTENT).hexdigest()
    app.state.reporter_cipher = _report_canary(runtime, signals["canary"], sha)
    return RouteWorld(app, tokens, signals, warnings, dict.fromkeys(OBJECT_KEYS, stored.id),
                      dict.fromkeys(OBJECT_KEYS, sha), dict.fromkeys(OBJECT_KEYS, "CG-001"),
                      spare)


def _attach_to_b(runtime: Runtime, warning_id: int, handler: Principal, directory: Path) -> None:
    prepared = files.prepare([(ATTACHMENT_B, base64.b64encode(ATTACHMENT_B_CONTENT).decode())],
                             1024)
    files.store(prepared, directory)
    with runtime.sessions() as session, session.begin():
        act(session, warning_id=warning_id, principal=handler, action="receive", version=1)
        act(session, warning_id=warning_id, principal=handler, action="note", version=2,
            comment="已查阅", attachments=[p.meta for p in prepared])


def _report_canary(runtime: Runtime, signal_id: int, sha: str) -> ReporterCipher:
    """Give the canary petition a named reporter, a reply and a filed file (the stored B file)."""
    cipher = ReporterCipher([generate_key()])
    with runtime.sessions() as session, session.begin():
        session.add(Reporter(signal_id=signal_id, anonymous=False, intake_mode="visit",
                             identity=cipher.encrypt(ReporterIdentity(**REPORTER_CANARY)),
                             reply=REPLY_CANARY, reply_by="user:office"))
        session.add(PetitionFile(signal_id=signal_id, filename=FILE_CANARY,
                                 size=len(ATTACHMENT_B_CONTENT), sha256=sha))
    return cipher


SILENT_TEXT = ("反映采购中心有关人员在办公用品领用登记中手续不全，领用记录与库存台账对不上，"
               "多次向有关部门口头反映未见答复，希望组织了解核实，给群众一个说法。S9090")
SILENT = [
    {"title": "静默举报标题S9090", "text": SILENT_TEXT, "person": "静默人员S9090",
     "external_id": "SILENT-S9090"},
    {"title": "静默举报再次反映S9091", "text": SILENT_TEXT.replace("口头反映", "当面反映"),
     "person": "静默人员S9090", "external_id": "SILENT-S9091"},
]


def log_silent_canary(runtime: Runtime) -> list[int]:
    """Log a petition about A that raises no warning, and a near-duplicate of it (a case of
    two); return their signal ids."""
    ids = []
    for fields in SILENT:
        outcome = runtime.intake.ingest([SignalIn(channel="petition", department="CGZX",
                                                  **fields)])[0]
        assert outcome.signal_id is not None and not outcome.warnings, outcome
        ids.append(outcome.signal_id)
    return ids
