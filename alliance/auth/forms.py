"""Forms for signing in and managing one's password."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from alliance.auth.services import password_problem
from alliance.forms import BaseForm


def _strong_password(_form, field):
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


class LoginForm(BaseForm):
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me signed in on this device (30 days)"))
    submit = SubmitField(_l("Sign in"))


class ForgotPasswordForm(BaseForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField(_l("Send reset link"))


class ResetPasswordForm(BaseForm):
    password = new_password_field()
    confirm = confirm_password_field()
    submit = SubmitField(_l("Set new password"))


class ChangePasswordForm(BaseForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )
    password = new_password_field()
    confirm = confirm_password_field()
    submit = SubmitField(_l("Change password"))

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def validate_current_password(self, field):
        if not self.user.check_password(field.data or ""):
            raise ValidationError(_l("The current password is not right."))


class AccountForm(BaseForm):
    display_name = StringField(_l("Display name"), validators=[DataRequired(), Length(max=100)])
    submit = SubmitField(_l("Save"))


class TwoFactorForm(BaseForm):
    code = StringField(
        _l("Code from your authenticator app, or a recovery code"),
        validators=[DataRequired(), Length(max=32)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True},
    )
    submit = SubmitField(_l("Verify"))


class EnableTwoFactorForm(BaseForm):
    code = StringField(
        _l("6-digit code from your authenticator app"),
        validators=[DataRequired(), Length(max=16)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    submit = SubmitField(_l("Turn on two-factor sign-in"))


class ConfirmForm(BaseForm):
    """A form that carries only its CSRF token and a button."""

    submit = SubmitField(_l("Confirm"))


class ReauthenticateForm(BaseForm):
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )
    code = StringField(
        _l("Code from your authenticator app, or a recovery code"),
        validators=[Length(max=32)],
        render_kw={"autocomplete": "one-time-code"},
    )
    submit = SubmitField(_l("Continue"))


class ChangeEmailForm(BaseForm):
    email = EmailField(
        _l("New email address"), validators=[DataRequired(), Email(), Length(max=254)]
    )
    submit = SubmitField(_l("Send confirmation link"))
