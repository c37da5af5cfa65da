"""Test data for resources: two member units, an outsider and the secretariat."""

from dataclasses import dataclass
from datetime import timedelta

from alliance.auth.models import SECRETARIAT
from alliance.clock import today_local
from alliance.database import utcnow
from alliance.extensions import db
from alliance.resources.models import PUBLISHED, Resource, ResourceCategory
from alliance.resources.services import ensure_default_categories
from tests.factories import make_unit, make_user


@dataclass
class World:
    owner_unit_id: int
    other_unit_id: int
    owner_email: str = "owner@example.org"
    owner_staff_email: str = "staff@example.org"
    other_email: str = "other@example.org"
    outsider_email: str = "outsider@example.org"
    secretariat_email: str = "sec@example.org"


def make_world() -> World:
    """Create the categories, two active units with people, an outsider and the secretariat."""
    from alliance.members.models import ROLE_STAFF, Colleague

    ensure_default_categories()
    owner_admin = make_user(email="owner@example.org", name="甲单位管理员")
    owner = make_unit(
        name_zh="厦门示例甲科技有限公司", admin=owner_admin, representative=owner_admin
    )
    owner.email = "contact@jia.example.org"
    staff = make_user(email="staff@example.org", name="甲单位职员")
    db.session.add(Colleague(user=staff, unit=owner, role=ROLE_STAFF))
    other_admin = make_user(email="other@example.org", name="乙单位管理员", locale="en")
    other = make_unit(name_zh="厦门示例乙软件有限公司", admin=other_admin, org_type="academic")
    make_user(email="outsider@example.org", name="路人")
    make_user(email="sec@example.org", name="秘书处", roles=(SECRETARIAT,))
    db.session.commit()
    return World(owner_unit_id=owner.id, other_unit_id=other.id)


def category(code="training-base") -> ResourceCategory:
    return db.session.query(ResourceCategory).filter_by(code=code).one()


def make_resource(unit_id: int, **overrides) -> Resource:
    """Create a published, public resource (override anything)."""
    values = {
        "unit_id": unit_id,
        "category_id": category(overrides.pop("category", "training-base")).id,
        "kind": "offer",
        "title_zh": "软件测试实训基地（示例）",
        "description_zh": "可容纳 **40** 名学员。",
        "terms": "free",
        "visibility": "public",
        "status": PUBLISHED,
        "published_at": utcnow(),
        "available_until": today_local() + timedelta(days=30),
    }
    values.update(overrides)
    resource = Resource(**values)
    db.session.add(resource)
    db.session.flush()
    return resource
