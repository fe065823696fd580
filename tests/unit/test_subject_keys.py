"""Subject keys: a signal about no known department is its own subject, also after the
office amends its warning (`department:-` pooled unrelated items into one warning)."""

from warning.domain.enums import SubjectKind
from warning.services.subjects import subject_of
from warning.triage.amend import subject_for


def test_a_signal_naming_nobody_is_its_own_subject() -> None:
    keys = {subject_of(kind=None, department=None, person=None, post=None, signal_id=n).key
            for n in (1, 2)}
    assert keys == {"signal:1", "signal:2"}


def test_an_amendment_keeping_no_department_keeps_the_signal_key() -> None:
    """Changing only the response of such a proposal re-derives its subject from the form:
    it must come back as the same `signal:<id>`, not the shared `department:-`."""
    assert subject_for("department", "", "", 7).key == "signal:7"
    assert subject_for("department", "", "", 8).key != subject_for("department", "", "", 7).key


def test_named_subjects_keep_their_keys() -> None:
    assert subject_of(kind=None, department="CGZX", person=None, post=None,
                      signal_id=3).key == "department:CGZX"
    assert subject_of(kind=SubjectKind.PERSON, department=None, person="张三", post=None,
                      signal_id=3).key == "person:-:张三"
    assert subject_for("post", "出纳", "CWK", 3).key == "post:CWK:出纳"
