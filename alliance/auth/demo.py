"""Demo accounts: the secretariat, and the helper every feature's demo step uses for logins."""

from alliance.auth import services
from alliance.auth.models import User
from alliance.permissions import SECRETARIAT

SECRETARIAT_EMAIL = "secretariat@demo.xmsoa.example.org"


def ensure_user(ctx, email: str, name: str, role_label: str, roles=()) -> User:
    """Return the account with this email, creating it (and noting its login) if new."""
    user = services.find_user_by_email(email)
    if user is None:
        password = ctx.password()
        user = services.create_user(email, password, name, roles=tuple(roles))
        ctx.logins.append((role_label, email, password))
    return user


def load(ctx) -> None:
    """Create the demo secretariat account."""
    ensure_user(ctx, SECRETARIAT_EMAIL, "秘书处（示例）", "secretariat", roles=(SECRETARIAT,))
