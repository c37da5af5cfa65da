"""Small factories for test data: call inside an app context, then commit."""

import io
import itertools

from PIL import Image

from alliance.auth import services as auth_services
from alliance.extensions import db
from alliance.members import credit_code
from alliance.members.models import ROLE_ADMIN, STATUS_ACTIVE, Colleague, MemberUnit

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def make_user(email=None, password=PASSWORD, name=None, roles=(), locale=None, **overrides):
    """Create an account with a known password."""
    n = next(_counter)
    email = email or f"user{n}@example.org"
    user = auth_services.create_user(
        email, password, name or f"用户{n}", roles=roles, locale=locale
    )
    for key, value in overrides.items():
        setattr(user, key, value)
    db.session.flush()
    return user


def valid_credit_code(n: int) -> str:
    """Return a valid unified social credit code made from a number."""
    body = f"91350200{n:09d}"[:17]
    return body + credit_code.check_character(body)


def make_unit(name_zh=None, admin=None, representative=None, **overrides):
    """Create an active member unit, optionally with an admin and a representative."""
    n = next(_counter)
    unit = MemberUnit(
        slug=overrides.pop("slug", f"unit-{n}"),
        credit_code=overrides.pop("credit_code", valid_credit_code(n)),
        status=overrides.pop("status", STATUS_ACTIVE),
        **overrides,
    )
    unit.set_name(name_zh or f"厦门示例单位{n}有限公司")
    db.session.add(unit)
    db.session.flush()
    if admin is not None:
        db.session.add(Colleague(user=admin, unit=unit, role=ROLE_ADMIN))
    if representative is not None:
        unit.representative_id = representative.id
    db.session.flush()
    return unit


def png_bytes(size=(64, 48), colour="red") -> bytes:
    """Return a small valid PNG image."""
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()
