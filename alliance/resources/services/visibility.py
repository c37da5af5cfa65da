"""Who sees which resource: the live condition, browse and search, a unit's list, the feed."""

from datetime import date

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from alliance.extensions import db
from alliance.members import acting
from alliance.members.models import STATUS_ACTIVE, MemberUnit
from alliance.pagination import capped_total, paginate
from alliance.resources.models import (
    PUBLISHED,
    VISIBILITY_PUBLIC,
    Resource,
    ResourceCategory,
)


def sees_members_only(user) -> bool:
    """Tell whether the user sees members-only resources (an active unit's people, secretariat)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.is_secretariat or acting.acting_unit(user) is not None


def may_view(resource: Resource, user, today: date) -> bool:
    """Tell whether the user may open the resource's page."""
    if resource.is_managed_by(user) or (
        getattr(user, "is_authenticated", False) and user.is_secretariat
    ):
        return True
    if not resource.is_live(today) or resource.unit.status != STATUS_ACTIVE:
        return False
    return resource.visibility == VISIBILITY_PUBLIC or sees_members_only(user)


def live_condition(today: date):
    """SQL condition: published, not hidden, not past its expiry date, owner unit active."""
    return and_(
        Resource.status == PUBLISHED,
        Resource.is_hidden.is_(False),
        or_(Resource.available_until.is_(None), Resource.available_until >= today),
        MemberUnit.status == STATUS_ACTIVE,
    )


def visible_resources(user, today: date):
    """Return a select() of the resources the user may find, with unit and category loaded."""
    query = (
        select(Resource)
        .join(Resource.unit)
        .options(
            contains_eager(Resource.unit),
            joinedload(Resource.category),
            selectinload(Resource.images),
        )
        .where(live_condition(today))
    )
    if not sees_members_only(user):
        query = query.where(Resource.visibility == VISIBILITY_PUBLIC)
    return query


def search_condition(q: str):
    """Match a substring (Chinese of any length, `%` and `_` literal) in titles, text or unit."""
    return or_(
        Resource.title_zh.contains(q, autoescape=True),
        Resource.title_en.icontains(q, autoescape=True),
        Resource.description_zh.contains(q, autoescape=True),
        Resource.description_en.icontains(q, autoescape=True),
        MemberUnit.name_zh.contains(q, autoescape=True),
        MemberUnit.name_en.icontains(q, autoescape=True),
    )


def browse_query(user, today: date, filters: dict):
    """Apply search, filters and sort order to the resources the user may find."""
    query = visible_resources(user, today)
    q = (filters.get("q") or "").strip()
    if q:
        query = query.where(search_condition(q))
    if filters.get("kind"):
        query = query.where(Resource.kind == filters["kind"])
    if filters.get("category"):
        query = query.join(Resource.category).where(ResourceCategory.code == filters["category"])
    if filters.get("district"):
        query = query.where(Resource.district == filters["district"])
    if filters.get("terms"):
        query = query.where(Resource.terms == filters["terms"])
    if filters.get("org_type"):
        query = query.where(MemberUnit.org_type == filters["org_type"])
    if filters.get("sort") == "expiring":
        return query.order_by(
            Resource.available_until.is_(None), Resource.available_until, Resource.id.desc()
        )
    return query.order_by(
        Resource.is_featured.desc(), Resource.published_at.desc(), Resource.id.desc()
    )


def browse_page(user, today: date, filters: dict):
    """Return the page of resources the browse page shows, with its (capped, cached) total."""
    query = browse_query(user, today, filters)
    page = paginate(query, per_page=20, count=False)
    key = ("resources", sees_members_only(user), today, tuple(sorted(filters.items())))
    page.total = capped_total(query, key)
    return page


def unit_resources(unit: MemberUnit, user, today: date) -> list[Resource]:
    """Return a unit's live resources the user may see, newest first, in one query."""
    query = visible_resources(user, today).where(Resource.unit_id == unit.id)
    query = query.order_by(Resource.published_at.desc(), Resource.id.desc()).limit(50)
    return list(db.session.scalars(query).unique())


def feed_resources(today: date, limit: int = 50) -> list[Resource]:
    """Return the newest public live resources for the Atom feed."""
    query = visible_resources(None, today).order_by(Resource.published_at.desc()).limit(limit)
    return list(db.session.scalars(query).unique())


def contact_of(resource: Resource) -> dict:
    """Return the resource's contact, falling back to the unit's own contact details."""
    unit = resource.unit
    name = resource.contact_name
    if not name and unit.representative is not None:
        name = unit.representative.display_name
    return {
        "name": name,
        "phone": resource.contact_phone or unit.phone,
        "email": resource.contact_email or unit.email,
    }


def default_contact(unit: MemberUnit, user) -> dict:
    """Return what the resource form suggests as contact: the unit's contact details."""
    person = unit.representative or user
    return {
        "contact_name": getattr(person, "display_name", None),
        "contact_phone": unit.phone,
        "contact_email": unit.email,
    }
