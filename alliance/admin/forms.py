"""Filters and forms for the secretariat's screens."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SearchField, StringField, SubmitField
from wtforms.validators import Length, Optional

from alliance.forms import BaseForm


class AuditFilterForm(BaseForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    action = StringField(_l("Action"), validators=[Optional(), Length(max=64)])
    target_type = StringField(_l("Target type"), validators=[Optional(), Length(max=64)])
    target_id = StringField(_l("Target id"), validators=[Optional(), Length(max=64)])
    actor = StringField(_l("Actor email"), validators=[Optional(), Length(max=254)])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
    submit = SubmitField(_l("Filter"))


class UserSearchForm(BaseForm):
    class Meta:
        csrf = False

    q = SearchField(_l("Email or name"), validators=[Optional(), Length(max=254)])
    submit = SubmitField(_l("Search"))


class RolesForm(BaseForm):
    secretariat = BooleanField(_l("Secretariat"))
    election_officer = BooleanField(_l("Election officer"))
    active = BooleanField(_l("Account active"))
    submit = SubmitField(_l("Save"))
