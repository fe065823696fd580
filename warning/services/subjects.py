"""Who or what a signal is about: the subject used for repetition and dedup."""

from dataclasses import dataclass

from warning.domain.enums import SubjectKind


@dataclass(frozen=True)
class Subject:
    """A person, post or department a signal concerns."""

    kind: SubjectKind
    key: str
    name: str


def subject_of(
    *, kind: SubjectKind | None, department: str | None, person: str | None, post: str | None,
    signal_id: int | None = None,
) -> Subject:
    """Return the subject of a signal; `kind` asks for one, else the most specific one known.

    A signal about no known department (and no person or post asked for) is about nobody
    known: given its `signal_id` it is its own subject, so unrelated anonymous items never
    share a warning (they had joined one under `department:-` and raised each other's
    grade). An amendment that keeps such a warning's subject keeps its key."""
    dept = department or "-"
    wanted = kind or (
        SubjectKind.PERSON if person else SubjectKind.POST if post else SubjectKind.DEPARTMENT
    )
    if wanted is SubjectKind.PERSON and person:
        return Subject(SubjectKind.PERSON, f"person:{dept}:{person}", person)
    if wanted is SubjectKind.POST and post:
        return Subject(SubjectKind.POST, f"post:{dept}:{post}", post)
    if not department and signal_id is not None:
        return Subject(SubjectKind.DEPARTMENT, f"signal:{signal_id}", "")
    return Subject(SubjectKind.DEPARTMENT, f"department:{dept}", department or "")
