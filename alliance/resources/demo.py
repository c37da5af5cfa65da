"""Demo resources from the founding units, and one inquiry thread (idempotent).

Every resource is invented, so every title carries 示例; the units are those of members/demo.py.
The resources and the inquiry are in demo_data/resources.toml.
"""

from datetime import timedelta

from sqlalchemy import func, insert, select

from alliance.auth.models import User
from alliance.clock import today_local
from alliance.database import utcnow
from alliance.demo import read_toml
from alliance.extensions import db
from alliance.members.demo import unit_email
from alliance.members.models import MemberUnit
from alliance.resources.models import (
    INQUIRY_ANSWERED,
    PUBLISHED,
    Inquiry,
    InquiryMessage,
    Resource,
    ResourceCategory,
)
from alliance.resources.services import ensure_default_categories


def load(ctx) -> None:
    """Create the categories, the demo resources and one inquiry thread, once."""
    ensure_default_categories()
    if db.session.scalar(select(func.count()).select_from(Resource)):
        return
    data = read_toml(__package__, "resources.toml")
    resources = data["resources"]
    # Only the units the resources name (not every invented unit of `demo-data --members N`).
    wanted = {row["unit"] for row in resources} | {data["inquiry"]["asker"]}
    units = {
        u.slug: u for u in db.session.scalars(select(MemberUnit).where(MemberUnit.slug.in_(wanted)))
    }
    cats = {c.code: c for c in db.session.scalars(select(ResourceCategory))}
    today = today_local()
    now = utcnow()
    created = {}
    for n, row in enumerate(resources):
        unit = units.get(row["unit"])
        if unit is None:
            continue
        days = row.get("days")
        resource = Resource(
            unit=unit,
            category=cats[row["category"]],
            kind=row["kind"],
            title_zh=row["title_zh"],
            title_en=row["title_en"],
            description_zh=row["description_zh"],
            terms=row["terms"],
            price_text=row.get("price"),
            capacity=row.get("capacity"),
            district=unit.district,
            visibility="members" if row.get("members_only") else "public",
            available_from=today - timedelta(days=30),
            available_until=today + timedelta(days=days) if days else None,
            status=PUBLISHED,
            published_at=now - timedelta(hours=6 * (len(resources) - n)),
            is_featured=(n == 0),
            created_by=unit.representative,
        )
        db.session.add(resource)
        created[n] = resource
    db.session.flush()
    # The inquiry is about the first resource.
    _demo_inquiry(created.get(0), units.get(data["inquiry"]["asker"]), data["inquiry"])
    if ctx.extra_members:
        add_extra_resources(cats, today, now, data["extra"]["kinds"])


# Scale data for `demo-data --members N`: one resource for every EXTRA_EVERY invented units.
EXTRA_EVERY = 10
EXTRA_CHUNK = 5000


def add_extra_resources(cats, today, now, kinds) -> int:
    """Bulk-insert one invented resource for every EXTRA_EVERY invented units."""
    units = db.session.execute(
        select(MemberUnit.id, MemberUnit.district)
        .where(MemberUnit.slug.like("demo-extra-%"))
        .order_by(MemberUnit.id)
    ).all()[::EXTRA_EVERY]
    rows = []
    for n, (unit_id, district) in enumerate(units):
        code, kind, zh, en = kinds[n % len(kinds)]
        category = cats.get(code) or next(iter(cats.values()))
        rows.append(
            {
                "unit_id": unit_id,
                "category_id": category.id,
                "kind": kind,
                "title_zh": f"示例{zh}{n}",
                "title_en": f"Example {en} {n}",
                "description_zh": f"示例数据：{zh}（第 {n} 条）。",
                "terms": ("free", "at_cost", "negotiable")[n % 3],
                "district": district,
                "visibility": "members" if n % 5 == 0 else "public",
                "available_from": today - timedelta(days=30),
                # Every seventh has expired (the browse page must skip them), a third open-ended.
                "available_until": (
                    today - timedelta(days=1)
                    if n % 7 == 0
                    else None
                    if n % 3 == 0
                    else today + timedelta(days=30 + n % 300)
                ),
                "status": PUBLISHED,
                "published_at": now - timedelta(minutes=n + 1),
                "is_featured": False,
                "is_hidden": False,
                "created_at": now,
                "updated_at": now,
            }
        )
    for start in range(0, len(rows), EXTRA_CHUNK):
        db.session.execute(insert(Resource), rows[start : start + EXTRA_CHUNK])
    return len(rows)


def _demo_inquiry(resource, asker, texts: dict) -> None:
    """A test-platform inquiry from an invented software company, answered by the college."""
    if resource is None or asker is None:
        return
    asker_user = db.session.scalar(
        select(User).where(User.email_normalized == unit_email(asker.slug))
    )
    owner_user = resource.unit.representative
    inquiry = Inquiry(
        resource=resource, asker_unit=asker, created_by=asker_user, status=INQUIRY_ANSWERED
    )
    inquiry.messages = [
        InquiryMessage(
            author=asker_user,
            author_unit=asker,
            body=texts["question"],
        ),
        InquiryMessage(
            author=owner_user,
            author_unit=resource.unit,
            body=texts["answer"],
        ),
    ]
    db.session.add(inquiry)
