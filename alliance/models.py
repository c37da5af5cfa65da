"""Import every model so that Alembic and create_all see the whole schema."""

from alliance.audit import AuditEvent  # noqa: F401
from alliance.auth.models import RecoveryCode, User, UserRole  # noqa: F401
from alliance.mail import OutboxMessage  # noqa: F401
from alliance.members.models import (  # noqa: F401
    Certification,
    MemberUnit,
    ServiceLine,
    UnitCertification,
    UnitLogo,
    UnitMembership,
)
