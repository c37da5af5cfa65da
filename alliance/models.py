"""Import every model so that Alembic and create_all see the whole schema."""

from alliance.audit import AuditEvent  # noqa: F401
from alliance.auth.models import RecoveryCode, User, UserRole  # noqa: F401
from alliance.elections.models import (  # noqa: F401
    Ballot,
    Candidate,
    Contest,
    CouncilSeat,
    CouncilTerm,
    Election,
    ElectorateEntry,
    Participation,
    TermOffice,
)
from alliance.mail import OutboxMessage  # noqa: F401
from alliance.members.models import (  # noqa: F401
    Certification,
    Colleague,
    MemberUnit,
    ServiceLine,
    UnitCertification,
    UnitLogo,
)
from alliance.membership.models import (  # noqa: F401
    Application,
    ApplicationStep,
    ChangeRequest,
    ImportPreview,
    Invitation,
    UnitHistory,
)
from alliance.resources.models import (  # noqa: F401
    Inquiry,
    InquiryMessage,
    Resource,
    ResourceCategory,
    ResourceImage,
)
