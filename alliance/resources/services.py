"""Business rules of resource listings: who sees what, the listing life, moderation, inquiries.

Functions take objects and data, never the request, and never commit: the caller commits once.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from alliance import audit, mail
from alliance.auth.models import User
from alliance.database import utcnow
from alliance.extensions import db
from alliance.members.models import STATUS_ACTIVE, Colleague, MemberUnit
from alliance.pagination import capped_total, paginate
from alliance.resources.models import (
    CLOSE_REASONS,
    CLOSED,
    DRAFT,
    EXPIRED,
    INQUIRY_ANSWERED,
    INQUIRY_CLOSED,
    INQUIRY_OPEN,
    MAX_IMAGES,
    PUBLISHED,
    VISIBILITY_PUBLIC,
    Inquiry,
    InquiryMessage,
    Listing,
    ListingImage,
    ResourceCategory,
)
from alliance.uploads import process_image

SHANGHAI = ZoneInfo("Asia/Shanghai")
IMAGE_FIT = (1600, 1200)

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

# Fields an owner edits through the listing form (never unit, status, hidden or featured).
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


class ResourceError(ValueError):
    """A rule of the listing life refused the action; `message` says why."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def today_local(now: datetime | None = None) -> date:
    """Return today's date in Beijing time (listings expire by the local calendar)."""
    now = now or utcnow()
    return now.replace(tzinfo=ZoneInfo("UTC")).astimezone(SHANGHAI).date()


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


# Who sees what ----------------------------------------------------------------------------


def active_unit_of(user) -> MemberUnit | None:
    """Return the active member unit the user acts for, if any."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    membership = getattr(user, "colleague", None)
    if membership is None or membership.unit.status != STATUS_ACTIVE:
        return None
    return membership.unit


def sees_members_only(user) -> bool:
    """Members-only listings are for people of an active member unit and the secretariat."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.is_secretariat or active_unit_of(user) is not None


def may_view(listing: Listing, user, today: date) -> bool:
    """Tell whether the user may open the listing's page."""
    if listing.is_managed_by(user) or (
        getattr(user, "is_authenticated", False) and user.is_secretariat
    ):
        return True
    if not listing.is_live(today) or listing.unit.status != STATUS_ACTIVE:
        return False
    return listing.visibility == VISIBILITY_PUBLIC or sees_members_only(user)


def live_condition(today: date):
    """SQL condition: published, not hidden, not past its expiry date, owner unit active."""
    return and_(
        Listing.status == PUBLISHED,
        Listing.is_hidden.is_(False),
        or_(Listing.available_until.is_(None), Listing.available_until >= today),
        MemberUnit.status == STATUS_ACTIVE,
    )


def visible_listings(user, today: date):
    """Return a select() of the listings the user may find, with unit and category loaded."""
    query = (
        select(Listing)
        .join(Listing.unit)
        .options(
            contains_eager(Listing.unit),
            joinedload(Listing.category),
            selectinload(Listing.images),
        )
        .where(live_condition(today))
    )
    if not sees_members_only(user):
        query = query.where(Listing.visibility == VISIBILITY_PUBLIC)
    return query


def search_condition(q: str):
    """Match a substring (Chinese of any length, `%` and `_` literal) in titles, text or unit."""
    return or_(
        Listing.title_zh.contains(q, autoescape=True),
        Listing.title_en.icontains(q, autoescape=True),
        Listing.description_zh.contains(q, autoescape=True),
        Listing.description_en.icontains(q, autoescape=True),
        MemberUnit.name_zh.contains(q, autoescape=True),
        MemberUnit.name_en.icontains(q, autoescape=True),
    )


def browse_query(user, today: date, filters: dict):
    """Apply search, filters and sort order to the listings the user may find."""
    query = visible_listings(user, today)
    q = (filters.get("q") or "").strip()
    if q:
        query = query.where(search_condition(q))
    if filters.get("kind"):
        query = query.where(Listing.kind == filters["kind"])
    if filters.get("category"):
        query = query.join(Listing.category).where(ResourceCategory.code == filters["category"])
    if filters.get("district"):
        query = query.where(Listing.district == filters["district"])
    if filters.get("terms"):
        query = query.where(Listing.terms == filters["terms"])
    if filters.get("org_type"):
        query = query.where(MemberUnit.org_type == filters["org_type"])
    if filters.get("sort") == "expiring":
        return query.order_by(
            Listing.available_until.is_(None), Listing.available_until, Listing.id.desc()
        )
    return query.order_by(
        Listing.is_featured.desc(), Listing.published_at.desc(), Listing.id.desc()
    )


