"""The signed-in viewer: the one object every query takes to decide what may be read."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """What a person does in the program; decides their pages and their data scope."""

    CLIENT = "client"
    CLINICIAN = "clinician"
    DIRECTOR = "director"
    ADMIN = "admin"


@dataclass(frozen=True)
class Viewer:
    """A signed-in person: their role, their sites, and their own client record if any."""

    user_id: int
    username: str
    role: Role
    display_name: str
    site_ids: frozenset[int] = frozenset()
    client_pk: int | None = None
    clinician_pk: int | None = None

    @property
    def scope_key(self) -> tuple[str, int, tuple[int, ...], int | None]:
        """What cached results are keyed by: two viewers with the same key see the same data."""
        return (self.role.value, self.user_id, tuple(sorted(self.site_ids)), self.client_pk)
