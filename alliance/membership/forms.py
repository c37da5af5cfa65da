"""Forms for applying, the self-service profile, colleagues and the secretariat's unit tools."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)
from wtforms.widgets import CheckboxInput, ListWidget

from alliance.auth.forms import confirm_password_field, new_password_field
from alliance.forms import BaseForm
from alliance.members.forms import CreditCode, HttpUrl
from alliance.members.models import (
    DISTRICTS,
    ORG_TYPES,
    STAFF_SIZES,
    STATUSES,
    TIERS,
    UNIT_ROLES,
    VISIBILITIES,
)
from alliance.membership import services


def _choices(mapping, blank=None):
    items = [SelectChoice(code, label) for code, label in mapping.items()]
    return ([SelectChoice("", blank)] if blank is not None else []) + items


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class _UnitFields:
    """Fields shared by the application and the profile form (used as a mixin)."""

    name_zh = StringField(_l("Chinese name"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("English name"), validators=[Optional(), Length(max=300)])
    credit_code = StringField(
        _l("Unified social credit code"),
        validators=[DataRequired(), Length(max=30), CreditCode()],
        description=_l("18 characters, as printed on the business licence."),
    )
    org_type = SelectField(_l("Type of organisation"), choices=_choices(ORG_TYPES))


class ApplicationForm(_UnitFields, BaseForm):
    district = SelectField(
        _l("District"), choices=_choices(DISTRICTS, _l("— choose —")), validators=[Optional()]
    )
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    phone = StringField(_l("Unit phone"), validators=[Optional(), Length(max=40)])
    email = EmailField(_l("Unit email"), validators=[Optional(), Email(), Length(max=254)])
    website = StringField(
        _l("Website"),
        validators=[Optional(), Length(max=300), HttpUrl()],
    )
    intro_zh = TextAreaField(
        _l("Introduction (Chinese)"), validators=[Optional(), Length(max=5000)]
    )
    intro_en = TextAreaField(
        _l("Introduction (English)"), validators=[Optional(), Length(max=5000)]
    )
    legal_representative = StringField(
        _l("Legal representative"), validators=[DataRequired(), Length(max=100)]
    )
    registered_capital = StringField(
        _l("Registered capital"), validators=[Optional(), Length(max=50)]
    )
    established_on = DateField(_l("Date of establishment"), validators=[Optional()])
    registered_address = StringField(
        _l("Registered address"), validators=[Optional(), Length(max=300)]
    )
    business_scope = TextAreaField(_l("Business scope"), validators=[Optional(), Length(max=5000)])
    contact_name = StringField(_l("Contact person"), validators=[DataRequired(), Length(max=100)])
    contact_phone = StringField(_l("Contact phone"), validators=[DataRequired(), Length(max=40)])
    # The applicant's new account (only through a verified link; its address is the link's).
    account_name = StringField(_l("Your name"), validators=[Optional(), Length(max=100)])
    password = new_password_field(_l("Password"))
    confirm = confirm_password_field()
    accept_constitution = BooleanField(
        _l("I have read the alliance's constitution (章程) and the unit accepts it."),
        validators=[DataRequired(message=_l("The constitution must be accepted to apply."))],
    )
    submit = SubmitField(_l("Submit the application"))

    def __init__(self, *args, with_account=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.with_account = with_account
        if not with_account:
            for name in ("account_name", "password", "confirm"):
                delattr(self, name)

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.with_account and not (self.account_name.data or "").strip():
            self.account_name.errors.append(_l("This field is required."))
            ok = False
        if not self.name_zh.errors and not self.credit_code.errors:
            problems = services.duplicate_problems(self.credit_code.data, self.name_zh.data)
            for field, message in problems.items():
                getattr(self, field).errors.append(message)
                ok = False
        return ok


class ApplyEmailForm(BaseForm):
    email = EmailField(
        _l("Your email (your sign-in)"), validators=[DataRequired(), Email(), Length(max=254)]
    )
    submit = SubmitField(_l("Send me the link"))


class CertificationEntry(Form):
    certification_id = HiddenField()
    held = BooleanField()
    level = StringField(_l("Level"), validators=[Optional(), Length(max=20)])
    year = IntegerField(_l("Year"), validators=[Optional(), NumberRange(min=1980, max=2100)])


class ProfileForm(_UnitFields, BaseForm):
    short_name = StringField(_l("Short name"), validators=[Optional(), Length(max=50)])
    district = SelectField(
        _l("District"), choices=_choices(DISTRICTS, _l("— choose —")), validators=[Optional()]
    )
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    address_visibility = SelectField(_l("Who sees the address"), choices=_choices(VISIBILITIES))
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    phone_visibility = SelectField(_l("Who sees the phone"), choices=_choices(VISIBILITIES))
    email = EmailField(_l("Email"), validators=[Optional(), Email(), Length(max=254)])
    email_visibility = SelectField(_l("Who sees the email"), choices=_choices(VISIBILITIES))
    website = StringField(
        _l("Website"),
        validators=[Optional(), Length(max=300), HttpUrl()],
    )
    founded_year = IntegerField(
        _l("Founded in (year)"), validators=[Optional(), NumberRange(min=1800, max=2100)]
    )
    staff_size = SelectField(
        _l("Staff size"), choices=_choices(STAFF_SIZES, _l("— choose —")), validators=[Optional()]
    )
    intro_zh = TextAreaField(
        _l("Introduction (Chinese)"), validators=[Optional(), Length(max=5000)]
    )
    intro_en = TextAreaField(
        _l("Introduction (English)"), validators=[Optional(), Length(max=5000)]
    )
    service_lines = MultiCheckboxField(_l("Service lines"), coerce=int, validate_choice=True)
    certifications = FieldList(FormField(CertificationEntry))
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, unit=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit = unit

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.unit is not None and not self.name_zh.errors and not self.credit_code.errors:
            code = self.credit_code.data if self.credit_code.data else None
            problems = services.duplicate_problems(code, self.name_zh.data, self.unit.id)
            for field, message in problems.items():
                getattr(self, field).errors.append(message)
                ok = False
        return ok


class ReasonForm(BaseForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Reject"))


class NoteForm(BaseForm):
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Next step"))


class InviteForm(BaseForm):
    email = EmailField(
        _l("Colleague's email"), validators=[DataRequired(), Email(), Length(max=254)]
    )
    role = SelectField(_l("Role"), choices=_choices(UNIT_ROLES), default="staff")
    submit = SubmitField(_l("Send invitation"))


class RoleForm(BaseForm):
    role = SelectField(_l("Role"), choices=_choices(UNIT_ROLES))
    submit = SubmitField(_l("Change role"))


class AcceptInvitationForm(BaseForm):
    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=100)])
    password = new_password_field(_l("Password"))
    confirm = confirm_password_field()
    submit = SubmitField(_l("Create my account and join"))


class ConfirmForm(BaseForm):
    submit = SubmitField(_l("Confirm"))


class UnitFilterForm(BaseForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    q = SearchField(_l("Name or credit code"), validators=[Optional(), Length(max=100)])
    org_type = SelectField(
        _l("Type"), choices=_choices(ORG_TYPES, _l("All types")), validators=[Optional()]
    )
    tier = SelectField(
        _l("Tier"), choices=_choices(TIERS, _l("All tiers")), validators=[Optional()]
    )
    district = SelectField(
        _l("District"), choices=_choices(DISTRICTS, _l("All districts")), validators=[Optional()]
    )
    status = SelectField(
        _l("Status"), choices=_choices(STATUSES, _l("All statuses")), validators=[Optional()]
    )
    founding = SelectField(
        _l("Founding member"),
        choices=[
            SelectChoice("", _l("Founding or not")),
            SelectChoice("yes", _l("Founding members")),
            SelectChoice("no", _l("Not founding")),
        ],
        validators=[Optional()],
    )
    submit = SubmitField(_l("Filter"))


class StatusActionForm(BaseForm):
    action = SelectField(
        _l("Action"),
        choices=[SelectChoice(k, v[2]) for k, v in services.STATUS_ACTIONS.items()],
        validators=[InputRequired()],
    )
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Carry out"))


class TierForm(BaseForm):
    tier = SelectField(_l("Tier"), choices=_choices(TIERS))
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Set tier"))


class ImportForm(BaseForm):
    file = FileField(
        _l("CSV or XLSX file"), validators=[FileRequired(message=_l("Choose a file."))]
    )
    submit = SubmitField(_l("Preview"))
