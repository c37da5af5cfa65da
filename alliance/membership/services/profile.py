"""The unit's profile: direct fields published at once, service lines and certifications."""

from sqlalchemy import select

from alliance import audit
from alliance.auth.models import User
from alliance.extensions import db
from alliance.members import acting
from alliance.members import credit_code as cc
from alliance.members.models import Certification, MemberUnit, ServiceLine, UnitCertification
from alliance.membership.models import ChangeRequest
from alliance.membership.services.change_requests import (
    KEY_FIELDS,
    apply_key_changes,
    check_key_changes,
    request_key_changes,
)
from alliance.membership.services.common import record_history

# Profile fields a unit admin publishes at once (key fields need the secretariat).
DIRECT_FIELDS = (
    "short_name",
    "district",
    "address",
    "phone",
    "email",
    "address_visibility",
    "phone_visibility",
    "email_visibility",
    "website",
    "intro_zh",
    "intro_en",
    "founded_year",
    "staff_size",
)


def _clean(value):
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _services_text(lines) -> str:
    return ", ".join(line.code for line in lines)


def _certs_text(certs) -> str:
    parts = []
    for uc in sorted(certs, key=lambda c: c.certification.position):
        text = uc.certification.code
        if uc.level:
            text += f" {uc.level}"
        if uc.year:
            text += f" ({uc.year})"
        parts.append(text)
    return ", ".join(parts)


def _key_changes(unit: MemberUnit, data: dict) -> dict:
    changes = {}
    for field in KEY_FIELDS:
        if field not in data:
            continue
        new = _clean(data[field])
        if field == "credit_code" and new:
            new = cc.normalize(new)
        if new != getattr(unit, field):
            changes[field] = {"old": getattr(unit, field), "new": new}
    return changes


def update_profile(
    unit: MemberUnit,
    data: dict,
    actor: User,
    service_line_ids: list[int] | None = None,
    certifications: list[dict] | None = None,
) -> ChangeRequest | None:
    """Publish direct profile changes; turn key-field changes into a change request.

    Only DIRECT_FIELDS and KEY_FIELDS are read from `data`: tier, status, founding flag and
    representative can never be set here. The secretariat's key-field changes apply at once.
    """
    acting.require_writable(unit, actor)
    as_secretariat = actor.is_secretariat and not acting.holds(unit, actor, acting.ADMIN)
    source = "secretariat" if as_secretariat else "profile"
    key_changes = _key_changes(unit, data)
    if key_changes:
        check_key_changes(unit, key_changes)
    request = None
    if key_changes and not actor.is_secretariat:
        request = request_key_changes(unit, key_changes, actor)
    elif key_changes:
        apply_key_changes(unit, key_changes, actor, "secretariat")

    changed = {}
    for field in DIRECT_FIELDS:
        if field not in data:
            continue
        new = _clean(data[field])
        old = getattr(unit, field)
        if new != old:
            setattr(unit, field, new)
            changed[field] = (old, new)
    if service_line_ids is not None:
        changed.update(_set_service_lines(unit, service_line_ids))
    if certifications is not None:
        old_text = _certs_text(unit.certifications)
        _set_certifications(unit, certifications)
        new_text = _certs_text(unit.certifications)
        if new_text != old_text:
            changed["certifications"] = (old_text or None, new_text or None)
    for field, (old, new) in changed.items():
        record_history(unit, field, old, new, actor, source)
    if changed:
        audit.record(
            "membership.profile_updated",
            unit,
            old={k: v[0] for k, v in changed.items()},
            new={k: v[1] for k, v in changed.items()},
            actor=actor,
        )
    return request


def _set_service_lines(unit: MemberUnit, service_line_ids: list[int]) -> dict:
    """Make the unit's service lines these; return {"service_lines": (old, new)} if they changed."""
    old_text = _services_text(unit.service_lines)
    lines = (
        db.session.scalars(
            select(ServiceLine)
            .where(ServiceLine.id.in_(service_line_ids))
            .order_by(ServiceLine.position)
        ).all()
        if service_line_ids
        else []
    )
    if _services_text(lines) == old_text:
        return {}
    unit.service_lines = list(lines)
    return {"service_lines": (old_text or None, _services_text(lines) or None)}


def _set_certifications(unit: MemberUnit, wanted: list[dict]) -> None:
    """Make the unit's certifications match [{"certification_id", "level", "year"}]."""
    by_id = {uc.certification_id: uc for uc in unit.certifications}
    valid_ids = set(db.session.scalars(select(Certification.id)))
    keep = set()
    for item in wanted:
        cid = item["certification_id"]
        if cid not in valid_ids:
            continue
        keep.add(cid)
        level, year = _clean(item.get("level")), item.get("year")
        if cid in by_id:
            uc = by_id[cid]
            uc.level, uc.year = level, year
        else:
            certification = db.session.get(Certification, cid)
            unit.certifications.append(
                UnitCertification(certification=certification, level=level, year=year)
            )
    for cid, uc in by_id.items():
        if cid not in keep:
            unit.certifications.remove(uc)
    db.session.flush()
