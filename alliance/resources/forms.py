"""Forms of the resources: browse filters, the resource, images, inquiries, moderation."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    EmailField,
    IntegerField,
    RadioField,
    SearchField,
    SelectField,
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
    Regexp,
    ValidationError,
)

from alliance.forms import BaseForm
from alliance.members.models import DISTRICTS, ORG_TYPES
from alliance.resources.models import CLOSE_REASONS, KINDS, TERMS, VISIBILITIES


def _choices(mapping, blank=None):
    choices = [SelectChoice(key, label) for key, label in mapping.items()]
    return [SelectChoice("", blank)] + choices if blank is not None else choices


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _blank_to_none(value):
    value = _strip(value)
    return value or None


class FilterForm(BaseForm):
    """The browse page's search box and filters (GET, changes nothing)."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search"), validators=[Optional(), Length(max=100)], filters=[_strip])
    kind = SelectField(_l("Offer or request"), validators=[Optional()])
    category = SelectField(_l("Category"), validators=[Optional()])
    district = SelectField(_l("District"), validators=[Optional()])
    terms = SelectField(_l("Terms"), validators=[Optional()])
    org_type = SelectField(_l("Type of member unit"), validators=[Optional()])
    sort = SelectField(
        _l("Sort by"),
        choices=[
            SelectChoice("newest", _l("Newest")),
            SelectChoice("expiring", _l("Soonest to expire")),
        ],
        validators=[Optional()],
    )
    submit = SubmitField(_l("Search"))

    def __init__(self, formdata, categories, **kwargs):
        super().__init__(formdata, **kwargs)
        self.kind.choices = _choices(KINDS, _l("Offers and requests"))
        self.category.choices = [SelectChoice("", _l("All categories"))] + [
            SelectChoice(c.code, c.label) for c in categories
        ]
        self.district.choices = _choices(DISTRICTS, _l("All districts"))
        self.terms.choices = _choices(TERMS, _l("Any terms"))
        self.org_type.choices = _choices(ORG_TYPES, _l("All types"))

    def filters(self) -> dict:
        """Return the filters as a dict; call after validate(): invalid values are ignored."""
        names = ("q", "kind", "category", "district", "terms", "org_type", "sort")
        return {name: None if self[name].errors else self[name].data for name in names}


class ResourceForm(BaseForm):
    """Create or edit a resource."""

    kind = RadioField(_l("Kind"), choices=_choices(KINDS), default="offer")
    category_id = SelectField(_l("Category"), coerce=int, validators=[InputRequired()])
    title_zh = StringField(
        _l("Title (Chinese)"), validators=[DataRequired(), Length(max=200)], filters=[_strip]
    )
    title_en = StringField(
        _l("Title (English)"), validators=[Optional(), Length(max=200)], filters=[_blank_to_none]
    )
    description_zh = TextAreaField(
        _l("Description (Chinese, Markdown)"),
        validators=[DataRequired(), Length(max=20000)],
        filters=[_strip],
        render_kw={"rows": 8},
    )
    description_en = TextAreaField(
        _l("Description (English, Markdown)"),
        validators=[Optional(), Length(max=20000)],
        filters=[_blank_to_none],
        render_kw={"rows": 6},
    )
    terms = SelectField(_l("Terms"), choices=_choices(TERMS), default="negotiable")
    price_text = StringField(
        _l("Price or conditions"),
        validators=[Optional(), Length(max=200)],
        filters=[_blank_to_none],
    )
    district = SelectField(
        _l("District"), choices=_choices(DISTRICTS, _l("Not given")), validators=[Optional()]
    )
    address = StringField(
        _l("Address"), validators=[Optional(), Length(max=300)], filters=[_blank_to_none]
    )
    capacity = StringField(
        _l("Capacity"),
        validators=[Optional(), Length(max=100)],
        filters=[_blank_to_none],
        description=_l("For example: 40 trainees, 200 m², 3 engineers."),
    )
    available_from = DateField(_l("Available from"), validators=[Optional()])
    available_until = DateField(
        _l("Available until"),
        validators=[Optional()],
        description=_l("The listing leaves the site after this day."),
    )
    visibility = RadioField(_l("Who can see it"), choices=_choices(VISIBILITIES), default="public")
    contact_name = StringField(
        _l("Contact person"), validators=[Optional(), Length(max=100)], filters=[_blank_to_none]
    )
    contact_phone = StringField(
        _l("Contact phone"),
        validators=[
            Optional(),
            Length(max=40),
            Regexp(r"^[0-9+\-() ]*$", message=_l("Digits, spaces and + - ( ) only.")),
        ],
        filters=[_blank_to_none],
    )
    contact_email = EmailField(
        _l("Contact email"),
        validators=[Optional(), Length(max=254), Email(check_deliverability=False)],
        filters=[_blank_to_none],
    )
    save = SubmitField(_l("Save as draft"))
    publish = SubmitField(_l("Save and publish"))

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.category_id.choices = [SelectChoice(c.id, c.label) for c in categories]

    def validate_available_until(self, field):
        start = self.available_from.data
        if field.data and start and field.data < start:
            raise ValidationError(_l("The end of availability cannot be before its start."))

    def data_for_service(self) -> dict:
        from alliance.resources.services import EDITABLE_FIELDS

        data = {name: self[name].data for name in EDITABLE_FIELDS}
        data["district"] = data["district"] or None
        return data


class ImageForm(BaseForm):
    image = FileField(_l("Add an image"), validators=[FileRequired(_l("Choose an image file."))])
    upload = SubmitField(_l("Upload"))


class CloseForm(BaseForm):
    reason = RadioField(
        _l("Why does it close?"), choices=_choices(CLOSE_REASONS), default="fulfilled"
    )
    close = SubmitField(_l("Close the listing"))


class ExtendForm(BaseForm):
    available_until = DateField(_l("New end date"), validators=[InputRequired()])
    extend = SubmitField(_l("Extend"))


class AskForm(BaseForm):
    body = TextAreaField(
        _l("Your question"),
        validators=[DataRequired(), Length(max=5000)],
        filters=[_strip],
        render_kw={"rows": 4},
    )
    send = SubmitField(_l("Ask about this"))


class ReplyForm(BaseForm):
    body = TextAreaField(
        _l("Your message"),
        validators=[DataRequired(), Length(max=5000)],
        filters=[_strip],
        render_kw={"rows": 4},
    )
    send = SubmitField(_l("Send"))


class HideForm(BaseForm):
    reason = TextAreaField(
        _l("Reason (sent to the unit)"),
        validators=[DataRequired(), Length(max=2000)],
        filters=[_strip],
        render_kw={"rows": 2},
    )
    hide = SubmitField(_l("Hide"))


class CategoryForm(BaseForm):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Length(max=40),
            Regexp(r"^[a-z0-9-]+$", message=_l("Lower-case letters, digits and hyphens only.")),
        ],
        filters=[_strip],
    )
    label_zh = StringField(
        _l("Chinese label"), validators=[DataRequired(), Length(max=100)], filters=[_strip]
    )
    label_en = StringField(
        _l("English label"), validators=[DataRequired(), Length(max=100)], filters=[_strip]
    )
    position = IntegerField(
        _l("Position"), default=0, validators=[InputRequired(), NumberRange(min=0, max=1000)]
    )
    submit = SubmitField(_l("Save"))
