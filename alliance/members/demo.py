"""Demo member units: the 23 founding units of 2012 (real names only where the public record
names them; every invented unit carries 示例), each with an admin who is its representative."""

import hashlib
import io
from datetime import date

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import insert, select

from alliance.members import credit_code
from alliance.members.indexing import derived_values
from alliance.members.models import (
    ROLE_ADMIN,
    STATUS_ACTIVE,
    TIER_CHAIR,
    TIER_COUNCIL,
    TIER_MEMBER,
    TIER_VICE_CHAIR,
    VISIBILITY_HIDDEN,
    VISIBILITY_MEMBERS,
    VISIBILITY_PUBLIC,
    Certification,
    MemberUnit,
    ServiceLine,
    UnitCertification,
    UnitLogo,
    UnitMembership,
    normalize_name,
    unit_service_lines,
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


# Richer profiles for the founding units: short name, staff size, address and intros.
PROFILES = {
    "yamaha-xiamen-is": (
        "雅马哈信息",
        "500-999",
        "厦门市思明区软件园二期示例路 1 号",
        "雅马哈发动机集团在中国设立的信息系统公司，为集团全球业务提供软件开发、测试与 IT 运维"
        "服务，是联盟第一届理事会理事长单位。",
        "The Yamaha Motor group's information-systems company in China, developing, testing and "
        "running software for the group worldwide; chairman unit of the first council.",
    ),
    "xmist": (
        "厦软院",
        "500-999",
        "厦门市集美区示例大道 1199 号",
        "培养软件与服务外包人才的高职院校，建有服务外包实训基地和管理信息系统公共测试平台，"
        "向联盟成员开放。",
        "A vocational college training software and outsourcing talent; it runs an outsourcing "
        "practical-training base and a public test platform for management information systems "
        "open to members.",
    ),
    "chinasoft-zhuoyue": (
        "中软卓越",
        "200-499",
        "厦门市思明区软件园二期示例楼 3 层",
        "中软国际旗下的 IT 人才培训机构，为服务外包企业提供岗前培训和定制化人才输送。",
        "ChinaSoft International's IT training arm, preparing graduates for outsourcing work and "
        "supplying members with trained staff.",
    ),
    "suchuan-logistics": (
        "速传物流",
        "200-499",
        "厦门市湖里区示例物流园 8 号",
        "提供国际货运代理、仓储与供应链管理外包服务的物流企业。",
        "A logistics company offering freight forwarding, warehousing and supply-chain "
        "outsourcing.",
    ),
}

STREETS = ("软件园二期观日路", "软件园三期诚毅大街", "湖里大道", "集美大道", "海沧大道", "翔安南路")
LOGO_COLOURS = ("#1d4ed8", "#047857", "#b45309", "#7c3aed", "#be123c", "#0e7490", "#4d7c0f")


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
    if ctx.extra_members:
        add_extra_units(ctx.extra_members, lines)


def db_all(model):
    from alliance.extensions import db

    return db.session.scalars(select(model)).all()


def _profile(n, slug, zh, en, line_labels):
    """Return the short name, staff size, address and intros of a founding unit."""
    if slug in PROFILES:
        return PROFILES[slug]
    short = zh.replace("厦门", "").replace("(厦门)", "").replace("有限公司", "")[:8]
    areas_zh = "、".join(zh_label for zh_label, _en in line_labels) or "产业服务"
    areas_en = ", ".join(en_label.lower() for _zh, en_label in line_labels) or "industry services"
    intro_zh = (
        f"{zh}（示例单位）是联盟创始会员，主要业务包括{areas_zh}。"
        f"公司扎根厦门，服务国内外客户，积极参与联盟的资源共享与人才培养。"
    )
    intro_en = (
        f"{en} (an invented demo unit) is a founding member of the alliance working in "
        f"{areas_en}. Based in Xiamen, it serves clients at home and abroad and takes part in "
        "the alliance's resource sharing and talent training."
    )
    sizes = ("1-49", "50-199", "200-499", "500-999", "1000+")
    address = f"厦门市{STREETS[n % len(STREETS)]}示例{n * 7 % 300 + 1}号"
    return short, sizes[n % len(sizes)], address, intro_zh, intro_en


def make_logo(text: str, n: int) -> UnitLogo:
    """Draw a simple logo: the unit's initials in white on a colour."""
    image = Image.new("RGB", (256, 256), LOGO_COLOURS[n % len(LOGO_COLOURS)])
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


def initials(english_name: str) -> str:
    words = [w for w in english_name.replace("(", " ").split() if w[:1].isalpha()]
    skip = {"Xiamen", "Example", "Co.,", "Ltd.", "of", "and", "&"}
    letters = [w[0].upper() for w in words if w not in skip]
    return "".join(letters[:2]) or "XM"


def _ensure_unit(
    ctx, n, slug, zh, en, org_type, tier, district, line_codes, cert_codes, lines, certs
):
    from alliance.extensions import db

    unit = db.session.scalar(select(MemberUnit).where(MemberUnit.slug == slug))
    if unit is not None:
        return unit
    short, staff, address, intro_zh, intro_en = _profile(
        n, slug, zh, en, [(lines[c].label_zh, lines[c].label_en) for c in line_codes]
    )
    unit = MemberUnit(
        name_zh=zh,
        name_normalized=normalize_name(zh),
        name_en=en,
        short_name=short,
        slug=slug,
        credit_code=demo_credit_code(n),
        org_type=org_type,
        tier=tier,
        is_founding=True,
        status=STATUS_ACTIVE,
        district=district,
        joined_on=FOUNDED,
        founded_year=1995 + n % 17,
        staff_size=staff,
        address=address,
        address_visibility=VISIBILITY_PUBLIC,
        phone=f"0592-55{n:02d}{n * 37 % 1000:03d}",
        phone_visibility=VISIBILITY_MEMBERS,
        email=unit_email(slug),
        email_visibility=VISIBILITY_HIDDEN if n % 5 == 0 else VISIBILITY_MEMBERS,
        website=f"https://{slug}.example.com",
        intro_zh=intro_zh,
        intro_en=intro_en,
    )
    unit.service_lines = [lines[c] for c in line_codes]
    unit.certifications = [
        UnitCertification(certification=certs[code], level=level, year=2010 + n % 10)
        for code, level in cert_codes
    ]
    unit.logo = make_logo(initials(en), n)
    db.session.add(unit)
    db.session.flush()
    admin = ctx.ensure_user(unit_email(slug), f"{zh}管理员", f"unit admin: {slug}")
    db.session.add(UnitMembership(user=admin, unit=unit, role=ROLE_ADMIN))
    unit.representative_id = admin.id
    return unit


# Invented units for scale tests: names built from these parts, all marked 示例.
EXTRA_WORDS = (
    ("软件", "Software", "software-development"),
    ("测试", "Testing", "software-testing"),
    ("数据", "Data", "data-processing"),
    ("云计算", "Cloud", "cloud-services"),
    ("信息", "Information", "it-operations"),
    ("呼叫", "Contact Centre", "call-centre"),
    ("物流", "Logistics", "logistics"),
    ("设计", "Design", "design"),
    ("智能", "Intelligence", "data-analytics"),
    ("财务", "Finance", "finance-accounting"),
)
EXTRA_PLACES = (("", ""), ("海西", "Haixi "), ("鹭岛", "Ludao "), ("闽南", "Minnan "))
EXTRA_TYPES = ("enterprise",) * 7 + ("academic", "investment", "intermediary")
DISTRICT_CODES = ("siming", "huli", "jimei", "haicang", "tongan", "xiangan")
CHUNK = 5000


def add_extra_units(count: int, lines) -> int:
    """Bulk-insert `count` invented units for scale tests (idempotent by slug)."""
    from alliance.extensions import db

    existing = set(
        db.session.scalars(select(MemberUnit.slug).where(MemberUnit.slug.like("demo-extra-%")))
    )
    wanted = [1000 + i for i in range(count) if f"demo-extra-{1000 + i}" not in existing]
    for start in range(0, len(wanted), CHUNK):
        numbers = wanted[start : start + CHUNK]
        rows = [_extra_row(n) for n in numbers]
        ids = db.session.scalars(
            insert(MemberUnit).returning(MemberUnit.id, sort_by_parameter_order=True), rows
        ).all()
        links = [
            {"unit_id": unit_id, "service_line_id": lines[EXTRA_WORDS[n % 10][2]].id}
            for unit_id, n in zip(ids, numbers, strict=True)
        ]
        db.session.execute(insert(unit_service_lines), links)
    return len(wanted)


def _extra_row(n: int) -> dict:
    word_zh, word_en, _line = EXTRA_WORDS[n % len(EXTRA_WORDS)]
    place_zh, place_en = EXTRA_PLACES[n // 10 % len(EXTRA_PLACES)]
    zh = f"厦门{place_zh}示例{word_zh}服务{n}有限公司"
    en = f"Xiamen {place_en}Example {word_en} Services {n} Co., Ltd."
    row = {
        "name_zh": zh,
        "name_normalized": normalize_name(zh),
        "name_en": en,
        "short_name": f"示例{word_zh}{n}",
        "slug": f"demo-extra-{n}",
        "credit_code": demo_credit_code(n),
        "org_type": EXTRA_TYPES[n % len(EXTRA_TYPES)],
        "tier": TIER_MEMBER,
        "is_founding": False,
        "status": STATUS_ACTIVE,
        "district": DISTRICT_CODES[n % len(DISTRICT_CODES)],
        "joined_on": date(2013 + n % 13, 1 + n % 12, 1 + n % 28),
        "founded_year": 1990 + n % 35,
        "staff_size": ("1-49", "50-199", "200-499")[n % 3],
        "email": f"demo-extra-{n}@{EMAIL_DOMAIN}",
        "intro_zh": f"示例单位：提供{word_zh}相关的外包服务。",
        "intro_en": f"Invented demo unit offering {word_en.lower()} outsourcing services.",
    }
    row.update(derived_values(row))
    return row
