"""Member-unit workflows: the directory query, logos, statistics and the taxonomy."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select
from sqlalchemy.orm import load_only, selectinload

from alliance import audit
from alliance.extensions import db
from alliance.forms import strip_controls
from alliance.members import acting, search
from alliance.members.models import (
    DISTRICTS,
    ORG_TYPES,
    STATUS_ACTIVE,
    TIERS,
    Certification,
    MemberUnit,
    ServiceLine,
    UnitCertification,
    UnitLogo,
    unit_service_lines,
)
from alliance.pagination import capped_total
from alliance.uploads import process_image

SORTS = ("name", "joined")
VIEWS = ("list", "tiers")
LOGO_FIT = (512, 512)


@dataclass
class DirectoryQuery:
    """What a directory visitor asked for (everything comes from the URL)."""

    q: str = ""
    org_type: str = ""
    tier: str = ""
    district: str = ""
    service_line: str = ""
    certification: str = ""
    founding: bool = False
    sort: str = "name"
    view: str = "list"
    per_page: int = 20

    @classmethod
    def from_args(cls, args, max_per_page: int = 100) -> "DirectoryQuery":
        """Read the query from request arguments, dropping values that are not choices."""
        per_page = args.get("per_page", 20, type=int) or 20
        return cls(
            per_page=min(max(per_page, 1), max_per_page),
            q=strip_controls(args.get("q", "")).strip()[:100],
            org_type=_choice(args.get("type", ""), ORG_TYPES),
            tier=_choice(args.get("tier", ""), TIERS),
            district=_choice(args.get("district", ""), DISTRICTS),
            service_line=strip_controls(args.get("service", "")).strip()[:40],
            certification=strip_controls(args.get("cert", "")).strip()[:40],
            founding=args.get("founding") in ("1", "y", "on", "true"),
            sort=_choice(args.get("sort", ""), SORTS) or "name",
            view=_choice(args.get("view", ""), VIEWS) or "list",
        )

    def url_args(self, **changes) -> dict:
        """Return the URL arguments of this query (for links that keep every filter)."""
        args = {
            "q": self.q,
            "type": self.org_type,
            "tier": self.tier,
            "district": self.district,
            "service": self.service_line,
            "cert": self.certification,
            "founding": "1" if self.founding else "",
            "sort": "" if self.sort == "name" else self.sort,
            "view": "" if self.view == "list" else self.view,
            "per_page": "" if self.per_page == 20 else self.per_page,
        }
        args.update(changes)
        return {k: v for k, v in args.items() if v}

    def active_filters(self) -> list[str]:
        """Return the URL names of the filters in use (what the visitor could loosen)."""
        names = ("q", "type", "tier", "district", "service", "cert", "founding")
        return [n for n in names if self.url_args().get(n)]


def _choice(value: str, choices) -> str:
    return value if value in choices else ""


def directory_filters(query: DirectoryQuery, dialect: str, walk: bool = False) -> list:
    """Return the WHERE clauses of the active units matching the query (`walk`: see search)."""
    clauses = [MemberUnit.status == STATUS_ACTIVE]
    condition = search.condition(query.q, dialect, walk=walk)
    if condition is not None:
        clauses.append(condition)
    if query.org_type:
        clauses.append(MemberUnit.org_type == query.org_type)
    if query.tier:
        clauses.append(MemberUnit.tier == query.tier)
    if query.district:
        clauses.append(MemberUnit.district == query.district)
    if query.founding:
        clauses.append(MemberUnit.is_founding.is_(True))
    if query.service_line:
        clauses.append(
            MemberUnit.id.in_(
                select(unit_service_lines.c.unit_id)
                .join(ServiceLine, ServiceLine.id == unit_service_lines.c.service_line_id)
                .where(ServiceLine.code == query.service_line)
            )
        )
    if query.certification:
        clauses.append(
            MemberUnit.id.in_(
                select(UnitCertification.unit_id)
                .join(Certification)
                .where(Certification.code == query.certification)
            )
        )
    return clauses


def directory_order(query: DirectoryQuery) -> tuple:
    """Return the ORDER BY of the directory: by name, joined date or tier (id breaks ties)."""
    if query.view == "tiers":
        return (MemberUnit.tier_rank, MemberUnit.sort_key, MemberUnit.id)
    if query.sort == "joined":
        return (MemberUnit.joined_on.desc(), MemberUnit.sort_key, MemberUnit.id)
    return (MemberUnit.sort_key, MemberUnit.id)


def directory_ids(query: DirectoryQuery, dialect: str, walk: bool = False):
    """Return the select() of the ids of active units matching the query, in order."""
    filters = directory_filters(query, dialect, walk=walk)
    return select(MemberUnit.id).where(*filters).order_by(*directory_order(query))


def directory_total(query: DirectoryQuery, dialect: str) -> int:
    """Return how many active units match the query (large totals cached for a short time)."""
    key = (
        "members",
        query.q,
        query.org_type,
        query.tier,
        query.district,
        query.service_line,
        query.certification,
        query.founding,
    )
    return capped_total(select(MemberUnit.id).where(*directory_filters(query, dialect)), key)


class DirectoryPagination(Pagination):
    """A page whose OFFSET runs over the ids alone (an index), then loads only that page's rows.

    Skipping 40,000 full rows for page 2,000 costs far more than skipping 40,000 index entries
    (PostgreSQL reads every skipped row from the table). One statement: the rows WHERE id IN
    (the page's ids). Arguments: `ids` (a select of ids in order) and `order` (its ORDER BY).
    """

    def _query_items(self) -> list:
        args = self._query_args
        page_ids = args["ids"].limit(self.per_page).offset((self.page - 1) * self.per_page)
        rows = (
            select(MemberUnit)
            .where(MemberUnit.id.in_(page_ids))
            .order_by(*args["order"])
            .options(*listing_options())
        )
        return list(db.session.scalars(rows))

    def _query_count(self) -> int:
        ids = self._query_args["ids"].order_by(None).subquery()
        return db.session.scalar(select(func.count()).select_from(ids))


def directory_page(query: DirectoryQuery, dialect: str) -> DirectoryPagination:
    """Return the page of units the query asks for, with its total."""
    total = directory_total(query, dialect)
    # Up to DIRECTORY_SORT_MATCHES_UP_TO matches a page sorts the matches; beyond, it walks the
    # ordered index (on SQLite; PostgreSQL's planner chooses by itself). See members/search.py.
    walk = total > current_app.config["DIRECTORY_SORT_MATCHES_UP_TO"]
    page = DirectoryPagination(
        ids=directory_ids(query, dialect, walk=walk),
        order=directory_order(query),
        per_page=query.per_page,
        max_per_page=current_app.config["MAX_PER_PAGE"],
        error_out=False,
        count=False,
    )
    page.total = total
    return page


def listing_options():
    """Eager loads for a page of units: constant queries whatever the page holds."""
    return (
        selectinload(MemberUnit.service_lines),
        selectinload(MemberUnit.certifications).joinedload(UnitCertification.certification),
        selectinload(MemberUnit.logo).options(
            load_only(UnitLogo.id, UnitLogo.unit_id, UnitLogo.sha256)
        ),
    )


def taxonomy():
    """Return (service lines, certifications) in the secretariat's order."""
    lines = db.session.scalars(select(ServiceLine).order_by(ServiceLine.position, ServiceLine.id))
    certs = db.session.scalars(
        select(Certification).order_by(Certification.position, Certification.id)
    )
    return lines.all(), certs.all()


# --- Logos ----------------------------------------------------------------------------------


def set_logo(unit: MemberUnit, stream, actor=None) -> UnitLogo:
    """Check, re-encode and store a unit's logo (raises ImageRejected); audited.

    Refused (UnitNotActive) for a unit that is not active, unless the actor is the secretariat.
    """
    acting.require_writable(unit, actor)
    image = process_image(stream, fit=LOGO_FIT)
    logo = db.session.scalar(select(UnitLogo).where(UnitLogo.unit_id == unit.id))
    old = {"sha256": logo.sha256} if logo else None
    if logo is None:
        logo = UnitLogo(unit_id=unit.id)
        db.session.add(logo)
    logo.content = image.content
    logo.mime_type = image.mime_type
    logo.width = image.width
    logo.height = image.height
    logo.sha256 = image.sha256
    audit.record(
        "member_unit.logo_set",
        unit,
        old=old,
        new={"sha256": image.sha256, "width": image.width, "height": image.height},
    )
    return logo


def remove_logo(unit: MemberUnit, actor=None) -> bool:
    """Delete a unit's logo; audited. Return whether there was one (refused like set_logo)."""
    acting.require_writable(unit, actor)
    logo = db.session.scalar(select(UnitLogo).where(UnitLogo.unit_id == unit.id))
    if logo is None:
        return False
    audit.record("member_unit.logo_removed", unit, old={"sha256": logo.sha256})
    db.session.delete(logo)
    return True


def logo_of(unit: MemberUnit) -> UnitLogo | None:
    return db.session.scalar(select(UnitLogo).where(UnitLogo.unit_id == unit.id))


# --- Statistics -----------------------------------------------------------------------------


@dataclass
class Bar:
    key: str
    label: str
    count: int


def statistics() -> dict[str, list[Bar]]:
    """Count active units by type, tier, district, service line and year joined."""
    active = MemberUnit.status == STATUS_ACTIVE

    def grouped(column, labels):
        rows = dict(
            db.session.execute(select(column, func.count()).where(active).group_by(column)).all()
        )
        bars = [Bar(k, str(v), rows.get(k, 0)) for k, v in labels.items()]
        if rows.get(None):
            from flask_babel import gettext as _

            bars.append(Bar("", _("Not given"), rows[None]))
        return bars

    by_line = db.session.execute(
        select(ServiceLine, func.count(MemberUnit.id))
        .outerjoin(unit_service_lines, unit_service_lines.c.service_line_id == ServiceLine.id)
        .outerjoin(MemberUnit, sa.and_(MemberUnit.id == unit_service_lines.c.unit_id, active))
        .group_by(ServiceLine.id)
        .order_by(ServiceLine.position, ServiceLine.id)
    ).all()
    year = func.extract("year", MemberUnit.joined_on)
    years = db.session.execute(
        select(year, func.count())
        .where(active, MemberUnit.joined_on.is_not(None))
        .group_by(year)
        .order_by(year)
    ).all()
    return {
        "type": grouped(MemberUnit.org_type, ORG_TYPES),
        "tier": grouped(MemberUnit.tier, TIERS),
        "district": grouped(MemberUnit.district, DISTRICTS),
        "service_line": [Bar(line.code, line.label, n) for line, n in by_line],
        "year": [Bar(str(int(y)), str(int(y)), n) for y, n in years],
    }


# --- Taxonomy -------------------------------------------------------------------------------

TAXONOMY_MODELS = {"service-lines": ServiceLine, "certifications": Certification}


def save_taxonomy_item(model, item, data: dict):
    """Create (item None) or update a service line or certification; audited."""
    fields = ("code", "label_zh", "label_en") + (("category",) if model is ServiceLine else ())
    if item is None:
        last = db.session.scalar(select(func.max(model.position))) or 0
        item = model(position=last + 1, **{f: data[f] for f in fields})
        db.session.add(item)
        db.session.flush()
        audit.record(f"{model.__tablename__}.created", item, new={f: data[f] for f in fields})
        return item
    old = {f: getattr(item, f) for f in fields}
    for f in fields:
        setattr(item, f, data[f])
    new = {f: getattr(item, f) for f in fields}
    if old != new:
        audit.record(f"{model.__tablename__}.updated", item, old=old, new=new)
    return item


def code_taken(model, code: str, item=None) -> bool:
    """Tell whether another item of the taxonomy already uses this code."""
    stmt = select(model.id).where(model.code == code)
    if item is not None:
        stmt = stmt.where(model.id != item.id)
    return db.session.scalar(stmt) is not None


def move_taxonomy_item(model, item, direction: int) -> bool:
    """Swap an item with its neighbour (direction -1 up, +1 down); audited. Return moved."""
    items = db.session.scalars(select(model).order_by(model.position, model.id)).all()
    index = items.index(item)
    other = index + direction
    if not 0 <= other < len(items):
        return False
    items[index], items[other] = items[other], items[index]
    for position, each in enumerate(items):
        each.position = position
    audit.record(
        f"{model.__tablename__}.moved", item, old={"position": index}, new={"position": other}
    )
    return True
