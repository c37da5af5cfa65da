"""The table of forms the hostile-input corpus is posted to; add a row for every new form.

Each row names the endpoint, the role that uses the form (a role of tests/security/matrix.py,
whose `build_world()` provides the objects), a valid baseline for every field, and how to tell
success from refusal. The corpus (tests/security/test_hostile_inputs.py) replaces one field at
a time with each payload, drops and duplicates fields, breaks the encoding, the CSRF token and
the size; length limits are read from each field's `Length(max=…)` validator in `form_class`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from alliance.admin.forms import AuditFilterForm, RolesForm, UserSearchForm
from alliance.auth import forms as auth_forms
from alliance.auth import services as auth_services
from alliance.auth.models import User
from alliance.extensions import db
from tests.factories import PASSWORD
from tests.security.matrix import World

NEW_PASSWORD = "a much better passphrase 2026"


def _no_args(_world: World) -> dict:
    return {}


def _nothing(_app, _client, _world) -> None:
    return None


@dataclass(frozen=True)
class FormCase:
    name: str
    endpoint: str
    role: str  # who fills it in: a role of matrix.ROLES
    fields: dict[str, str]  # field -> a valid value
    form_class: type | None = None  # for Length(max=…) limits and field kinds
    method: str = "POST"
    args: Callable[[World], dict] = _no_args  # URL arguments, built in an app context
    success: str | None = None  # Location prefix of a successful submission (None: no redirect)
    show: str | None = None  # page that shows what the form stored, checked for escaping
    prepare: Callable = _nothing  # (app, client, world) before each submission
    # Fields whose value must be a real one for the form to get anywhere (e.g. the password).
    fuzz: tuple[str, ...] | None = None  # default: every field
    id_fields: tuple[str, ...] = ()  # fields that name objects: also posted with other units' ids
    file_fields: tuple[str, ...] = ()  # upload fields: oversize, mismatched, bomb payloads
    volatile: dict[str, set[str]] = field(default_factory=dict)  # table -> columns it may touch


def _reset_args(world: World) -> dict:
    user = db.session.get(User, world.users["own_unit_staff"])
    return {"token": auth_services.make_reset_token(user)}


def _pending_second_step(app, client, world) -> None:
    """Put the client half-way through a two-factor sign-in of the secretariat."""
    with app.app_context():
        user = db.session.get(User, world.users["secretariat"])
        user.totp_last_step = None
        db.session.commit()
    client.post("/login", data={"email": world.emails["secretariat"], "password": PASSWORD})


def _enrolment_started(app, client, world) -> None:
    client.get("/account/2fa")


SIGN_IN_COUNTERS = {"users": {"failed_logins", "locked_until", "last_login_at", "totp_last_step"}}

FORMS: list[FormCase] = [
    FormCase(
        "login",
        "auth.login",
        "anonymous",
        {"email": "own-staff@example.org", "password": PASSWORD},
        auth_forms.LoginForm,
        success="/",
        volatile=SIGN_IN_COUNTERS,
    ),
    FormCase(
        "login second step",
        "auth.login_verify",
        "anonymous",
        {"code": "000000"},
        auth_forms.TwoFactorForm,
        success="/",
        prepare=_pending_second_step,
        volatile=SIGN_IN_COUNTERS,
    ),
    FormCase(
        "forgot password",
        "auth.forgot_password",
        "anonymous",
        {"email": "nobody@example.org"},
        auth_forms.ForgotPasswordForm,
        success="/login",
    ),
    FormCase(
        "reset password",
        "auth.reset_password",
        "anonymous",
        {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        auth_forms.ResetPasswordForm,
        args=_reset_args,
        success="/login",
    ),
    FormCase(
        "change password",
        "auth.change_password",
        "own_unit_staff",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        None,  # needs a user to construct; limits come from the shared password fields
        success="/account",
    ),
    FormCase(
        "account",
        "auth.account",
        "own_unit_staff",
        {"display_name": "王小明"},
        auth_forms.AccountForm,
        success="/account",
        show="/account",
    ),
    FormCase(
        "change email",
        "auth.change_email",
        "own_unit_staff",
        {"email": "new-address@example.org"},
        auth_forms.ChangeEmailForm,
        success="/account",
    ),
    FormCase(
        "re-authenticate",
        "auth.reauthenticate",
        "own_unit_staff",
        {"password": PASSWORD, "code": ""},
        auth_forms.ReauthenticateForm,
        success="/",
        volatile=SIGN_IN_COUNTERS,
    ),
    FormCase(
        "enable two-factor",
        "auth.two_factor_enable",
        "own_unit_staff",
        {"code": "000000"},
        auth_forms.EnableTwoFactorForm,
        prepare=_enrolment_started,
    ),
    FormCase(
        "language",
        "main.set_language",
        "anonymous",
        {"lang": "en", "next": "/login"},
        success="/",
    ),
    FormCase(
        "admin: user roles",
        "admin.user_detail",
        "secretariat",
        {"secretariat": "", "election_officer": "y", "active": "y"},
        RolesForm,
        args=lambda w: {"user_id": w.users["own_unit_staff"]},
        success="/admin/users/",
    ),
    FormCase(
        "admin: audit filters",
        "admin.audit_log",
        "secretariat",
        {
            "action": "user.",
            "target_type": "users",
            "target_id": "1",
            "actor": "sec@example.org",
            "date_from": "2026-01-01",
            "date_to": "2026-12-31",
        },
        AuditFilterForm,
        method="GET",
    ),
    FormCase(
        "admin: user search",
        "admin.users",
        "secretariat",
        {"q": "example"},
        UserSearchForm,
        method="GET",
    ),
]