def browse_page(user, today: date, filters: dict):
    """Return the page of listings the browse page shows, with its (capped, cached) total."""
    query = browse_query(user, today, filters)
    page = paginate(query, per_page=20, count=False)
    key = ("resources", sees_members_only(user), today, tuple(sorted(filters.items())))
    page.total = capped_total(query, key)
    return page


def unit_listings(unit: MemberUnit, user, today: date) -> list[Listing]:
    """Return a unit's live listings the user may see, newest first, in one query."""
    query = visible_listings(user, today).where(Listing.unit_id == unit.id)
    query = query.order_by(Listing.published_at.desc(), Listing.id.desc()).limit(50)
    return list(db.session.scalars(query).unique())


def feed_listings(today: date, limit: int = 50) -> list[Listing]:
    """Return the newest public live listings for the Atom feed."""
    query = visible_listings(None, today).order_by(Listing.published_at.desc()).limit(limit)
    return list(db.session.scalars(query).unique())


def contact_of(listing: Listing) -> dict:
    """Return the listing's contact, falling back to the unit's own contact details."""
    unit = listing.unit
    name = listing.contact_name
    if not name and unit.representative is not None:
        name = unit.representative.display_name
    return {
        "name": name,
        "phone": listing.contact_phone or unit.phone,
        "email": listing.contact_email or unit.email,
    }


def default_contact(unit: MemberUnit, user) -> dict:
    """Return what the listing form suggests as contact: the unit's contact details."""
    person = unit.representative or user
    return {
        "contact_name": getattr(person, "display_name", None),
        "contact_phone": unit.phone,
        "contact_email": unit.email,
    }


# Owners -----------------------------------------------------------------------------------


def _snapshot(listing: Listing, fields=EDITABLE_FIELDS) -> dict:
    return {field: getattr(listing, field) for field in fields}


def _check_dates(data: dict) -> None:
    start, end = data.get("available_from"), data.get("available_until")
    if start and end and end < start:
        raise ResourceError(_l("The end of availability cannot be before its start."))


def create_listing(unit: MemberUnit, user, data: dict, publish: bool, today: date) -> Listing:
    """Create a listing for the unit, as a draft or published at once."""
    _check_dates(data)
    listing = Listing(unit=unit, created_by=user, status=DRAFT)
    for field in EDITABLE_FIELDS:
        setattr(listing, field, data.get(field))
    db.session.add(listing)
    audit.record("resources.listing.created", listing, new=_snapshot(listing))
    if publish:
        publish_listing(listing, today)
    return listing


def update_listing(listing: Listing, data: dict) -> dict:
    """Change the owner-editable fields; record what changed."""
    _check_dates(data)
    old = _snapshot(listing)
    for field in EDITABLE_FIELDS:
        setattr(listing, field, data.get(field))
    new = _snapshot(listing)
    changed = [f for f in EDITABLE_FIELDS if old[f] != new[f]]
    if changed:
        audit.record(
            "resources.listing.updated",
            listing,
            old={f: old[f] for f in changed},
            new={f: new[f] for f in changed},
        )
    return {f: new[f] for f in changed}


def publish_listing(listing: Listing, today: date) -> None:
    """Publish a draft (or reopen a closed or expired listing) that is still available."""
    if not listing.may_publish():
        raise ResourceError(_l("This listing is already published."))
    if listing.available_until is not None and listing.available_until < today:
        raise ResourceError(
            _l("The availability has ended; extend the listing before publishing it.")
        )
    old = listing.status
    listing.status = PUBLISHED
    listing.close_reason = None
    listing.closed_at = None
    listing.published_at = listing.published_at or utcnow()
    audit.record(
        "resources.listing.published", listing, old={"status": old}, new={"status": PUBLISHED}
    )


def close_listing(listing: Listing, reason: str) -> None:
    """Close a listing as fulfilled or withdrawn."""
    if reason not in CLOSE_REASONS:
        raise ResourceError(_l("Choose why the listing closes."))
    if not listing.may_close():
        raise ResourceError(_l("This listing is already closed."))
    old = listing.status
    listing.status = CLOSED
    listing.close_reason = reason
    listing.closed_at = utcnow()
    audit.record(
        "resources.listing.closed",
        listing,
        old={"status": old},
        new={"status": CLOSED, "close_reason": reason},
    )


