"""Demo resource listings from the founding units, and one inquiry thread (idempotent).

Every listing is invented, so every title carries 示例; the units are those of members/demo.py.
"""

from datetime import timedelta

from sqlalchemy import func, insert, select

from alliance.auth.models import User
from alliance.clock import today_local
from alliance.database import utcnow
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

# slug, category, kind, Chinese title, English title, terms, price, capacity, members-only,
# days until expiry (None: open-ended), Chinese description (Markdown)
LISTINGS = (
    (
        "xmist",
        "technical-platform",
        "offer",
        "管理信息系统公共测试平台（示例）",
        "Public test platform for management information systems (example)",
        "at_cost",
        "按测试工时收取成本费",
        "每月 6 个项目",
        False,
        365,
        "市级**公共服务平台**，面向会员单位提供管理信息系统的功能测试、性能测试与安全测试。\n\n"
        "- 测试环境：50 台测试终端、压力测试集群\n- 出具测试报告\n- 预约请提前两周",
    ),
    (
        "xmist",
        "training-base",
        "offer",
        "软件测试实训基地（示例）",
        "Software testing practical-training base (example)",
        "free",
        None,
        "60 名学员",
        False,
        180,
        "学院实训楼三层，可承接企业新员工的**软件测试**实训，配备讲师与实训项目库。",
    ),
    (
        "xmist",
        "talent",
        "offer",
        "应届毕业生实习推荐（示例）",
        "Graduate internship referrals (example)",
        "free",
        None,
        "每年约 200 人",
        False,
        120,
        "软件技术、软件测试、信息管理等专业学生，可按企业需求推荐实习。",
    ),
    (
        "xmist",
        "equipment",
        "offer",
        "移动终端兼容性测试实验室（示例）",
        "Mobile compatibility test lab (example)",
        "at_cost",
        "每天 300 元",
        "120 台终端",
        True,
        200,
        "覆盖主流品牌手机与平板，会员单位可预约使用。",
    ),
    (
        "chinasoft-zhuoyue",
        "training-base",
        "offer",
        "Java 与测试工程师实训基地（示例）",
        "Java and test engineer training base (example)",
        "negotiable",
        "按班次议价",
        "每期 40 人",
        False,
        90,
        "中软卓越厦门实训中心，提供定制化**岗前实训**，结业学员可直接进入项目组。",
    ),
    (
        "chinasoft-zhuoyue",
        "talent",
        "offer",
        "定制班人才输送（示例）",
        "Custom-class talent pipeline (example)",
        "negotiable",
        None,
        "每期 30 人",
        False,
        150,
        "按企业技术栈开设定制班，三个月实训后输送。",
    ),
    (
        "yamaha-xiamen-is",
        "know-how",
        "offer",
        "对日软件开发质量管理经验分享（示例）",
        "Sharing quality practice for Japan-facing development (example)",
        "free",
        None,
        "每季度一场，30 人",
        False,
        240,
        "理事长单位定期举办经验分享会，主题包括评审、缺陷管理与日语沟通。",
    ),
    (
        "yamaha-xiamen-is",
        "projects",
        "offer",
        "嵌入式测试分包项目（示例）",
        "Embedded testing subcontract (example)",
        "negotiable",
        None,
        "约 8 人月",
        True,
        45,
        "需具备 CMMI 3 级以上资质的会员单位承接，详情请通过站内咨询联系。",
    ),
    (
        "suchuan-logistics",
        "office-space",
        "offer",
        "湖里仓储园区办公室出租（示例）",
        "Office rooms at the Huli logistics park (example)",
        "at_cost",
        "每月每平方米 45 元",
        "200 平方米",
        False,
        60,
        "园区内独立办公室，可短租，适合外包项目驻场团队。",
    ),
    (
        "suchuan-logistics",
        "projects",
        "request",
        "物流数据录入外包需求（示例）",
        "Logistics data-entry outsourcing wanted (example)",
        "negotiable",
        None,
        "每日 2 万单",
        False,
        30,
        "寻求具备数据处理能力的会员单位，承接运单数据录入与校验。",
    ),
    (
        "demo-software-1",
        "technical-platform",
        "offer",
        "持续集成云平台共享（示例）",
        "Shared continuous-integration cloud (example)",
        "at_cost",
        "按构建分钟计费",
        "20 个项目",
        True,
        300,
        "基于开源工具搭建的 CI 平台，会员单位可申请独立空间。",
    ),
    (
        "demo-software-1",
        "talent",
        "request",
        "寻求前端开发工程师借调（示例）",
        "Front-end engineers on secondment wanted (example)",
        "negotiable",
        None,
        "3 人，6 个月",
        False,
        40,
        "项目高峰期需要借调前端工程师，熟悉 Vue 或 React。",
    ),
    (
        "demo-testing",
        "equipment",
        "offer",
        "性能测试设备租借（示例）",
        "Performance-testing equipment for loan (example)",
        "at_cost",
        "每周 800 元",
        "2 套",
        False,
        100,
        "负载生成器与网络损伤仪，可整套租借。",
    ),
    (
        "demo-testing",
        "know-how",
        "offer",
        "ISO 27001 认证辅导经验（示例）",
        "ISO 27001 certification coaching (example)",
        "free",
        None,
        "每次 1 家单位",
        False,
        200,
        "分享我们通过 ISO 27001 的文档模板与审核经验。",
    ),
    (
        "demo-data",
        "technical-platform",
        "offer",
        "数据脱敏与存储平台（示例）",
        "Data masking and storage platform (example)",
        "negotiable",
        None,
        "50 TB",
        True,
        365,
        "通过 ISO 27001 认证的数据中心，可为会员单位提供脱敏与存储服务。",
    ),
    (
        "demo-data",
        "projects",
        "offer",
        "数据标注分包（示例）",
        "Data-labelling subcontract (example)",
        "negotiable",
        "按条计价",
        "约 100 万条",
        False,
        25,
        "图像与文本标注项目，欢迎有经验的会员单位承接。",
    ),
    (
        "demo-callcenter",
        "office-space",
        "offer",
        "呼叫中心坐席空间共享（示例）",
        "Call-centre seats to share (example)",
        "at_cost",
        "每席每月 600 元",
        "80 个坐席",
        False,
        150,
        "夜间与周末时段空闲坐席，含话务设备。",
    ),
    (
        "demo-callcenter",
        "training-base",
        "offer",
        "客服人员实训基地（示例）",
        "Customer-service training base (example)",
        "free",
        None,
        "每期 25 人",
        False,
        120,
        "提供话务实操训练，适合院校学生实训。",
    ),
    (
        "demo-university",
        "training-base",
        "offer",
        "大数据实训基地（示例）",
        "Big-data training base (example)",
        "free",
        None,
        "80 名学员",
        False,
        365,
        "学院与企业共建的大数据实训基地，寒暑假向会员单位员工开放。",
    ),
    (
        "demo-university",
        "know-how",
        "offer",
        "联合研发与技术咨询（示例）",
        "Joint R&D and technical consulting (example)",
        "negotiable",
        None,
        None,
        False,
        None,
        "软件工程、人工智能方向教师团队可承接横向课题。",
    ),
    (
        "demo-design",
        "equipment",
        "offer",
        "动作捕捉与渲染设备（示例）",
        "Motion-capture and rendering equipment (example)",
        "at_cost",
        "每天 1500 元",
        "1 套",
        False,
        80,
        "集美园区工作室，可预约使用。",
    ),
    (
        "demo-finance",
        "talent",
        "offer",
        "财务外包专员短期支援（示例）",
        "Short-term finance outsourcing specialists (example)",
        "negotiable",
        None,
        "5 人",
        True,
        60,
        "持证会计人员，可短期支援会员单位的财务外包项目。",
    ),
    (
        "demo-hr",
        "talent",
        "offer",
        "人才测评服务（示例）",
        "Talent assessment service (example)",
        "at_cost",
        "每人 120 元",
        "每月 500 人次",
        False,
        200,
        "提供技术岗位笔试、面试与性格测评。",
    ),
    (
        "demo-cloud",
        "technical-platform",
        "offer",
        "云主机试用资源（示例）",
        "Cloud server trial credits (example)",
        "free",
        None,
        "每家 10 台",
        False,
        90,
        "会员单位可申请三个月免费云主机试用。",
    ),
    (
        "demo-cloud",
        "technical-platform",
        "offer",
        "正版软件许可共享池（示例）",
        "Shared software licence pool (example)",
        "at_cost",
        None,
        "30 个许可",
        True,
        180,
        "开发与测试工具的浮动许可，按使用时长分摊费用。",
    ),
    (
        "demo-embedded",
        "equipment",
        "offer",
        "嵌入式开发实验室（示例）",
        "Embedded development lab (example)",
        "negotiable",
        None,
        "12 个工位",
        False,
        150,
        "示波器、逻辑分析仪与开发板齐全。",
    ),
    (
        "demo-animation",
        "projects",
        "request",
        "寻求动画外包合作（示例）",
        "Animation outsourcing partners wanted (example)",
        "negotiable",
        None,
        "约 20 分钟成片",
        False,
        50,
        "寻找能承接二维动画中期制作的会员单位。",
    ),
    (
        "demo-training",
        "training-base",
        "offer",
        "同安职业技能实训基地（示例）",
        "Tong'an vocational skills training base (example)",
        "at_cost",
        "每人每天 80 元",
        "100 名学员",
        False,
        240,
        "可承接企业员工技能培训与考核。",
    ),
    (
        "demo-certification",
        "know-how",
        "offer",
        "CMMI 评估准备辅导（示例）",
        "CMMI appraisal preparation (example)",
        "negotiable",
        None,
        None,
        False,
        300,
        "为准备 CMMI 评估的会员单位提供差距分析与辅导。",
    ),
    (
        "demo-institute",
        "technical-platform",
        "offer",
        "人工智能算力平台（示例）",
        "AI computing platform (example)",
        "at_cost",
        "按卡时计费",
        "16 张加速卡",
        True,
        365,
        "研究院算力平台向会员单位开放，需提前预约。",
    ),
    (
        "demo-bpo",
        "office-space",
        "request",
        "海沧园区办公场地需求（示例）",
        "Office space wanted in Haicang (example)",
        "negotiable",
        None,
        "约 300 平方米",
        False,
        70,
        "业务扩展，寻求海沧园区可短期租用的办公场地。",
    ),
    (
        "demo-ops",
        "other",
        "offer",
        "机房运维值守互助（示例）",
        "Mutual data-centre on-call cover (example)",
        "negotiable",
        None,
        "7×24",
        False,
        120,
        "翔安园区会员单位之间的机房运维值守互助。",
    ),
)


def load(ctx) -> None:
    """Create the categories, the demo listings and one inquiry thread, once."""
    ensure_default_categories()
    if db.session.scalar(select(func.count()).select_from(Resource)):
        return
    # Only the units the listings name (not every invented unit of `demo-data --members N`).
    wanted = {row[0] for row in LISTINGS} | {"demo-software-1"}
    units = {
        u.slug: u for u in db.session.scalars(select(MemberUnit).where(MemberUnit.slug.in_(wanted)))
    }
    cats = {c.code: c for c in db.session.scalars(select(ResourceCategory))}
    today = today_local()
    now = utcnow()
    created = {}
    for n, row in enumerate(LISTINGS):
        slug, cat, kind, zh, en, terms, price, capacity, members, days, text = row
        unit = units.get(slug)
        if unit is None:
            continue
        listing = Resource(
            unit=unit,
            category=cats[cat],
            kind=kind,
            title_zh=zh,
            title_en=en,
            description_zh=text,
            terms=terms,
            price_text=price,
            capacity=capacity,
            district=unit.district,
            visibility="members" if members else "public",
            available_from=today - timedelta(days=30),
            available_until=today + timedelta(days=days) if days else None,
            status=PUBLISHED,
            published_at=now - timedelta(hours=6 * (len(LISTINGS) - n)),
            is_featured=(n == 0),
            created_by=unit.representative,
        )
        db.session.add(listing)
        created[zh] = listing
    db.session.flush()
    _demo_inquiry(created.get(LISTINGS[0][3]), units.get("demo-software-1"))
    if ctx.extra_members:
        add_extra_listings(cats, today, now)


# Scale data for `demo-data --members N`: one listing for every EXTRA_EVERY invented units.
EXTRA_EVERY = 10
EXTRA_CHUNK = 5000
EXTRA_KINDS = (
    ("training-base", "offer", "实训基地", "training base"),
    ("technical-platform", "offer", "测试平台", "test platform"),
    ("office-space", "offer", "办公场地", "office space"),
    ("talent", "request", "外包人才", "outsourcing staff"),
    ("equipment", "offer", "设备共享", "shared equipment"),
    ("projects", "request", "项目合作", "project partner"),
)


def add_extra_listings(cats, today, now) -> int:
    """Bulk-insert one invented listing for every EXTRA_EVERY invented units."""
    units = db.session.execute(
        select(MemberUnit.id, MemberUnit.district)
        .where(MemberUnit.slug.like("demo-extra-%"))
        .order_by(MemberUnit.id)
    ).all()[::EXTRA_EVERY]
    rows = []
    for n, (unit_id, district) in enumerate(units):
        code, kind, zh, en = EXTRA_KINDS[n % len(EXTRA_KINDS)]
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


def _demo_inquiry(listing, asker) -> None:
    """A test-platform inquiry from an invented software company, answered by the college."""
    if listing is None or asker is None:
        return
    asker_user = db.session.scalar(
        select(User).where(User.email_normalized == unit_email(asker.slug))
    )
    owner_user = listing.unit.representative
    inquiry = Inquiry(
        resource=listing, asker_unit=asker, created_by=asker_user, status=INQUIRY_ANSWERED
    )
    inquiry.messages = [
        InquiryMessage(
            author=asker_user,
            author_unit=asker,
            body="您好，我们的示例 ERP 项目下月需要做性能测试，约 2 周，请问能否预约？",
        ),
        InquiryMessage(
            author=owner_user,
            author_unit=listing.unit,
            body="可以预约。请提供测试范围与并发量要求，我们安排下月第二周。",
        ),
    ]
    db.session.add(inquiry)
