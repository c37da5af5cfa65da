"""Member-unit forms and the validators other features reuse (credit code, website)."""

from urllib.parse import urlsplit

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Regexp, ValidationError

from alliance.forms import BaseForm
from alliance.members import credit_code


def credit_code_message(code: str) -> str | None:
    """Return the message that says what is wrong with a (normalised) code, or None."""
    problem = credit_code.problem(code)
    if problem == "length":
        return _(
            "A unified social credit code has exactly 18 characters (this one has %(n)d).",
            n=len(code),
        )
    if problem == "character":
        bad = next(ch for ch in code if ch not in credit_code.ALPHABET)
        return _(
            "The code contains “%(ch)s”, which a unified social credit code never uses "
            "(only digits and the letters A–H, J–N, P–R, T, U, W–Y).",
            ch=bad,
        )
    if problem == "check":
        return _(
            "The last character (the check character) does not match the other 17: the code "
            "has a typing mistake. Please compare it with the business licence."
        )
    return None


class CreditCode:
    """WTForms validator: a unified social credit code (GB 32100-2015); says what is wrong.

    It normalises the field's data (stripped, upper-case) so the view stores what was checked.
    """

    def __call__(self, form, field):
        if not field.data:
            return
        field.data = credit_code.normalize(field.data)
        message = credit_code_message(field.data)
        if message is not None:
            raise ValidationError(message)


class HttpUrl:
    """WTForms validator: an absolute http:// or https:// address with a host (no javascript:)."""

    def __init__(self, message=None):
        self.message = message

    def __call__(self, form, field):
        if not field.data:
            return
        field.data = field.data.strip()
        parts = urlsplit(field.data)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ValidationError(
                str(self.message or _("Enter a web address starting with http:// or https://."))
            )
        if any(ch.isspace() for ch in field.data):
            raise ValidationError(_("A web address cannot contain spaces."))


class LogoForm(BaseForm):
    """Upload a unit logo (checked by content on the server, whatever the file is called)."""

    logo = FileField(_l("Logo (PNG, JPEG or WebP, at most 2 MB)"), validators=[FileRequired()])
    submit = SubmitField(_l("Upload logo"))


def _code_field():
    return StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Length(max=40),
            Regexp(r"^[a-z0-9-]+$", message=_l("Use lower-case letters, digits and hyphens.")),
        ],
    )


class ServiceLineForm(BaseForm):
    """Add or edit a service line of the taxonomy."""

    code = _code_field()
    category = SelectField(_l("Category"), choices=[SelectChoice(c) for c in ("ITO", "BPO", "KPO")])
    label_zh = StringField(_l("Chinese label"), validators=[DataRequired(), Length(max=100)])
    label_en = StringField(_l("English label"), validators=[DataRequired(), Length(max=100)])
    submit = SubmitField(_l("Save"))


class CertificationForm(BaseForm):
    """Add or edit a certification of the taxonomy."""

    code = _code_field()
    label_zh = StringField(_l("Chinese label"), validators=[DataRequired(), Length(max=100)])
    label_en = StringField(_l("English label"), validators=[DataRequired(), Length(max=100)])
    submit = SubmitField(_l("Save"))