def extend_listing(listing: Listing, until: date, today: date) -> None:
    """Move the expiry date later; an expired listing is published again."""
    if until < today:
        raise ResourceError(_l("The new end date must be today or later."))
    if listing.available_from and until < listing.available_from:
        raise ResourceError(_l("The end of availability cannot be before its start."))
    if listing.status == CLOSED:
        raise ResourceError(_l("A closed listing cannot be extended; publish it again first."))
    old = {"available_until": listing.available_until, "status": listing.status}
    listing.available_until = until
    if listing.status == EXPIRED:
        listing.status = PUBLISHED
    audit.record(
        "resources.listing.extended",
        listing,
        old=old,
        new={"available_until": until, "status": listing.status},
    )


def add_image(listing: Listing, stream) -> ListingImage:
    """Check, re-encode and store an uploaded image (at most MAX_IMAGES per listing)."""
    if len(listing.images) >= MAX_IMAGES:
        raise ResourceError(_l("A listing has at most %(n)d images.", n=MAX_IMAGES))
    processed = process_image(stream, fit=IMAGE_FIT)  # raises ImageRejected
    position = max((i.position for i in listing.images), default=-1) + 1
    image = ListingImage(
        content=processed.content,
        mime_type=processed.mime_type,
        width=processed.width,
        height=processed.height,
        sha256=processed.sha256,
        position=position,
    )
    listing.images.append(image)
    db.session.flush()
    audit.record(
        "resources.listing.image_added", listing, new={"image_id": image.id, "sha256": image.sha256}
    )
    return image


def remove_image(listing: Listing, image: ListingImage) -> None:
    """Delete one of the listing's images."""
    audit.record("resources.listing.image_removed", listing, old={"image_id": image.id})
    listing.images.remove(image)


def expire_listings(today: date) -> list[Listing]:
    """Record as expired every published listing whose availability ended before today."""
    due = list(
        db.session.scalars(
            select(Listing).where(
                Listing.status == PUBLISHED,
                Listing.available_until.is_not(None),
                Listing.available_until < today,
            )
        )
    )
    for listing in due:
        listing.status = EXPIRED
        audit.record(
            "resources.listing.expired",
            listing,
            old={"status": PUBLISHED},
            new={"status": EXPIRED, "available_until": listing.available_until},
        )
    return due


# Secretariat ------------------------------------------------------------------------------


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


def hide_listing(listing: Listing, reason: str) -> None:
    """Hide a listing from everyone but its unit, with a reason mailed to the unit's people."""
    reason = (reason or "").strip()
    if not reason:
        raise ResourceError(_l("Give the reason for hiding the listing."))
    old = {"is_hidden": listing.is_hidden, "hidden_reason": listing.hidden_reason}
    listing.is_hidden = True
    listing.hidden_reason = reason
    listing.is_featured = False
    audit.record(
        "resources.listing.hidden",
        listing,
        old=old,
        new={"is_hidden": True, "hidden_reason": reason},
    )
    for person in unit_people(listing.unit_id):
        mail.send(
            person.email,
            "resources/mail/listing_hidden",
            locale=person.locale,
            listing=listing,
            reason=reason,
            person=person,
        )


def unhide_listing(listing: Listing) -> None:
    """Show a hidden listing again."""
    if not listing.is_hidden:
        raise ResourceError(_l("This listing is not hidden."))
    old = {"is_hidden": True, "hidden_reason": listing.hidden_reason}
    listing.is_hidden = False
    listing.hidden_reason = None
    audit.record("resources.listing.unhidden", listing, old=old, new={"is_hidden": False})


