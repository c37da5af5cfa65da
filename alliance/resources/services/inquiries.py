"""Inquiry threads between the unit that asks about a resource and the unit that owns it."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager, joinedload

from alliance import audit, mail
from alliance.auth.models import User
from alliance.database import utcnow
from alliance.extensions import db
from alliance.members import acting
from alliance.members.models import MemberUnit
from alliance.resources.models import (
    INQUIRY_ANSWERED,
    INQUIRY_CLOSED,
    INQUIRY_OPEN,
    Inquiry,
    InquiryMessage,
    Resource,
)
from alliance.resources.services.errors import ResourceError
from alliance.resources.services.moderation import unit_people
from alliance.resources.services.visibility import may_view


def may_ask(resource: Resource, user, today: date) -> bool:
    """Tell whether the user may ask: another active unit's people, about a live resource they see."""
    unit = acting.acting_unit(user)
    return (
        unit is not None
        and unit.id != resource.unit_id
        and resource.is_live(today)
        and may_view(resource, user, today)
    )


def _mail_side(inquiry: Inquiry, unit_id: int, template: str, author: User, message) -> None:
    for person in unit_people(unit_id, exclude=author):
        mail.send(
            person.email,
            template,
            locale=person.locale,
            inquiry=inquiry,
            resource=inquiry.resource,
            message=message,
            author=author,
            person=person,
        )


def ask(resource: Resource, user, body: str, today: date) -> Inquiry:
    """Open (or continue) the thread between the user's unit and the resource's unit."""
    body = (body or "").strip()
    if not body:
        raise ResourceError(_l("Write your question."))
    acting.writable_unit(user)  # the asker's unit must be active (UnitNotActive otherwise)
    if not may_ask(resource, user, today):
        raise ResourceError(_l("Only people of another active member unit can ask about this."))
    unit = acting.acting_unit(user)
    inquiry = db.session.scalar(
        select(Inquiry).where(Inquiry.resource_id == resource.id, Inquiry.asker_unit_id == unit.id)
    )
    created = inquiry is None
    if created:
        inquiry = Inquiry(resource=resource, asker_unit=unit, created_by=user, status=INQUIRY_OPEN)
        db.session.add(inquiry)
        audit.record(
            "resources.inquiry.created",
            inquiry,
            new={"listing_id": resource.id, "asker_unit_id": unit.id},
        )
    message = _add_message(inquiry, user, unit, body)
    inquiry.status = INQUIRY_OPEN
    _mail_side(inquiry, resource.unit_id, "resources/mail/inquiry_received", user, message)
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
    acting.require_writable(unit, user)
    message = _add_message(inquiry, user, unit, body)
    old = inquiry.status
    inquiry.status = INQUIRY_ANSWERED if side == "owner" else INQUIRY_OPEN
    if old != inquiry.status:
        audit.record(
            "resources.inquiry.status", inquiry, old={"status": old}, new={"status": inquiry.status}
        )
    other = inquiry.asker_unit_id if side == "owner" else inquiry.resource.unit_id
    _mail_side(inquiry, other, "resources/mail/inquiry_reply", user, message)
    return message


def close_inquiry(inquiry: Inquiry, user) -> None:
    """Close a conversation (either side may, while its unit is active)."""
    if inquiry.side_of(user) is None:
        raise ResourceError(_l("Only the two units can write in this conversation."))
    acting.require_writable(user.colleague.unit, user)
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
        .join(Inquiry.resource)
        .options(
            contains_eager(Inquiry.resource).joinedload(Resource.unit),
            joinedload(Inquiry.asker_unit),
        )
        .where(or_(Inquiry.asker_unit_id == unit.id, Resource.unit_id == unit.id))
        .order_by(Inquiry.updated_at.desc(), Inquiry.id.desc())
    )


def all_inquiries():
    """Return a select() of every thread (for the secretariat), latest activity first."""
    return (
        select(Inquiry)
        .options(
            joinedload(Inquiry.resource).joinedload(Resource.unit),
            joinedload(Inquiry.asker_unit),
        )
        .order_by(Inquiry.updated_at.desc(), Inquiry.id.desc())
    )
