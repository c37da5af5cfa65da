"""The life of a resource: create, edit, publish, close, extend, images, expiry.

Only the owner unit's people call the owner actions, so each refuses a unit that is not active
(alliance.members.acting.require_writable); the secretariat moderates through hide and unhide.
"""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from alliance import audit
from alliance.database import utcnow
from alliance.extensions import db
from alliance.members import acting
from alliance.members.models import MemberUnit
from alliance.resources.models import (
    CLOSE_REASONS,
    CLOSED,
    DRAFT,
    EXPIRED,
    MAX_IMAGES,
    PUBLISHED,
    Resource,
    ResourceImage,
)
from alliance.resources.services.errors import ResourceError
from alliance.uploads import process_image

IMAGE_FIT = (1600, 1200)

# Fields an owner edits through the resource form (never unit, status, hidden or featured).
EDITABLE_FIELDS = (
    "kind",
    "category_id",
    "title_zh",
    "title_en",
    "description_zh",
    "description_en",
    "terms",
    "price_text",
    "district",
    "address",
    "capacity",
    "available_from",
    "available_until",
    "visibility",
    "contact_name",
    "contact_phone",
    "contact_email",
)


def _snapshot(resource: Resource, fields=EDITABLE_FIELDS) -> dict:
    return {field: getattr(resource, field) for field in fields}


def _check_dates(data: dict) -> None:
    start, end = data.get("available_from"), data.get("available_until")
    if start and end and end < start:
        raise ResourceError(_l("The end of availability cannot be before its start."))


def create_resource(unit: MemberUnit, user, data: dict, publish: bool, today: date) -> Resource:
    """Create a resource for the unit, as a draft or published at once."""
    acting.require_writable(unit, user)
    _check_dates(data)
    resource = Resource(unit=unit, created_by=user, status=DRAFT)
    for field in EDITABLE_FIELDS:
        setattr(resource, field, data.get(field))
    db.session.add(resource)
    audit.record("resources.listing.created", resource, new=_snapshot(resource))
    if publish:
        publish_resource(resource, today)
    return resource


def update_resource(resource: Resource, data: dict) -> dict:
    """Change the owner-editable fields; record what changed."""
    acting.require_writable(resource.unit)
    _check_dates(data)
    old = _snapshot(resource)
    for field in EDITABLE_FIELDS:
        setattr(resource, field, data.get(field))
    new = _snapshot(resource)
    changed = [f for f in EDITABLE_FIELDS if old[f] != new[f]]
    if changed:
        audit.record(
            "resources.listing.updated",
            resource,
            old={f: old[f] for f in changed},
            new={f: new[f] for f in changed},
        )
    return {f: new[f] for f in changed}


def publish_resource(resource: Resource, today: date) -> None:
    """Publish a draft (or reopen a closed or expired resource) that is still available."""
    acting.require_writable(resource.unit)
    if not resource.may_publish():
        raise ResourceError(_l("This listing is already published."))
    if resource.available_until is not None and resource.available_until < today:
        raise ResourceError(
            _l("The availability has ended; extend the listing before publishing it.")
        )
    old = resource.status
    resource.status = PUBLISHED
    resource.close_reason = None
    resource.closed_at = None
    resource.published_at = resource.published_at or utcnow()
    audit.record(
        "resources.listing.published", resource, old={"status": old}, new={"status": PUBLISHED}
    )


def close_resource(resource: Resource, reason: str) -> None:
    """Close a resource as fulfilled or withdrawn."""
    acting.require_writable(resource.unit)
    if reason not in CLOSE_REASONS:
        raise ResourceError(_l("Choose why the listing closes."))
    if not resource.may_close():
        raise ResourceError(_l("This listing is already closed."))
    old = resource.status
    resource.status = CLOSED
    resource.close_reason = reason
    resource.closed_at = utcnow()
    audit.record(
        "resources.listing.closed",
        resource,
        old={"status": old},
        new={"status": CLOSED, "close_reason": reason},
    )


def extend_resource(resource: Resource, until: date, today: date) -> None:
    """Move the expiry date later; an expired resource is published again."""
    acting.require_writable(resource.unit)
    if until < today:
        raise ResourceError(_l("The new end date must be today or later."))
    if resource.available_from and until < resource.available_from:
        raise ResourceError(_l("The end of availability cannot be before its start."))
    if resource.status == CLOSED:
        raise ResourceError(_l("A closed listing cannot be extended; publish it again first."))
    old = {"available_until": resource.available_until, "status": resource.status}
    resource.available_until = until
    if resource.status == EXPIRED:
        resource.status = PUBLISHED
    audit.record(
        "resources.listing.extended",
        resource,
        old=old,
        new={"available_until": until, "status": resource.status},
    )


def add_image(resource: Resource, stream) -> ResourceImage:
    """Check, re-encode and store an uploaded image (at most MAX_IMAGES per resource)."""
    acting.require_writable(resource.unit)
    if len(resource.images) >= MAX_IMAGES:
        raise ResourceError(_l("A listing has at most %(n)d images.", n=MAX_IMAGES))
    processed = process_image(stream, fit=IMAGE_FIT)  # raises ImageRejected
    position = max((i.position for i in resource.images), default=-1) + 1
    image = ResourceImage(
        content=processed.content,
        mime_type=processed.mime_type,
        width=processed.width,
        height=processed.height,
        sha256=processed.sha256,
        position=position,
    )
    resource.images.append(image)
    db.session.flush()
    audit.record(
        "resources.listing.image_added",
        resource,
        new={"image_id": image.id, "sha256": image.sha256},
    )
    return image


def remove_image(resource: Resource, image: ResourceImage) -> None:
    """Delete one of the resource's images."""
    acting.require_writable(resource.unit)
    audit.record("resources.listing.image_removed", resource, old={"image_id": image.id})
    resource.images.remove(image)


def expire_resources(today: date) -> list[Resource]:
    """Record as expired every published resource whose availability ended before today."""
    due = list(
        db.session.scalars(
            select(Resource).where(
                Resource.status == PUBLISHED,
                Resource.available_until.is_not(None),
                Resource.available_until < today,
            )
        )
    )
    for resource in due:
        resource.status = EXPIRED
        audit.record(
            "resources.listing.expired",
            resource,
            old={"status": PUBLISHED},
            new={"status": EXPIRED, "available_until": resource.available_until},
        )
    return due