def set_featured(listing: Listing, featured: bool) -> None:
    """Feature a listing at the top of the browse page, or stop featuring it."""
    if featured and listing.is_hidden:
        raise ResourceError(_l("A hidden listing cannot be featured."))
    old = listing.is_featured
    listing.is_featured = featured
    audit.record(
        "resources.listing.featured" if featured else "resources.listing.unfeatured",
        listing,
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


# Inquiries --------------------------------------------------------------------------------


def may_ask(listing: Listing, user, today: date) -> bool:
    """People of another active unit may ask about a live listing they can see."""
    unit = active_unit_of(user)
    return (
        unit is not None
        and unit.id != listing.unit_id
        and listing.is_live(today)
        and may_view(listing, user, today)
    )


def _mail_side(inquiry: Inquiry, unit_id: int, template: str, author: User, message) -> None:
    for person in unit_people(unit_id, exclude=author):
        mail.send(
            person.email,
            template,
            locale=person.locale,
            inquiry=inquiry,
            listing=inquiry.listing,
            message=message,
            author=author,
            person=person,
        )


def ask(listing: Listing, user, body: str, today: date) -> Inquiry:
    """Open (or continue) the thread between the user's unit and the listing's unit."""
    body = (body or "").strip()
    if not body:
        raise ResourceError(_l("Write your question."))
    if not may_ask(listing, user, today):
        raise ResourceError(_l("Only people of another active member unit can ask about this."))
    unit = active_unit_of(user)
    inquiry = db.session.scalar(
        select(Inquiry).where(Inquiry.listing_id == listing.id, Inquiry.asker_unit_id == unit.id)
    )
    created = inquiry is None
    if created:
        inquiry = Inquiry(listing=listing, asker_unit=unit, created_by=user, status=INQUIRY_OPEN)
        db.session.add(inquiry)
        audit.record(
            "resources.inquiry.created",
            inquiry,
            new={"listing_id": listing.id, "asker_unit_id": unit.id},
        )
    message = _add_message(inquiry, user, unit, body)
    inquiry.status = INQUIRY_OPEN
    _mail_side(inquiry, listing.unit_id, "resources/mail/inquiry_received", user, message)
    # The asking side gets a copy, so both units hold the conversation in their mail.
    _mail_side(inquiry, unit.id, "resources/mail/inquiry_sent", None, message)
    return inquiry


def _add_message(inquiry: Inquiry, user, unit: MemberUnit | None, body: str) -> InquiryMessage:
    message = InquiryMessage(author=user, author_unit=unit, body=body)
    inquiry.messages.append(message)
    inquiry.updated_at = utcnow()
    db.session.flush()
    audit.record(
        "resources.inquiry.message",
        inquiry,
        new={"message_id": message.id, "author_unit_id": unit.id if unit else None},
    )
    return message


def reply(inquiry: Inquiry, user, body: str) -> InquiryMessage:
    """Add a message to a thread and mail the other side."""
    body = (body or "").strip()
    if not body:
        raise ResourceError(_l("Write your message."))
    if inquiry.status == INQUIRY_CLOSED:
        raise ResourceError(_l("This conversation is closed."))
    side = inquiry.side_of(user)
    if side is None:
        raise ResourceError(_l("Only the two units can write in this conversation."))
    unit = user.colleague.unit
    message = _add_message(inquiry, user, unit, body)
    old = inquiry.status
    inquiry.status = INQUIRY_ANSWERED if side == "owner" else INQUIRY_OPEN
    if old != inquiry.status:
        audit.record(
            "resources.inquiry.status", inquiry, old={"status": old}, new={"status": inquiry.status}
        )
    other = inquiry.asker_unit_id if side == "owner" else inquiry.listing.unit_id
    _mail_side(inquiry, other, "resources/mail/inquiry_reply", user, message)
    return message


def close_inquiry(inquiry: Inquiry) -> None:
    """Close a conversation (either side may)."""
    if inquiry.status == INQUIRY_CLOSED:
        raise ResourceError(_l("This conversation is closed."))
    old = inquiry.status
    inquiry.status = INQUIRY_CLOSED
    inquiry.updated_at = utcnow()
    audit.record(
        "resources.inquiry.closed", inquiry, old={"status": old}, new={"status": INQUIRY_CLOSED}
    )


def inquiries_of(unit: MemberUnit):
    """Return a select() of the threads the unit asked or received, latest activity first."""
    return (
        select(Inquiry)
        .join(Inquiry.listing)
        .options(
            contains_eager(Inquiry.listing).joinedload(Listing.unit),
            joinedload(Inquiry.asker_unit),
        )
        .where(or_(Inquiry.asker_unit_id == unit.id, Listing.unit_id == unit.id))
        .order_by(Inquiry.updated_at.desc(), Inquiry.id.desc())
    )


def all_inquiries():
    """Return a select() of every thread (for the secretariat), latest activity first."""
    return (
        select(Inquiry)
        .options(
            joinedload(Inquiry.listing).joinedload(Listing.unit),
            joinedload(Inquiry.asker_unit),
        )
        .order_by(Inquiry.updated_at.desc(), Inquiry.id.desc())
    )
