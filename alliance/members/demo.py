"""Demo member units: the 23 founding units of 2012 (real names only where the public record
names them; every invented unit carries 示例), each with an admin who is its representative.

The units are in demo_data/units.csv, read by the unit import (the export's columns); what the
import cannot express (URL slug, contact visibility, service lines, certifications, logo,
introductions) is in demo_data/units.toml.
"""

import hashlib
import io
from datetime import date

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import insert, select

from alliance.auth.demo import ensure_user
from alliance.demo import read_data, read_toml
from alliance.extensions import db
from alliance.members import credit_code
from alliance.members.indexing import derived_values
from alliance.members.models import (
    DISTRICTS,
    ROLE_ADMIN,
    STATUS_ACTIVE,
    TIER_MEMBER,
    Certification,
    Colleague,
    MemberUnit,
    ServiceLine,
    UnitCertification,
    UnitLogo,
    normalize_name,
    unit_service_lines,
)
from alliance.members.taxonomy import ensure_default_taxonomy
from alliance.membership import transfer

EMAIL_DOMAIN = "demo.xmsoa.example.org"


def demo_credit_code(n: int) -> str:
    """Return a valid, obviously invented credit code for demo unit number n."""
    body = f"913502009{n:08d}"
    return body + credit_code.check_character(body)


def unit_email(slug: str) -> str:
    return f"{slug}@{EMAIL_DOMAIN}"


def load(ctx) -> None:
    """Create the taxonomy and the founding units with their admins (idempotent)."""
    ensure_default_taxonomy()
    data = read_toml(__package__, "units.toml")
    lines = {s.code: s for s in db.session.scalars(select(ServiceLine))}
    certs = {c.code: c for c in db.session.scalars(select(Certification))}
    entries = {entry["credit_code"]: (slug, entry) for slug, entry in data["units"].items()}
    for values in import_new_units(read_data(__package__, "units.csv")):
        slug, entry = entries[values["credit_code"]]
        unit = _founding_unit(values, slug, {**data["defaults"], **entry}, lines, certs)
        admin = ensure_user(ctx, unit_email(slug), f"{unit.name_zh}管理员", f"unit admin: {slug}")
        db.session.add(Colleague(user=admin, unit=unit, role=ROLE_ADMIN))
        unit.representative_id = admin.id
    if ctx.extra_members:
        add_extra_units(ctx.extra_members, lines, data["extra"])


def import_new_units(content: bytes) -> list[dict]:
    """Read a units CSV with the unit import; return the parsed values of rows it would create.

    The import's checks and parsing, not its write step: that also stores a preview, an audit
    event and a history row per unit, and derives each slug from the English name, none of
    which the demo had.
    """
    records = transfer.rows_to_records(transfer.read_table("units.csv", content))
    rows, valid = transfer.plan(records)
    if not valid:
        problems = [f"line {r['line']}: {'; '.join(r['errors'])}" for r in rows if r["errors"]]
        raise ValueError("demo units.csv: " + " / ".join(problems))
    lookups = {field: transfer._choice_lookup(field) for field in transfer.CHOICES}
    return [
        {
            field: transfer._parse_value(field, text, lookups)[0]
            for field, text in r["cells"].items()
        }
        for r in rows
        if r["action"] == "create"
    ]


def _founding_unit(values: dict, slug: str, entry: dict, lines, certs) -> MemberUnit:
    """Add one imported unit with what the import cannot express; flush it."""
    unit = MemberUnit(slug=slug)
    unit.set_name(values.pop("name_zh"))
    for field, value in values.items():
        setattr(unit, field, value)
    for field in ("address_visibility", "phone_visibility", "email_visibility"):
        setattr(unit, field, entry[field])
    unit.intro_zh, unit.intro_en = entry["intro_zh"], entry["intro_en"]
    unit.service_lines = [lines[code] for code in entry.get("service_lines", ())]
    unit.certifications = [
        UnitCertification(certification=certs[c["code"]], level=c.get("level"), year=c["year"])
        for c in entry.get("certifications", ())
    ]
    unit.logo = make_logo(entry["logo"]["text"], entry["logo"]["colour"])
    db.session.add(unit)
    db.session.flush()
    return unit


def make_logo(text: str, colour: str) -> UnitLogo:
    """Draw a simple logo: the unit's initials in white on a colour."""
    image = Image.new("RGB", (256, 256), colour)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=110)
    draw.text((128, 128), text, fill="white", font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    content = out.getvalue()
    return UnitLogo(
        content=content,
        mime_type="image/png",
        width=256,
        height=256,
        sha256=hashlib.sha256(content).hexdigest(),
    )


# Invented units for scale tests (`demo-data --members N`), all marked 示例.
CHUNK = 5000
DISTRICT_CODES = tuple(DISTRICTS)


def add_extra_units(count: int, lines, parts: dict) -> int:
    """Bulk-insert `count` invented units for scale tests (idempotent by slug)."""
    existing = set(
        db.session.scalars(select(MemberUnit.slug).where(MemberUnit.slug.like("demo-extra-%")))
    )
    wanted = [1000 + i for i in range(count) if f"demo-extra-{1000 + i}" not in existing]
    words = parts["words"]
    for start in range(0, len(wanted), CHUNK):
        numbers = wanted[start : start + CHUNK]
        rows = [_extra_row(n, parts) for n in numbers]
        ids = db.session.scalars(
            insert(MemberUnit).returning(MemberUnit.id, sort_by_parameter_order=True), rows
        ).all()
        links = [
            {"unit_id": unit_id, "service_line_id": lines[words[n % len(words)][2]].id}
            for unit_id, n in zip(ids, numbers, strict=True)
        ]
        db.session.execute(insert(unit_service_lines), links)
    return len(wanted)


def _extra_row(n: int, parts: dict) -> dict:
    word_zh, word_en, _line = parts["words"][n % len(parts["words"])]
    place_zh, place_en = parts["places"][n // 10 % len(parts["places"])]
    zh = f"厦门{place_zh}示例{word_zh}服务{n}有限公司"
    en = f"Xiamen {place_en}Example {word_en} Services {n} Co., Ltd."
    row = {
        "name_zh": zh,
        "name_normalized": normalize_name(zh),
        "name_en": en,
        "short_name": f"示例{word_zh}{n}",
        "slug": f"demo-extra-{n}",
        "credit_code": demo_credit_code(n),
        "org_type": parts["org_types"][n % len(parts["org_types"])],
        "tier": TIER_MEMBER,
        "is_founding": False,
        "status": STATUS_ACTIVE,
        "district": DISTRICT_CODES[n % len(DISTRICT_CODES)],
        "joined_on": date(2013 + n % 13, 1 + n % 12, 1 + n % 28),
        "founded_year": 1990 + n % 35,
        "staff_size": parts["staff_sizes"][n % len(parts["staff_sizes"])],
        "email": f"demo-extra-{n}@{EMAIL_DOMAIN}",
        "intro_zh": f"示例单位：提供{word_zh}相关的外包服务。",
        "intro_en": f"Invented demo unit offering {word_en.lower()} outsourcing services.",
    }
    row.update(derived_values(row))
    return row
