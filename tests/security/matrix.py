"""The authorization matrix: for every endpoint, who may use it with which methods.

Every endpoint in `app.url_map` needs an entry here (tests/security/test_authorization_matrix.py
fails otherwise). An entry lists, per HTTP method, the roles that may use the route, and how to
build the URL arguments (and, for POST, a harmless body) against objects of THE OWNING UNIT
(`world.unit`). Every role not listed must get 403 or 404 (anonymous: a redirect to sign-in).

Roles (see build_world):
- anonymous          — not signed in
- other_unit_member  — admin *and* representative of another unit (`world.other_unit`)
- own_unit_staff     — staff of the owning unit
- own_unit_admin     — admin of the owning unit
- representative     — the owning unit's representative (staff member who votes for it)
- secretariat        — global secretariat role, with two-factor sign-in

Each feature has its own module (matrix_members, matrix_membership, matrix_elections,
matrix_resources) with `build(world, people)`, which creates the feature's objects for
`world.unit` through the feature's services and stores their ids in `world.objects[...]`, and
`ENTRIES`, one `Access` per endpoint, whose roles come from the feature's issue and the domain
rules (each module's docstring states them). To add a feature: write such a module and list it in
FEATURES. The world is built once per test module and restored before every route's test, so an
allowed POST may change it freely.
"""

from contextlib import nullcontext

from flask import current_app, has_request_context

from alliance.auth import services as auth_services
from alliance.auth.models import SECRETARIAT
from alliance.database import utcnow
from alliance.extensions import db
from alliance.mail import OutboxMessage
from alliance.members.models import ROLE_STAFF, Colleague
from tests.factories import make_unit, make_user
from tests.security import (
    matrix_elections,
    matrix_members,
    matrix_membership,
    matrix_resources,
)
from tests.security.access import (  # noqa: F401 - re-exported for the test and feature modules
    EVERYONE,
    OWN_UNIT,
    OWN_UNIT_ADMIN,
    ROLES,
    SECRETARIAT_ONLY,
    SIGNED_IN,
    Access,
    World,
)

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
# Each feature module builds its objects and lists its endpoints (build(world, people), ENTRIES).
FEATURES = (matrix_members, matrix_membership, matrix_elections, matrix_resources)


def build_world() -> World:
    """Create the owning unit, another unit, one user per role and the routes' objects.

    Call inside an app context, then commit.
    """
    world = World()
    admin = make_user(email="own-admin@example.org")
    staff = make_user(email="own-staff@example.org")
    representative = make_user(email="own-rep@example.org")
    other = make_user(email="other-admin@example.org")
    secretariat = make_user(
        email="sec@example.org",
        roles=(SECRETARIAT,),
        totp_secret=TOTP_SECRET,
        totp_enabled_at=utcnow(),
    )
    unit = make_unit(admin=admin, representative=representative)
    db.session.add(Colleague(user=staff, unit=unit, role=ROLE_STAFF))
    db.session.add(Colleague(user=representative, unit=unit, role=ROLE_STAFF))
    other_unit = make_unit(admin=other, representative=other)
    message = OutboxMessage(
        recipient=staff.email, subject="s", body="b", template="t", locale="zh_Hans_CN"
    )
    db.session.add(message)
    db.session.flush()
    world.unit, world.other_unit = unit.id, other_unit.id
    people = {
        "other_unit_member": other,
        "own_unit_staff": staff,
        "own_unit_admin": admin,
        "representative": representative,
        "secretariat": secretariat,
    }
    world.users = {role: user.id for role, user in people.items()}
    world.emails = {role: user.email for role, user in people.items()}
    world.objects["outbox_message"] = message.id
    world.objects["reset_token"] = auth_services.make_reset_token(staff)
    world.objects["email_token"] = auth_services.make_email_token(staff, "new-staff@example.org")
    people = {**people, "unit": unit, "other_unit": other_unit}
    # Services build mail links with url_for: give them a request context if there is none.
    with nullcontext() if has_request_context() else current_app.test_request_context():
        for feature in FEATURES:
            feature.build(world, people)
            db.session.flush()
    return world


MATRIX: dict[str, Access] = {
    # Public pages and sign-in.
    "main.index": Access({"GET": EVERYONE}),
    "main.set_language": Access({"POST": EVERYONE}, data=lambda w: {"lang": "en"}),
    "main.healthz": Access({"GET": EVERYONE}),
    "main.readyz": Access({"GET": EVERYONE}),
    "auth.login": Access({"GET": EVERYONE, "POST": EVERYONE}),
    "auth.login_verify": Access(
        {"GET": EVERYONE, "POST": EVERYONE},
        login_redirect_ok=True,
        note="without a pending sign-in, the second step sends everyone back to the first",
    ),
    "auth.forgot_password": Access({"GET": EVERYONE, "POST": EVERYONE}),
    "auth.reset_password": Access(
        {"GET": EVERYONE, "POST": EVERYONE}, args=lambda w: {"token": w.objects["reset_token"]}
    ),
    # One's own account (never another user's: no user id in these URLs).
    "auth.logout": Access({"POST": SIGNED_IN}),
    "auth.account": Access({"GET": SIGNED_IN, "POST": SIGNED_IN}),
    "auth.reauthenticate": Access({"GET": SIGNED_IN, "POST": SIGNED_IN}),
    "auth.change_password": Access({"GET": SIGNED_IN, "POST": SIGNED_IN}),
    "auth.change_email": Access({"GET": SIGNED_IN, "POST": SIGNED_IN}),
    "auth.confirm_email": Access(
        {"GET": SIGNED_IN, "POST": SIGNED_IN},
        args=lambda w: {"token": w.objects["email_token"]},
        note="the token belongs to own_unit_staff; for anyone else it is refused with a flash",
    ),
    "auth.two_factor": Access({"GET": SIGNED_IN}),
    "auth.two_factor_enable": Access({"POST": SIGNED_IN}),
    "auth.two_factor_recovery_codes": Access({"POST": SIGNED_IN}),
    "auth.two_factor_disable": Access({"POST": SIGNED_IN}),
    # Secretariat screens.
    "admin.index": Access({"GET": SECRETARIAT_ONLY}),
    "admin.outbox": Access({"GET": SECRETARIAT_ONLY}),
    "admin.outbox_message": Access(
        {"GET": SECRETARIAT_ONLY}, args=lambda w: {"message_id": w.objects["outbox_message"]}
    ),
    "admin.audit_log": Access({"GET": SECRETARIAT_ONLY}),
    "admin.users": Access({"GET": SECRETARIAT_ONLY}),
    "admin.user_detail": Access(
        {"GET": SECRETARIAT_ONLY, "POST": SECRETARIAT_ONLY},
        args=lambda w: {"user_id": w.users["own_unit_staff"]},
        data=lambda w: {"active": "y"},
    ),
}
for _feature in FEATURES:
    assert not set(_feature.ENTRIES) & set(MATRIX), f"{_feature.__name__} repeats an endpoint"
    MATRIX.update(_feature.ENTRIES)

# Endpoints that serve files and need no entry.
IGNORED = {"static", "bootstrap.static"}
