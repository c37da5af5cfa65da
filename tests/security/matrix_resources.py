"""Matrix entries of the resources feature: browse, resources, images, inquiries, moderation.

Rules (issue 5 and the domain notes):
- browsing and the feed are public; a members-only resource (the one used here) and its images
  are for people of an active member unit and the secretariat (anonymous visitors are sent to
  sign in);
- the owner unit's people (admins and staff: "owners manage resources") create, edit, publish,
  close and extend its resources and manage their images; nobody else, not the secretariat;
- "ask about this" is for people of another active unit;
- a thread is read by the two units' people and the secretariat, written and closed by the two
  units only; the owner side marks the resource fulfilled. The thread used here is between the
  owning unit's resource and a third unit, so the other unit's admin is an outsider to it;
- moderation (hide, unhide, feature) and categories are the secretariat's.
"""

import io
from datetime import timedelta

from sqlalchemy import select

from alliance import clock
from alliance.extensions import db
from alliance.resources import services as resource_services
from alliance.resources.models import ResourceCategory, ResourceImage
from tests.factories import make_unit, make_user
from tests.security.access import EVERYONE, OWN_UNIT, SECRETARIAT_ONLY, SIGNED_IN, Access
from tests.security.matrix_members import png_bytes

WITH_A_UNIT = SIGNED_IN - {"secretariat"}  # "my" pages of whichever unit the user belongs to


def _resource_data(category_id: int, **overrides) -> dict:
    today = clock.today_local()
    data = dict.fromkeys(resource_services.EDITABLE_FIELDS)
    data.update(
        kind="offer",
        category_id=category_id,
        title_zh="软件测试实训基地（示例）",
        description_zh="可容纳 **40** 名学员。",
        terms="free",
        visibility="members",
        available_until=today + timedelta(days=30),
    )
    data.update(overrides)
    return data


def build(world, people) -> None:
    resource_services.ensure_default_categories()
    unit, staff = people["unit"], people["own_unit_staff"]
    today = clock.today_local()
    category = db.session.scalar(select(ResourceCategory).order_by(ResourceCategory.id).limit(1))
    resource = resource_services.create_resource(
        unit, staff, _resource_data(category.id), True, today
    )
    draft = resource_services.create_resource(
        unit, staff, _resource_data(category.id, title_zh="草稿"), False, today
    )
    db.session.flush()
    for _ in range(3):
        resource_services.add_image(resource, io.BytesIO(png_bytes()))
    # A third unit asks about the owning unit's resource.
    asker = make_user(email="asker@example.org")
    make_unit(admin=asker, representative=asker)
    db.session.flush()
    inquiry = resource_services.ask(resource, asker, "请问可以参观吗？", today)
    db.session.flush()
    world.objects.update(
        resource=resource.id,
        draft_resource=draft.id,
        inquiry=inquiry.id,
        category=category.id,
        image=resource.images[0].id,
    )


def _resource(w) -> dict:
    return {"resource_id": w.objects["resource"]}


def _first_image(w) -> dict:
    """The resource's first remaining image (an allowed delete removes one per request)."""
    image_id = db.session.scalar(
        select(ResourceImage.id)
        .where(ResourceImage.resource_id == w.objects["resource"])
        .order_by(ResourceImage.id)
        .limit(1)
    )
    return {"resource_id": w.objects["resource"], "image_id": image_id}


def _inquiry(w) -> dict:
    return {"inquiry_id": w.objects["inquiry"]}


ENTRIES = {
    "resources.index": Access({"GET": EVERYONE}),
    "resources.feed": Access({"GET": EVERYONE}),
    "resources.detail": Access({"GET": SIGNED_IN}, args=_resource, note="members-only resource"),
    "resources.image": Access({"GET": SIGNED_IN}, args=lambda w: {"image_id": w.objects["image"]}),
    "resources.ask": Access(
        {"POST": frozenset({"other_unit_member"})},
        args=_resource,
        data=lambda w: {"body": "能否下周参观？"},
    ),
    "resources.my_resources": Access({"GET": WITH_A_UNIT}),
    "resources.create": Access(
        {"GET": WITH_A_UNIT, "POST": WITH_A_UNIT}, note="always for the user's own unit"
    ),
    "resources.edit": Access({"GET": OWN_UNIT, "POST": OWN_UNIT}, args=_resource),
    "resources.publish": Access(
        {"POST": OWN_UNIT}, args=lambda w: {"resource_id": w.objects["draft_resource"]}
    ),
    "resources.close": Access(
        {"POST": OWN_UNIT}, args=_resource, data=lambda w: {"reason": "withdrawn"}
    ),
    "resources.extend": Access(
        {"POST": OWN_UNIT},
        args=_resource,
        data=lambda w: {"available_until": (clock.today_local() + timedelta(days=60)).isoformat()},
    ),
    "resources.upload_image": Access(
        {"POST": OWN_UNIT},
        args=lambda w: {"resource_id": w.objects["draft_resource"]},
        data=lambda w: {"image": (io.BytesIO(png_bytes()), "photo.png")},
    ),
    "resources.delete_image": Access({"POST": OWN_UNIT}, args=_first_image),
    "resources.my_inquiries": Access({"GET": SIGNED_IN}),
    "resources.inquiry": Access(
        {"GET": OWN_UNIT | {"secretariat"}, "POST": OWN_UNIT},
        args=_inquiry,
        data=lambda w: {"body": "欢迎，周三可以。"},
    ),
    "resources.close_inquiry": Access({"POST": OWN_UNIT}, args=_inquiry),
    "resources.mark_fulfilled": Access({"POST": OWN_UNIT}, args=_inquiry),
    # Moderation and categories.
    "resources_admin.index": Access({"GET": SECRETARIAT_ONLY}),
    "resources_admin.hide": Access(
        {"POST": SECRETARIAT_ONLY}, args=_resource, data=lambda w: {"reason": "内容待核实"}
    ),
    "resources_admin.unhide": Access({"POST": SECRETARIAT_ONLY}, args=_resource),
    "resources_admin.feature": Access(
        {"POST": SECRETARIAT_ONLY}, args=_resource, data=lambda w: {"featured": "1"}
    ),
    "resources_admin.new_category": Access({"GET": SECRETARIAT_ONLY, "POST": SECRETARIAT_ONLY}),
    "resources_admin.edit_category": Access(
        {"GET": SECRETARIAT_ONLY, "POST": SECRETARIAT_ONLY},
        args=lambda w: {"category_id": w.objects["category"]},
    ),
}
