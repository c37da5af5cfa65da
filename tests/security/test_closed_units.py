# ruff: noqa: F811
"""Closed units (issue 12, finding 9): a unit that is not active cannot write anything.

For every write route that a unit's own people use — listings, images, inquiries, nominations,
profile, logo, colleagues and invitations — and for each status that is not active (suspended,
withdrew, removed), the POST is refused with a 403 that says why, and nothing in the database
changes. The same POST by the same person succeeds, and changes the database, while the unit
is active, so each case can fail. The world is the authorization matrix's (tests/security/
matrix.py); the secretariat's own screens are not restricted (last test).
"""

import html
import io
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import url_for

from alliance import clock
from alliance.auth.models import User
from alliance.extensions import db
from alliance.members import acting
from alliance.members.models import (
    STATUS_ACTIVE,
    STATUS_REMOVED,
    STATUS_SUSPENDED,
    STATUS_WITHDRAWN,
    MemberUnit,
)
from alliance.resources.models import VISIBILITY_PUBLIC, Resource
from tests.security.matrix import MATRIX
from tests.security.matrix_members import png_bytes

# The matrix's module-scoped world and its per-test restore: fixtures, used by name (F811).
from tests.security.test_authorization_matrix import matrix_env, world_app  # noqa: F401

CLOSED = (STATUS_SUSPENDED, STATUS_WITHDRAWN, STATUS_REMOVED)
# Columns that record the request itself rather than what it changed.
VOLATILE: dict[str, set[str]] = {}


@dataclass(frozen=True)
class Case:
    """A write route, who posts it, and (when the matrix's body changes nothing) a better body."""

    endpoint: str
    role: str
    data: object = None  # callable(world) -> form body; the matrix's when None
    args: object = None  # callable(world) -> URL arguments; the matrix's when None
    closes: str = "unit"  # which unit is closed: the owning unit, or the one that acts
    changes: bool = True  # whether the active unit's POST changes a row
    prepare: object = None  # callable(world), in an app context, before the POST

    def __str__(self) -> str:
        return self.endpoint


def _resource_form(w, **overrides) -> dict:
    data = {
        "kind": "offer",
        "category_id": str(w.objects["category"]),
        "title_zh": "关闭单位的资源（示例）",
        "description_zh": "说明",
        "terms": "free",
        "visibility": "members",
        "available_until": (clock.today_local() + timedelta(days=40)).isoformat(),
    }
    data.update(overrides)
    return data


def _profile_form(w) -> dict:
    with db.session.no_autoflush:
        unit = db.session.get(MemberUnit, w.unit)
        data = {
            f: getattr(unit, f) or ""
            for f in ("name_zh", "name_en", "credit_code", "org_type", "address", "website")
        }
        data.update(
            short_name="改过的简称",
            address_visibility=unit.address_visibility,
            phone_visibility=unit.phone_visibility,
            email_visibility=unit.email_visibility,
        )
    return data


def _make_public(w) -> None:
    db.session.get(Resource, w.objects["resource"]).visibility = VISIBILITY_PUBLIC


def _staff(w) -> dict:
    return {"unit_id": w.unit, "colleague_id": w.objects["staff_colleague"]}


CASES = (
    # Listings and their images (the owning unit's staff).
    Case("resources.create", "own_unit_staff", data=_resource_form),
    Case("resources.edit", "own_unit_staff", data=lambda w: _resource_form(w, title_zh="改过")),
    Case("resources.publish", "own_unit_staff"),
    Case("resources.close", "own_unit_staff"),
    Case("resources.extend", "own_unit_staff"),
    Case("resources.upload_image", "own_unit_staff"),
    Case("resources.delete_image", "own_unit_staff"),
    # Inquiries: the owner side replies, closes, marks fulfilled; another unit asks.
    Case("resources.inquiry", "own_unit_staff"),
    Case("resources.close_inquiry", "own_unit_staff"),
    Case("resources.mark_fulfilled", "own_unit_staff"),
    # (A public listing: a closed unit's people no longer see members-only ones at all.)
    Case("resources.ask", "other_unit_member", closes="other_unit", prepare=_make_public),
    # The logo (the unit's admin).
    Case("members.edit_logo", "own_unit_admin"),
    Case("members.remove_logo", "own_unit_admin"),
    # The profile, colleagues and invitations (the unit's admin), and joining by invitation.
    Case("membership.my_unit", "own_unit_admin", data=_profile_form),
    Case("membership.invite", "own_unit_admin"),
    Case("membership.set_role", "own_unit_admin", args=_staff, data=lambda w: {"role": "admin"}),
    Case("membership.remove_colleague", "own_unit_admin", args=_staff),
    Case("membership.make_representative", "own_unit_admin", args=_staff),
    Case("membership.revoke_invitation", "own_unit_admin"),
    Case("membership.old_colleague_action_url", "own_unit_admin", changes=False),
    Case(
        "membership.accept_invitation",
        "anonymous",
        data=lambda w: {
            "display_name": "新同事",
            "password": "a long enough password 1",
            "confirm": "a long enough password 1",
        },
    ),
    # Nominations: a closed unit nominates nobody and answers for itself no more.
    Case("elections.nominate", "own_unit_admin", data=lambda w: _nomination(w)),
    Case("elections.answer", "own_unit_admin"),
)


def _nomination(w) -> dict:
    return {
        "contest_id": w.objects["nominating_contest"],
        "unit_id": w.other_unit,
        "statement": "推荐",
    }


def _files(data: dict) -> dict:
    """Fresh file streams for each request (a stream is consumed by the first)."""
    out = {}
    for key, value in data.items():
        out[key] = (io.BytesIO(png_bytes()), value[1]) if isinstance(value, tuple) else value
    return out


def _rows(app) -> dict:
    """Every row of every table, without the columns that only record the request."""
    with app.app_context():
        out = {}
        for table in db.metadata.sorted_tables:
            skip = VOLATILE.get(table.name, set())
            rows = db.session.execute(table.select()).mappings()
            out[table.name] = sorted(
                repr(sorted((k, v) for k, v in row.items() if k not in skip)) for row in rows
            )
        db.session.remove()
        return out


def _set_status(app, unit_id: int, status: str, prepare=None, world=None) -> str:
    """Give the unit `status`; return the refusal message the reader gets (zh_Hans default)."""
    with app.test_request_context():
        if prepare is not None:
            prepare(world)
        unit = db.session.get(MemberUnit, unit_id)
        unit.status = status
        db.session.commit()
        message = str(acting.not_active_message(unit))
        db.session.remove()
    return message


def _post(app, client, case: Case, world):
    entry = MATRIX[case.endpoint]
    with app.test_request_context():
        url = url_for(case.endpoint, **(case.args or entry.args)(world))
        data = _files((case.data or entry.data)(world))
        db.session.remove()
    return client.post(url, data=data)


@pytest.mark.parametrize("status", CLOSED)
@pytest.mark.parametrize("case", CASES, ids=str)
def test_a_closed_unit_writes_nothing(world_app, case, status):
    app, world, clients = world_app
    unit_id = world.unit if case.closes == "unit" else world.other_unit
    message = _set_status(app, unit_id, status, case.prepare, world)
    before = _rows(app)
    response = _post(app, clients[case.role], case, world)
    assert response.status_code == 403, f"{case} as {case.role}: {response.status_code}"
    assert html.escape(message) in response.text
    assert _rows(app) == before, f"{case}: a {status} unit changed the database"


@pytest.mark.parametrize("case", CASES, ids=str)
def test_the_same_write_works_while_the_unit_is_active(world_app, case):
    app, world, clients = world_app
    unit_id = world.unit if case.closes == "unit" else world.other_unit
    _set_status(app, unit_id, STATUS_ACTIVE, case.prepare, world)
    before = _rows(app)
    response = _post(app, clients[case.role], case, world)
    assert response.status_code in (200, 302, 303, 308), f"{case}: {response.status_code}"
    if case.changes:
        assert _rows(app) != before, f"{case}: an active unit's write changed nothing"


@pytest.mark.parametrize("status", CLOSED)
def test_the_secretariat_still_manages_a_closed_unit(world_app, status):
    app, world, clients = world_app
    _set_status(app, world.unit, status)
    secretariat = clients["secretariat"]
    for case in (
        Case("members.edit_logo", "secretariat"),
        Case("membership.my_unit", "secretariat", data=_profile_form),
        Case("membership.set_role", "secretariat", args=_staff, data=lambda w: {"role": "admin"}),
    ):
        before = _rows(app)
        response = _post(app, secretariat, case, world)
        assert response.status_code in (302, 303), f"{case}: {response.status_code}"
        assert _rows(app) != before, f"{case}: the secretariat's change was not saved"


@pytest.mark.parametrize("status", CLOSED)
def test_a_closed_units_pages_hide_the_write_buttons_and_say_why(world_app, status):
    app, world, clients = world_app
    message = html.escape(_set_status(app, world.unit, status))
    staff, admin = clients["own_unit_staff"], clients["own_unit_admin"]
    listings = staff.get("/my/resources")
    assert listings.status_code == 200 and message in listings.text
    with app.test_request_context():
        create = url_for("resources.create")
        profile = url_for("membership.my_unit", unit_id=world.unit)
        colleagues = url_for("membership.colleagues", unit_id=world.unit)
        inquiry = url_for("resources.inquiry", inquiry_id=world.objects["inquiry"])
    assert f'href="{create}"' not in listings.text
    page = admin.get(profile)
    assert page.status_code == 200 and message in page.text and 'name="phone"' not in page.text
    page = admin.get(colleagues)
    assert page.status_code == 200 and message in page.text and "/invite" not in page.text
    page = staff.get(inquiry)
    assert page.status_code == 200 and message in page.text and 'name="body"' not in page.text
    # The refusal itself says why, on a GET of a write page too.
    refused = staff.get(create)
    assert refused.status_code == 403 and message in refused.text


def test_the_rule_is_one_function(world_app):
    """require_writable refuses a closed unit's people, never the secretariat."""
    app, world, _clients = world_app
    _set_status(app, world.unit, STATUS_SUSPENDED)
    with app.app_context():
        unit = db.session.get(MemberUnit, world.unit)
        staff = db.session.get(User, world.users["own_unit_staff"])
        secretariat = db.session.get(User, world.users["secretariat"])
        with pytest.raises(acting.UnitNotActive) as refused:
            acting.require_writable(unit, staff)
        assert refused.value.status == 403
        with pytest.raises(acting.UnitNotActive):
            acting.writable_unit(staff)
        acting.require_writable(unit, secretariat)  # the secretariat is not restricted
        assert acting.acting_unit(staff) is None and not unit.can_edit(staff)
        db.session.remove()


def _service_calls(world, unit):
    """Each feature's write services, as the closed unit's own people would call them."""
    from alliance.elections import services as elections
    from alliance.elections.models import Candidate, Contest
    from alliance.members import services as members
    from alliance.membership import services as membership
    from alliance.membership.models import Invitation
    from alliance.resources import services as resources
    from alliance.resources.models import Inquiry, ResourceImage

    def user(role):
        return db.session.get(User, world.users[role])

    resource = db.session.get(Resource, world.objects["resource"])
    inquiry = db.session.get(Inquiry, world.objects["inquiry"])
    today = clock.today_local()
    staff, admin = user("own_unit_staff"), user("own_unit_admin")
    colleague = next(c for c in unit.colleagues if c.user_id == staff.id)
    return {
        "resources.create_resource": lambda: resources.create_resource(
            unit, staff, {"title_zh": "x"}, False, today
        ),
        "resources.update_resource": lambda: resources.update_resource(resource, {}),
        "resources.publish_resource": lambda: resources.publish_resource(
            db.session.get(Resource, world.objects["draft_resource"]), today
        ),
        "resources.close_resource": lambda: resources.close_resource(resource, "withdrawn"),
        "resources.extend_resource": lambda: resources.extend_resource(
            resource, today + timedelta(days=90), today
        ),
        "resources.add_image": lambda: resources.add_image(resource, io.BytesIO(png_bytes())),
        "resources.remove_image": lambda: resources.remove_image(
            resource, db.session.get(ResourceImage, world.objects["image"])
        ),
        "resources.reply": lambda: resources.reply(inquiry, staff, "好的"),
        "resources.close_inquiry": lambda: resources.close_inquiry(inquiry, staff),
        "members.set_logo": lambda: members.set_logo(unit, io.BytesIO(png_bytes()), admin),
        "members.remove_logo": lambda: members.remove_logo(unit, admin),
        "membership.update_profile": lambda: membership.update_profile(
            unit, {"short_name": "改"}, admin
        ),
        "membership.invite": lambda: membership.invite(unit, "n@example.org", "staff", admin),
        "membership.set_role": lambda: membership.set_role(unit, colleague, "admin", admin),
        "membership.remove_colleague": lambda: membership.remove_colleague(unit, colleague, admin),
        "membership.set_representative": lambda: membership.set_representative(unit, staff, admin),
        "membership.revoke_invitation": lambda: membership.revoke_invitation(
            db.session.get(Invitation, world.objects["invitation"]), admin
        ),
        "elections.nominate": lambda: elections.nominate(
            db.session.get(Contest, world.objects["nominating_contest"]),
            db.session.get(MemberUnit, world.other_unit),
            admin,
            None,
        ),
        "elections.respond": lambda: elections.respond(
            db.session.get(Candidate, world.objects["candidate"]), admin, True
        ),
    }


SERVICES = (
    "resources.create_resource",
    "resources.update_resource",
    "resources.publish_resource",
    "resources.close_resource",
    "resources.extend_resource",
    "resources.add_image",
    "resources.remove_image",
    "resources.reply",
    "resources.close_inquiry",
    "members.set_logo",
    "members.remove_logo",
    "membership.update_profile",
    "membership.invite",
    "membership.set_role",
    "membership.remove_colleague",
    "membership.set_representative",
    "membership.revoke_invitation",
    "elections.nominate",
    "elections.respond",
)


@pytest.mark.parametrize("name", SERVICES)
def test_every_write_service_refuses_a_closed_unit(world_app, name):
    """The services refuse too, so no caller (view, CLI, future screen) can bypass the rule."""
    app, world, _clients = world_app
    _set_status(app, world.unit, STATUS_SUSPENDED)
    with app.test_request_context():
        unit = db.session.get(MemberUnit, world.unit)
        with pytest.raises(acting.UnitNotActive):
            _service_calls(world, unit)[name]()
        db.session.rollback()
        db.session.remove()
