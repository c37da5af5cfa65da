"""Demo data: the 23 founding units with their admins and representatives; the data files."""

import tomllib
from pathlib import Path

from sqlalchemy import func, select

from alliance import demo
from alliance.extensions import db
from alliance.members import credit_code
from alliance.members.models import STATUS_APPLICANT, TIER_CHAIR, MemberUnit
from alliance.membership import transfer

# Pending membership applications (alliance.membership.demo) add units with status applicant.
MEMBERS = MemberUnit.status != STATUS_APPLICANT


def test_demo_creates_the_founding_units(app):
    with app.app_context():
        demo.load()
        db.session.commit()
        units = db.session.scalars(select(MemberUnit).where(MEMBERS)).all()
        assert len(units) == 23
        assert all(u.is_founding and u.is_active for u in units)
        assert all(credit_code.is_valid(u.credit_code) for u in units)
        chair = db.session.scalars(select(MemberUnit).where(MemberUnit.tier == TIER_CHAIR)).one()
        assert chair.name_zh == "雅马哈发动机(厦门)信息系统有限公司"
        invented = [u for u in units if u.slug.startswith("demo-")]
        assert invented and all("示例" in u.name_zh for u in invented)
        assert all(u.representative_id and u.is_admin(u.representative) for u in units)
        demo.load()  # idempotent
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(MemberUnit).where(MEMBERS)) == 23


def test_demo_extra_members(app):
    with app.app_context():
        demo.load(extra_members=5)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(MemberUnit).where(MEMBERS)) == 28


def test_founding_units_file_is_a_unit_import_file(app):
    """units.csv passes the secretariat's unit import as it is; units.toml adds to each row."""
    with app.app_context():
        content = demo.read_data("alliance.members", "units.csv")
        records = transfer.rows_to_records(transfer.read_table("units.csv", content))
        rows, valid = transfer.plan(records)
        assert valid and [r["action"] for r in rows] == ["create"] * 23
        entries = demo.read_toml("alliance.members", "units.toml")["units"]
        assert sorted(e["credit_code"] for e in entries.values()) == sorted(
            r["credit_code"] for r in rows
        )


def test_demo_data_files_are_package_data():
    """`pip install .` ships every feature's demo_data/ file."""
    root = Path(__file__).resolve().parents[1]
    config = tomllib.loads((root / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["alliance"]
    files = [p.relative_to(root / "alliance") for p in root.glob("alliance/*/demo_data/*")]
    assert len(files) >= 5
    assert all(any(f.match(pattern) for pattern in patterns) for f in files)
