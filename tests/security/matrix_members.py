"""Matrix entries of the member-unit feature: directory, profiles, logos, statistics, taxonomy.

Rules (issue 3): the directory, profiles, statistics and logos are public; a unit's admins and
the secretariat change its logo (staff and the representative do not: "unit admins edit the
profile"); the taxonomy is the secretariat's.
"""

import io

from sqlalchemy import select

from alliance.extensions import db
from alliance.members import services as member_services
from alliance.members.models import ServiceLine
from alliance.members.taxonomy import ensure_default_taxonomy
from tests.factories import png_bytes
from tests.security.access import EVERYONE, OWN_UNIT_ADMIN, SECRETARIAT_ONLY, Access


def build(world, people) -> None:
    """Give the owning unit a logo; make sure the taxonomy exists."""
    ensure_default_taxonomy()
    unit = people["unit"]
    member_services.set_logo(unit, io.BytesIO(png_bytes()))
    world.objects["unit_slug"] = unit.slug
    world.objects["service_line"] = db.session.scalar(
        select(ServiceLine.id).order_by(ServiceLine.position).limit(1)
    )


def _slug(w) -> dict:
    return {"slug": w.objects["unit_slug"]}


def _line(w) -> dict:
    return {"kind": "service-lines", "item_id": w.objects["service_line"]}


ENTRIES = {
    "members.index": Access({"GET": EVERYONE}),
    "members.stats": Access({"GET": EVERYONE}),
    "members.detail": Access({"GET": EVERYONE}, args=_slug),
    "members.logo": Access({"GET": EVERYONE}, args=_slug),
    "members.edit_logo": Access(
        {"GET": OWN_UNIT_ADMIN, "POST": OWN_UNIT_ADMIN},
        args=_slug,
        data=lambda w: {"logo": (io.BytesIO(png_bytes()), "logo.png")},
    ),
    "members.remove_logo": Access({"POST": OWN_UNIT_ADMIN}, args=_slug),
    "members_admin.taxonomy": Access({"GET": SECRETARIAT_ONLY}),
    "members_admin.taxonomy_edit": Access(
        {"GET": SECRETARIAT_ONLY, "POST": SECRETARIAT_ONLY},
        args=_line,
        note="the /new rule of the same endpoint has the same decorator",
    ),
    "members_admin.taxonomy_move": Access(
        {"POST": SECRETARIAT_ONLY}, args=_line, data=lambda w: {"direction": "down"}
    ),
}
