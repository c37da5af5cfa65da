"""Form pieces shared by several features."""

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError


def _strong_password(_form, field):
    from alliance.auth.services import password_problem

    problem = password_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


def new_password_field(label=None):
    """Return a password field that enforces the platform's password rules (as typed, unstripped)."""
    return PasswordField(
        label or _l("New password"),
        validators=[DataRequired(), Length(max=256), _strong_password],
        render_kw={"autocomplete": "new-password"},
    )


def confirm_password_field(other="password"):
    """Return a field that must repeat the password field named `other`."""
    return PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo(other, message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )
