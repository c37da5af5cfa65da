"""The default service-line and certification taxonomy (the secretariat may edit it)."""

from sqlalchemy import select

from alliance.extensions import db
from alliance.members.models import Certification, ServiceLine

SERVICE_LINES = (
    # code, category, Chinese, English
    ("software-development", "ITO", "软件开发", "Software development"),
    ("software-testing", "ITO", "软件测试", "Software testing"),
    ("it-operations", "ITO", "IT 运维", "IT operations"),
    ("cloud-services", "ITO", "云计算服务", "Cloud services"),
    ("data-processing", "BPO", "数据处理", "Data processing"),
    ("call-centre", "BPO", "呼叫中心", "Call centres"),
    ("logistics", "BPO", "物流外包", "Logistics outsourcing"),
    ("finance-accounting", "BPO", "财务会计外包", "Finance and accounting"),
    ("hr-services", "BPO", "人力资源外包", "HR services"),
    ("design", "KPO", "设计服务", "Design"),
    ("research-development", "KPO", "研发服务", "Research and development"),
    ("data-analytics", "KPO", "数据分析", "Data analytics"),
    ("training", "KPO", "人才培训", "Talent training"),
)

CERTIFICATIONS = (
    ("cmmi", "CMMI", "CMMI"),
    ("iso27001", "ISO 27001 信息安全管理体系", "ISO 27001"),
    ("iso20000", "ISO 20000 IT 服务管理体系", "ISO 20000"),
    ("iso9001", "ISO 9001 质量管理体系", "ISO 9001"),
    ("pcmm", "PCMM 人力资源成熟度模型", "PCMM"),
    ("itss", "ITSS 信息技术服务标准", "ITSS"),
)


def ensure_default_taxonomy() -> None:
    """Create the default service lines and certifications that do not exist yet."""
    lines = set(db.session.scalars(select(ServiceLine.code)))
    for position, (code, category, zh, en) in enumerate(SERVICE_LINES):
        if code not in lines:
            db.session.add(
                ServiceLine(
                    code=code, category=category, label_zh=zh, label_en=en, position=position
                )
            )
    certs = set(db.session.scalars(select(Certification.code)))
    for position, (code, zh, en) in enumerate(CERTIFICATIONS):
        if code not in certs:
            db.session.add(Certification(code=code, label_zh=zh, label_en=en, position=position))
    db.session.flush()
