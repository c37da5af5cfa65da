"""Access decorators for global roles; per-object checks live in each feature's loader."""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

# Global roles, held by accounts (auth stores them). Per-unit roles (admin, staff,
# representative) live with the member units (alliance.members.acting).
SECRETARIAT = "secretariat"
ELECTION_OFFICER = "election_officer"
GLOBAL_ROLES = (SECRETARIAT, ELECTION_OFFICER)


def roles_required(*roles: str):
    """Require a signed-in user holding any of the given global roles (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not any(current_user.has_role(role) for role in roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


secretariat_required = roles_required(SECRETARIAT)
election_officer_required = roles_required(ELECTION_OFFICER, SECRETARIAT)
