"""Who is asking: the signed-in user's role, department and person."""

from dataclasses import dataclass

from warning.domain.actors import user_actor
from warning.domain.lifecycle import Role


@dataclass(frozen=True)
class Principal:
    """The caller of a request or a command."""

    user_id: int
    name: str
    role: Role
    department_id: int | None = None
    person_id: int | None = None

    @property
    def reads_all(self) -> bool:
        return self.role in (Role.ADMIN, Role.OFFICE, Role.REVIEWER)

    @property
    def actor(self) -> str:
        return user_actor(self.name)
