"""A small world of petitions and warnings in two departments, for page, case and export tests.

Department A is 采购中心 (CGZX), department B is 财务科 (CWK). A has a named petition and
two near-duplicate repeats of it (one case of three); B has a petition of its own, and both
have open audit findings. Users sign in to the pages with a session cookie.
"""

import re
from dataclasses import dataclass
from decimal import Decimal

from fastapi import FastAPI
from fastapi.testclient import TestClient

from warning.auth.users import add_user, issue_token
from warning.petitions.input import PetitionIn, ReporterIn
from warning.petitions.keys import ReporterCipher
from warning.petitions.service import store_petition
from warning.runtime import Runtime
from warning.services.signal_input import SignalIn
from warning.web.security import SESSION_COOKIE

REPORTER = {"name": "举报人甲乙", "contact": "13912345678", "id_number": "110101198001019875",
            "phone": "13812345670", "unit": "举报人单位U6061", "address": "举报人地址D6062"}
CASE_TEXT = (
    "举报采购中心张某某在2024年办公设备采购项目中，与供应商串通投标，事先泄露标底，"
    "并收受供应商好处费约五万元。该项目预算一百二十万元，中标单位报价与标底仅差三百元。请组织核查。"
)
REPEATS = [
    CASE_TEXT.replace("约五万元", "大约5万元").replace("请组织核查", "请予核查"),
    CASE_TEXT.replace("。", "."),
]
B_TEXT = "反映财务科李某在报销审核中虚报冒领差旅费，并与供应商串标，请核查。"
SECRET_WORD = "举报内容保密字样"
USERS = {
    "office": ("office", None), "admin": ("admin", None), "reviewer": ("reviewer", None),
    "handler_a": ("handler", "CGZX"), "handler_b": ("handler", "CWK"),
    "office_a": ("office", "CGZX"),
}


@dataclass
class Petitions:
    """The signals logged: A's case (first and repeats), B's petition, both audit findings."""

    first: int
    repeats: list[int]
    petition_b: int
    audit_a: int
    audit_b: int


@dataclass
class World(Petitions):
    """The signals, the app and one API token per user."""

    app: FastAPI
    tokens: dict[str, str]

    def client(self, user: str) -> TestClient:
        """Return a client signed in to pages and API as `user` (session cookie)."""
        return TestClient(self.app, cookies={SESSION_COOKIE: self.tokens[user]},
                          follow_redirects=False)


def _petition(title: str, text: str, department: str, named: bool) -> PetitionIn:
    reporter = ReporterIn.model_validate(REPORTER) if named else None
    return PetitionIn(title=title, text=text, department=department, person="张某某",
                      amount=Decimal("50000"), reporter=reporter, anonymous=not named)


def build_world(runtime: Runtime, app: FastAPI, cipher: ReporterCipher) -> World:
    """Log the petitions and audit findings and create one user (with a token) per role."""
    with runtime.sessions() as session, session.begin():
        tokens = {
            name: issue_token(session, user=add_user(session, name=name, role=role,
                                                     department_code=department))
            for name, (role, department) in USERS.items()
        }
    return World(**seed_petitions(runtime, cipher).__dict__, app=app, tokens=tokens)


def seed_petitions(runtime: Runtime, cipher: ReporterCipher) -> Petitions:
    """Log A's case of three, B's petition and an audit finding in each, and evaluate them."""
    petitions = [
        _petition("关于采购中心串标的举报", f"{CASE_TEXT}{SECRET_WORD}", "CGZX", named=True),
        _petition("再次反映采购中心串标", REPEATS[0], "CGZX", named=False),
        _petition("第三次反映采购中心串标", REPEATS[1], "CGZX", named=True),
        _petition("关于财务科的举报", f"{B_TEXT}{SECRET_WORD}", "CWK", named=True),
    ]
    ids = []
    for petition in petitions:
        with runtime.sessions() as session, session.begin():
            ids.append(store_petition(session, petition=petition, cipher=cipher).signal_id)
    outcomes = runtime.intake.ingest([
        SignalIn(channel="audit", external_id="AU-A", title="=HYPERLINK(\"http://x\")审计发现",
                 text="设备采购存在陪标情况", department="CGZX", amount=Decimal("120000")),
        SignalIn(channel="audit", external_id="AU-B", title="财务科审计发现",
                 text="报销中发现围标线索", department="CWK", amount=Decimal("8800.50")),
    ])
    runtime.intake.evaluate(ids)
    audit_a, audit_b = (o.signal_id for o in outcomes)
    assert audit_a is not None and audit_b is not None
    return Petitions(ids[0], ids[1:3], ids[3], audit_a, audit_b)


def csrf_of(html: str) -> str:
    """Return the CSRF token a page's form carries."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no csrf token on the page"
    return found.group(1)
