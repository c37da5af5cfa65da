"""Append-only audit log: one `record()` that every feature calls for administrative actions."""

from datetime import datetime
from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import JSON, ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.database import utcnow
from alliance.extensions import db


class AuditEvent(db.Model):
    """One administrative action: who did what to which object, with old and new values."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # No ON DELETE action: rows here never change, so accounts are deactivated, not deleted.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str | None] = mapped_column(String(64), index=True)
    target_id: Mapped[str | None] = mapped_column(String(64))
    old_values: Mapped[dict | None] = mapped_column(JSON)
    new_values: Mapped[dict | None] = mapped_column(JSON)
    ip: Mapped[str | None] = mapped_column(String(45))

    actor = relationship("User", lazy="joined")


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or delete a row of an append-only table."""


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_change(_mapper, _connection, target):
    raise AppendOnlyError(f"audit event {target.id} is append-only")


def _jsonable(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    out = {}
    for key, value in values.items():
        if value is None or isinstance(value, str | int | float | bool | list | dict):
            out[key] = value
        else:
            out[key] = str(value)
    return out


def record(
    action: str,
    target: Any = None,
    *,
    target_type: str | None = None,
    target_id: Any = None,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    actor: Any = None,
) -> AuditEvent:
    """Add an audit event to the session (the caller commits it with the action itself)."""
    if target is not None:
        if getattr(target, "id", 0) is None:
            db.session.flush()  # a new object needs its id before we can point at it
        target_type = target_type or getattr(target, "__tablename__", type(target).__name__)
        target_id = target_id if target_id is not None else getattr(target, "id", None)
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    event_row = AuditEvent(
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        old_values=_jsonable(old),
        new_values=_jsonable(new),
        actor_id=getattr(actor, "id", None),
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event_row)
    return event_row
