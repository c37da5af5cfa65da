"""Fixtures for membership tests: a secretariat, two units with admins, and an outsider."""

from contextlib import contextmanager

import pytest
from flask import template_rendered
from sqlalchemy import select

from alliance.audit import AuditEvent
from alliance.auth.models import SECRETARIAT
from alliance.extensions import db
from alliance.mail import OutboxMessage
from alliance.members.models import ROLE_STAFF, Colleague
from alliance.members.taxonomy import ensure_default_taxonomy
from tests.factories import make_unit, make_user


@pytest.fixture
def world(app):
    """Create the people and units most tests need; return their ids."""
    with app.app_context():
        ensure_default_taxonomy()
        sec = make_user(email="sec@example.org", name="王秘书", roles=(SECRETARIAT,))
        admin_a = make_user(email="admin-a@example.org", name="甲管理员")
        admin_b = make_user(email="admin-b@example.org", name="乙管理员")
        staff_a = make_user(email="staff-a@example.org", name="甲员工")
        outsider = make_user(email="outsider@example.org", name="路人")
        unit_a = make_unit("厦门示例甲公司", admin=admin_a, representative=admin_a, name_en="Alpha")
        unit_b = make_unit("厦门示例乙公司", admin=admin_b, representative=admin_b)
        db.session.add(Colleague(user=staff_a, unit=unit_a, role=ROLE_STAFF))
        db.session.commit()
        return {
            "sec": sec.id,
            "admin_a": admin_a.id,
            "admin_b": admin_b.id,
            "staff_a": staff_a.id,
            "outsider": outsider.id,
            "unit_a": unit_a.id,
            "unit_b": unit_b.id,
        }


def outbox(app, recipient=None):
    """Return the stored mails (optionally to one recipient), oldest first."""
    with app.app_context():
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if recipient:
            query = query.where(OutboxMessage.recipient == recipient)
        return [(m.recipient, m.subject, m.body, m.locale) for m in db.session.scalars(query)]


def audit_actions(app):
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


@contextmanager
def mailed_links(app, key="verify_url"):
    """Collect the links (context `key`) of the mails rendered meanwhile, in order.

    Read from the mail's context, not the outbox, which need not keep a live link. A mail with
    a secret link is rendered twice (stored with the link redacted, delivered with it): only
    the real link is collected.
    """
    links: list[str] = []

    def record(sender, template, context, **extra):
        value = context.get(key)
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            links.append(value)

    template_rendered.connect(record, app)
    try:
        yield links
    finally:
        template_rendered.disconnect(record, app)
