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
    #: The command line and the demo builder; never an account.
    OPERATOR = "operator"


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


def operator_viewer(name: str) -> Viewer:
    """The viewer the command line (or the demo builder) acts as: ``name`` in the audit log.

    Returns an operator viewer with no sites and no client record.
    """
    return Viewer(user_id=0, username=name, role=Role.OPERATOR, display_name=name)
