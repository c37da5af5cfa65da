"""Demo membership data: applications at different steps, a change request, history (示例 names)."""

from datetime import date

from sqlalchemy import select

from alliance.auth import services as auth_services
from alliance.extensions import db
from alliance.members.demo import EMAIL_DOMAIN, demo_credit_code, unit_email
from alliance.members.models import MemberUnit
from alliance.membership import services
from alliance.membership.models import Application

# number for the credit code, Chinese name, English name, type, district, steps to advance
APPLICATIONS = (
    (
        501,
        "厦门示例智能科技有限公司",
        "Xiamen Example Smart Technology Co., Ltd.",
        "enterprise",
        "huli",
        0,
    ),
    (
        502,
        "厦门示例外包服务有限公司",
        "Xiamen Example Outsourcing Services Co., Ltd.",
        "enterprise",
        "siming",
        1,
    ),
    (
        503,
        "厦门示例数字创意研究院",
        "Xiamen Example Digital Creative Institute",
        "academic",
        "jimei",
        2,
    ),
)


def load(ctx) -> None:
    """Create pending applications, one open change request and some history (idempotent)."""
    from alliance.demo import SECRETARIAT_EMAIL

    secretariat = auth_services.find_user_by_email(SECRETARIAT_EMAIL)
    for n, zh, en, org_type, district, steps in APPLICATIONS:
        code = demo_credit_code(n)
        if db.session.scalar(select(Application.id).where(Application.credit_code == code)):
            continue
        applicant = ctx.ensure_user(
            f"applicant{n}@{EMAIL_DOMAIN}", f"{zh}申请人", f"applicant: {zh}"
        )
        application = services.submit_application(
            {
                "name_zh": zh,
                "name_en": en,
                "credit_code": code,
                "org_type": org_type,
                "district": district,
                "intro_zh": f"{zh}（示例数据）申请加入联盟。",
            },
            {
                "legal_representative": "示例法人",
                "registered_capital": "500万元",
                "established_on": date(2015, 3, 1),
                "registered_address": "厦门市软件园二期示例路1号",
                "business_scope": "软件开发；信息技术咨询服务（示例）",
                "contact_name": "示例联系人",
                "contact_phone": "0592-0000000",
            },
            applicant,
        )
        for _ in range(steps):
            services.advance_application(application, secretariat, "示例：材料齐全。")
    _demo_profile_changes()


def _demo_profile_changes() -> None:
    unit = db.session.scalar(select(MemberUnit).where(MemberUnit.slug == "demo-design"))
    if unit is None or services.open_change_request(unit) is not None:
        return
    admin = auth_services.find_user_by_email(unit_email(unit.slug))
    if admin is None:
        return
    services.update_profile(
        unit,
        {
            "phone": "0592-5550100",
            "website": "https://design.example.org",
            "name_en": "Xiamen Example Creative & Design Co., Ltd.",
        },
        admin,
    )
    db.session.flush()
