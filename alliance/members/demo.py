"""Demo member units: the 23 founding units of 2012 (real names only where the public record
names them; every invented unit carries 示例), each with an admin who is its representative."""

from datetime import date

from sqlalchemy import select

from alliance.members import credit_code
from alliance.members.models import (
    ROLE_ADMIN,
    STATUS_ACTIVE,
    TIER_CHAIR,
    TIER_COUNCIL,
    TIER_MEMBER,
    TIER_VICE_CHAIR,
    Certification,
    MemberUnit,
    ServiceLine,
    UnitCertification,
    UnitMembership,
    normalize_name,
)
from alliance.members.taxonomy import ensure_default_taxonomy

FOUNDED = date(2012, 8, 10)
EMAIL_DOMAIN = "demo.xmsoa.example.org"

# slug, Chinese name, English name, type, tier, district, service lines, certifications
FOUNDING_UNITS = (
    (
        "yamaha-xiamen-is",
        "雅马哈发动机(厦门)信息系统有限公司",
        "Yamaha Motor (Xiamen) Information Systems Co., Ltd.",
        "enterprise",
        TIER_CHAIR,
        "siming",
        ("software-development", "software-testing", "it-operations"),
        (("cmmi", "3"), ("iso27001", None)),
    ),
    (
        "xmist",
        "厦门软件职业技术学院",
        "Xiamen Software Vocational & Technical College",
        "academic",
        TIER_VICE_CHAIR,
        "jimei",
        ("training", "software-testing"),
        (),
    ),
    (
        "chinasoft-zhuoyue",
        "中软卓越",
        "ChinaSoft Resources Training (Zhuoyue)",
        "intermediary",
        TIER_VICE_CHAIR,
        "siming",
        ("training",),
        (("iso9001", None),),
    ),
    (
        "suchuan-logistics",
        "速传物流",
        "Suchuan Logistics",
        "enterprise",
        TIER_VICE_CHAIR,
        "huli",
        ("logistics",),
        (("iso9001", None),),
    ),
    (
        "demo-software-1",
        "厦门示例软件开发有限公司",
        "Xiamen Example Software Development Co., Ltd.",
        "enterprise",
        TIER_COUNCIL,
        "siming",
        ("software-development", "cloud-services"),
        (("cmmi", "5"),),
    ),
    (
        "demo-testing",
        "厦门示例测评技术有限公司",
        "Xiamen Example Testing Technology Co., Ltd.",
        "enterprise",
        TIER_COUNCIL,
        "siming",
        ("software-testing",),
        (("iso27001", None), ("cmmi", "3")),
    ),
    (
        "demo-data",
        "厦门示例数据服务有限公司",
        "Xiamen Example Data Services Co., Ltd.",
        "enterprise",
        TIER_COUNCIL,
        "huli",
        ("data-processing", "data-analytics"),
        (("iso27001", None),),
    ),
    (
        "demo-callcenter",
        "示例呼叫中心(厦门)有限公司",
        "Example Call Centre (Xiamen) Co., Ltd.",
        "enterprise",
        TIER_COUNCIL,
        "huli",
        ("call-centre",),
        (("iso20000", None),),
    ),
    (
        "demo-university",
        "示例大学软件学院",
        "Example University School of Software",
        "academic",
        TIER_COUNCIL,
        "siming",
        ("research-development", "training"),
        (),
    ),
    (
        "demo-investment",
        "厦门示例信息投资有限公司",
        "Xiamen Example Information Investment Co., Ltd.",
        "investment",
        TIER_COUNCIL,
        "siming",
        (),
        (),
    ),
    (
        "demo-association",
        "厦门示例软件行业协会",
        "Xiamen Example Software Industry Association",
        "intermediary",
        TIER_COUNCIL,
        "siming",
        (),
        (),
    ),
    (
        "demo-design",
        "厦门示例创意设计有限公司",
        "Xiamen Example Creative Design Co., Ltd.",
        "enterprise",
        TIER_MEMBER,
        "jimei",
        ("design",),
        (),
    ),
    (
        "demo-finance",
        "示例财务外包服务(厦门)有限公司",
        "Example Finance Outsourcing (Xiamen) Co., Ltd.",
        "enterprise",
        TIER_MEMBER,
        "huli",
        ("finance-accounting",),
        (("iso27001", None),),
    ),
    (
        "demo-hr",
        "厦门示例人力资源服务有限公司",
        "Xiamen Example HR Services Co., Ltd.",
        "enterprise",
        TIER_MEMBER,
        "siming",
        ("hr-services",),
        (("pcmm", "3"),),
    ),
    (
        "demo-cloud",
        "厦门示例云计算有限公司",
        "Xiamen Example Cloud Computing Co., Ltd.",
        "enterprise",
        TIER_MEMBER,
        "jimei",
        ("cloud-services", "it-operations"),
        (("iso20000", None), ("itss", "2")),
    ),
    (
        "demo-embedded",
        "厦门示例嵌入式软件有限公司",
        "Xiamen Example Embedded Software Co., Ltd.",
        "enterprise",
        TIER_MEMBER,
        "haicang",
        ("software-development", "research-development"),
        (("cmmi", "3"),),
    ),
    (
        "demo-animation",
        "厦门示例动漫科技有限公司",
        "Xiamen Example Animation Technology Co., Ltd.",
        "enterprise",
        TIER_MEMBER,
        "jimei",
        ("design",),
        (),
    ),
    (
        "demo-training",
        "厦门示例职业培训学校",
        "Xiamen Example Vocational Training School",
        "intermediary",
        TIER_MEMBER,
        "tongan",
        ("training",),
        (),
    ),
    (
        "demo-certification",
        "示例认证咨询(厦门)有限公司",
        "Example Certification Consulting (Xiamen) Co., Ltd.",
        "intermediary",
        TIER_MEMBER,
        "siming",
        (),
        (("iso9001", None),),
    ),
    (
        "demo-institute",
        "厦门示例信息技术研究院",
        "Xiamen Example Institute of Information Technology",
        "academic",
        TIER_MEMBER,
        "xiangan",
        ("research-development", "data-analytics"),
        (),
    ),
    (
        "demo-fund",
        "厦门示例创业投资基金管理有限公司",
        "Xiamen Example Venture Capital Management Co., Ltd.",
        "investment",
        TIER_MEMBER,
        "siming",
        (),
        (),
    ),
    (
        "demo-bpo",
        "厦门示例商务流程外包有限公司",
        "Xiamen Example Business Process Outsourcing Co., Ltd.",
        "enterprise",
        TIER_MEMBER,
        "haicang",
        ("data-processing", "call-centre"),
        (("iso27001", None),),
    ),
    (
        "demo-ops",
        "厦门示例运维服务有限公司",
        "Xiamen Example IT Operations Co., Ltd.",
        "enterprise",
        TIER_MEMBER,
        "xiangan",
        ("it-operations",),
        (("itss", "3"),),
    ),
)


def demo_credit_code(n: int) -> str:
    """Return a valid, obviously invented credit code for demo unit number n."""
    body = f"913502009{n:08d}"
    return body + credit_code.check_character(body)


def unit_email(slug: str) -> str:
    return f"{slug}@{EMAIL_DOMAIN}"


def load(ctx) -> None:
    """Create the taxonomy and the founding units with their admins (idempotent)."""
    ensure_default_taxonomy()
    lines = {s.code: s for s in db_all(ServiceLine)}
    certs = {c.code: c for c in db_all(Certification)}
    for n, (slug, zh, en, org_type, tier, district, line_codes, cert_codes) in enumerate(
        FOUNDING_UNITS, start=1
    ):
        _ensure_unit(
            ctx, n, slug, zh, en, org_type, tier, district, line_codes, cert_codes, lines, certs
        )
    for i in range(ctx.extra_members):
        n = 1000 + i
        slug = f"demo-extra-{n}"
        _ensure_unit(
            ctx,
            n,
            slug,
            f"厦门示例扩展单位{n}有限公司",
            f"Xiamen Example Extra Unit {n}",
            "enterprise",
            TIER_MEMBER,
            "siming",
            ("software-development",),
            (),
            lines,
            certs,
            founding=False,
            with_account=False,
        )


def db_all(model):
    from alliance.extensions import db

    return db.session.scalars(select(model)).all()


def _ensure_unit(
    ctx,
    n,
    slug,
    zh,
    en,
    org_type,
    tier,
    district,
    line_codes,
    cert_codes,
    lines,
    certs,
    founding=True,
    with_account=True,
):
    from alliance.extensions import db

    unit = db.session.scalar(select(MemberUnit).where(MemberUnit.slug == slug))
    if unit is not None:
        return unit
    unit = MemberUnit(
        name_zh=zh,
        name_normalized=normalize_name(zh),
        name_en=en,
        slug=slug,
        credit_code=demo_credit_code(n),
        org_type=org_type,
        tier=tier,
        is_founding=founding,
        status=STATUS_ACTIVE,
        district=district,
        joined_on=FOUNDED if founding else date(2020 + n % 6, 1 + n % 12, 1 + n % 28),
        founded_year=1995 + n % 25,
        email=unit_email(slug),
        intro_zh=f"{zh}是厦门市服务外包产业联盟的会员单位。",
        intro_en=f"{en} is a member unit of the Xiamen Service Outsourcing Industry Alliance.",
    )
    unit.service_lines = [lines[c] for c in line_codes]
    unit.certifications = [
        UnitCertification(certification=certs[code], level=level, year=2010 + n % 10)
        for code, level in cert_codes
    ]
    db.session.add(unit)
    db.session.flush()
    if with_account:
        admin = ctx.ensure_user(unit_email(slug), f"{zh}管理员", f"unit admin: {slug}")
        db.session.add(UnitMembership(user=admin, unit=unit, role=ROLE_ADMIN))
        unit.representative_id = admin.id
    return unit
