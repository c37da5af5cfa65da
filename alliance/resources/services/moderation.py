"""The secretariat's hand: hide, show again and feature resources; the category list."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from alliance import audit, mail
from alliance.auth.models import User
from alliance.extensions import db
from alliance.members.models import Colleague
from alliance.resources.models import Resource, ResourceCategory
from alliance.resources.services.errors import ResourceError

DEFAULT_CATEGORIES = (
    # code, Chinese, English
    ("training-base", "实训基地", "Training base"),
    ("technical-platform", "公共技术平台", "Public technical platform"),
    ("office-space", "办公场地", "Office space"),
    ("talent", "人才与人力", "Talent & staffing"),
    ("equipment", "设备与实验室", "Equipment & labs"),
    ("projects", "项目与分包", "Projects & subcontracting"),
    ("know-how", "技术与经验", "Technology & know-how"),
    ("other", "其他", "Other"),
)


def ensure_default_categories() -> None:
    """Create the default categories that do not exist yet (idempotent)."""
    existing = set(db.session.scalars(select(ResourceCategory.code)))
    for position, (code, zh, en) in enumerate(DEFAULT_CATEGORIES):
        if code not in existing:
            db.session.add(ResourceCategory(code=code, label_zh=zh, label_en=en, position=position))
    db.session.flush()


def categories() -> list[ResourceCategory]:
    """Return every category in display order."""
    return list(
        db.session.scalars(
            select(ResourceCategory).order_by(ResourceCategory.position, ResourceCategory.id)
        )
    )


def unit_people(unit_id: int, exclude: User | None = None) -> list[User]:
    """Return the active accounts of a unit (admins and staff), who are mailed about it."""
    query = (
        select(User)
        .join(Colleague, Colleague.user_id == User.id)
        .where(Colleague.unit_id == unit_id, User.active.is_(True))
        .order_by(User.id)
    )
    if exclude is not None:
        query = query.where(User.id != exclude.id)
    return list(db.session.scalars(query))


def hide_resource(resource: Resource, reason: str) -> None:
    """Hide a resource from everyone but its unit, with a reason mailed to the unit's people."""
    reason = (reason or "").strip()
    if not reason:
        raise ResourceError(_l("Give the reason for hiding the listing."))
    old = {"is_hidden": resource.is_hidden, "hidden_reason": resource.hidden_reason}
    resource.is_hidden = True
    resource.hidden_reason = reason
    resource.is_featured = False
    audit.record(
        "resources.listing.hidden",
        resource,
        old=old,
        new={"is_hidden": True, "hidden_reason": reason},
    )
    for person in unit_people(resource.unit_id):
        mail.send(
            person.email,
            "resources/mail/resource_hidden",
            locale=person.locale,
            resource=resource,
            reason=reason,
            person=person,
        )


def unhide_resource(resource: Resource) -> None:
    """Show a hidden resource again."""
    if not resource.is_hidden:
        raise ResourceError(_l("This listing is not hidden."))
    old = {"is_hidden": True, "hidden_reason": resource.hidden_reason}
    resource.is_hidden = False
    resource.hidden_reason = None
    audit.record("resources.listing.unhidden", resource, old=old, new={"is_hidden": False})


def set_featured(resource: Resource, featured: bool) -> None:
    """Feature a resource at the top of the browse page, or stop featuring it."""
    if featured and resource.is_hidden:
        raise ResourceError(_l("A hidden listing cannot be featured."))
    old = resource.is_featured
    resource.is_featured = featured
    audit.record(
        "resources.listing.featured" if featured else "resources.listing.unfeatured",
        resource,
        old={"is_featured": old},
        new={"is_featured": featured},
    )


def save_category(category: ResourceCategory | None, data: dict) -> ResourceCategory:
    """Create a category or change its labels and position."""
    fields = ("code", "label_zh", "label_en", "position")
    if category is None:
        category = ResourceCategory(**{f: data[f] for f in fields})
        db.session.add(category)
        audit.record("resources.category.created", category, new=data)
        return category
    old = {f: getattr(category, f) for f in fields}
    for f in fields:
        setattr(category, f, data[f])
    audit.record("resources.category.updated", category, old=old, new=data)
    return category
