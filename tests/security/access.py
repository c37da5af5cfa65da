"""The roles of the authorization matrix and the shape of one entry (see matrix.py)."""

from collections.abc import Callable
from dataclasses import dataclass, field

ROLES = (
    "anonymous",
    "other_unit_member",
    "own_unit_staff",
    "own_unit_admin",
    "representative",
    "secretariat",
)

EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
SECRETARIAT_ONLY = frozenset({"secretariat"})
OWN_UNIT = frozenset({"own_unit_staff", "own_unit_admin", "representative"})
OWN_UNIT_ADMIN = frozenset({"own_unit_admin", "secretariat"})


@dataclass
class World:
    """The objects every route is requested against; ids only (safe across app contexts)."""

    unit: int = 0
    other_unit: int = 0
    users: dict[str, int] = field(default_factory=dict)  # role -> user id
    emails: dict[str, str] = field(default_factory=dict)  # role -> email
    objects: dict[str, object] = field(default_factory=dict)


def _no_args(_world: World) -> dict:
    return {}


@dataclass(frozen=True)
class Access:
    methods: dict[str, frozenset[str]]
    # URL arguments and, for POST, a body; both are called inside a request context of the
    # app under test (so they may query the database).
    args: Callable[[World], dict] = _no_args
    data: Callable[[World], dict] = _no_args
    note: str = ""
    # True when sending an allowed user to the sign-in page is the route's normal answer.
    login_redirect_ok: bool = False
