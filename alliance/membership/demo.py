"""Demo membership data: applications at different steps, a change request, history (示例 names).

The data is in demo_data/applications.toml.
"""

from sqlalchemy import select

from alliance.auth import services as auth_services
from alliance.auth.demo import SECRETARIAT_EMAIL, ensure_user
from alliance.demo import read_toml
from alliance.extensions import db
from alliance.members.demo import unit_email
from alliance.members.models import MemberUnit
from alliance.membership import services
from alliance.membership.models import Application

UNIT_FIELDS = ("name_zh", "name_en", "credit_code", "org_type", "district", "intro_zh")


def load(ctx) -> None:
    """Create pending applications, one open change request and some history (idempotent)."""
    data = read_toml(__package__, "applications.toml")
    secretariat = auth_services.find_user_by_email(SECRETARIAT_EMAIL)
    for entry in data["applications"]:
        code = entry["credit_code"]
        if db.session.scalar(select(Application.id).where(Application.credit_code == code)):
            continue
        zh = entry["name_zh"]
        applicant = ensure_user(ctx, entry["applicant_email"], f"{zh}申请人", f"applicant: {zh}")
        application = services.submit_application(
            {field: entry[field] for field in UNIT_FIELDS}, dict(data["licence"]), applicant
        )
        for _ in range(entry["steps"]):
            services.advance_application(application, secretariat, data["review"]["note"])
    _demo_profile_changes(dict(data["profile_change"]))


def _demo_profile_changes(change: dict) -> None:
    unit = db.session.scalar(select(MemberUnit).where(MemberUnit.slug == change.pop("unit")))
    if unit is None or services.open_change_request(unit) is not None:
        return
    admin = auth_services.find_user_by_email(unit_email(unit.slug))
    if admin is None:
        return
    services.update_profile(unit, change, admin)
    db.session.flush()
