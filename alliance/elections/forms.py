"""Forms for terms, elections, rules, nominations, proxies and ballot-file checks."""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from alliance.clock import SHANGHAI
from alliance.elections.models import BALLOT_FORMS, BASES, COMPARATORS, OFFICES
from alliance.forms import BaseForm


def to_utc(local: datetime | None) -> datetime | None:
    """Read a naive Asia/Shanghai time typed by a person as naive UTC."""
    if local is None:
        return None
    return local.replace(tzinfo=SHANGHAI).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def to_local(utc: datetime | None) -> datetime | None:
    if utc is None:
        return None
    return utc.replace(tzinfo=ZoneInfo("UTC")).astimezone(SHANGHAI).replace(tzinfo=None)


def options(pairs) -> list:
    """Return select options in the form this WTForms version expects."""
    try:
        from wtforms.fields.choices import SelectChoice
    except ImportError:  # WTForms < 3.2 takes (value, label) tuples
        return list(pairs)
    return [SelectChoice(value, label) for value, label in pairs]


def _choices(mapping):
    return options(mapping.items())


class TermForm(BaseForm):
    number = IntegerField(_l("Term number"), validators=[InputRequired(), NumberRange(1, 99)])
    starts_on = DateField(_l("Starts on"), validators=[DataRequired()])
    ends_on = DateField(_l("Ends on"), validators=[DataRequired()])
    seats_chair = IntegerField(OFFICES["chair"], default=1, validators=[NumberRange(0, 5)])
    seats_vice_chair = IntegerField(
        OFFICES["vice_chair"], default=3, validators=[NumberRange(0, 20)]
    )
    seats_secretary_general = IntegerField(
        OFFICES["secretary_general"], default=0, validators=[NumberRange(0, 5)]
    )
    seats_standing = IntegerField(OFFICES["standing"], default=0, validators=[NumberRange(0, 50)])
    seats_council = IntegerField(OFFICES["council"], default=11, validators=[NumberRange(1, 200)])
    submit = SubmitField(_l("Create term"))

    def offices(self) -> dict[str, int]:
        return {o: getattr(self, f"seats_{o}").data or 0 for o in OFFICES}


class ElectionForm(BaseForm):
    term_id = SelectField(_l("Term"), coerce=int)
    stage = SelectField(
        _l("Stage"),
        coerce=int,
        choices=options(
            [
                (1, _l("Stage 1: the assembly elects the council")),
                (2, _l("Stage 2: the council elects its officers")),
            ]
        ),
    )
    title_zh = StringField(_l("Title (Chinese)"), validators=[DataRequired(), Length(max=200)])
    title_en = StringField(_l("Title (English)"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Create election"))


class RulesForm(BaseForm):
    ballot_form = SelectField(_l("Ballot form"), choices=_choices(BALLOT_FORMS))
    contested_required = BooleanField(
        _l("Contested election required (more candidates than seats)")
    )
    proxies_allowed = BooleanField(_l("Proxies allowed"))
    quorum_num = IntegerField(
        _l("Quorum numerator"), validators=[InputRequired(), NumberRange(0, 1000)]
    )
    quorum_den = IntegerField(
        _l("Quorum denominator"), validators=[InputRequired(), NumberRange(1, 1000)]
    )
    quorum_cmp = SelectField(_l("Quorum comparison"), choices=_choices(COMPARATORS))
    quorum_base = SelectField(_l("Quorum base"), choices=_choices(BASES))
    threshold_num = IntegerField(
        _l("Threshold numerator"), validators=[InputRequired(), NumberRange(0, 1000)]
    )
    threshold_den = IntegerField(
        _l("Threshold denominator"), validators=[InputRequired(), NumberRange(1, 1000)]
    )
    threshold_cmp = SelectField(_l("Threshold comparison"), choices=_choices(COMPARATORS))
    threshold_base = SelectField(_l("Threshold base"), choices=_choices(BASES))
    nominations_open_at = DateTimeLocalField(
        _l("Nominations open (Beijing time)"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    nominations_close_at = DateTimeLocalField(
        _l("Nominations close (Beijing time)"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    voting_opens_at = DateTimeLocalField(
        _l("Voting opens (Beijing time)"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    voting_closes_at = DateTimeLocalField(
        _l("Voting closes (Beijing time)"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    submit = SubmitField(_l("Save rules"))

    def validate_voting_closes_at(self, field):
        if field.data and self.voting_opens_at.data and field.data <= self.voting_opens_at.data:
            from wtforms import ValidationError

            raise ValidationError(_l("The window must close after it opens."))

    def values(self) -> dict:
        keys = [
            "ballot_form",
            "contested_required",
            "proxies_allowed",
            "quorum_num",
            "quorum_den",
            "quorum_cmp",
            "quorum_base",
            "threshold_num",
            "threshold_den",
            "threshold_cmp",
            "threshold_base",
        ]
        data = {k: getattr(self, k).data for k in keys}
        data["nominations_open_at"] = to_utc(self.nominations_open_at.data)
        data["nominations_close_at"] = to_utc(self.nominations_close_at.data)
        data["voting_opens_at"] = to_utc(self.voting_opens_at.data)
        data["voting_closes_at"] = to_utc(self.voting_closes_at.data)
        return data


class NominationForm(BaseForm):
    contest_id = SelectField(_l("Office"), coerce=int)
    unit_id = SelectField(_l("Nominee unit"), coerce=int)
    statement = TextAreaField(_l("Statement"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Nominate"))


class CancelForm(BaseForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Cancel the election"))


class ProxyForm(BaseForm):
    unit_id = SelectField(_l("Voting unit"), coerce=int)
    email = StringField(
        _l("Proxy's account email (empty to remove)"), validators=[Optional(), Email()]
    )
    submit = SubmitField(_l("Record proxy"))


class SeatsForm(BaseForm):
    seats = IntegerField(_l("Seats"), validators=[InputRequired(), NumberRange(1, 200)])
    submit = SubmitField(_l("Save"))


class VerifyForm(BaseForm):
    file = FileField(_l("Ballot file (JSON)"), validators=[FileRequired()])
    submit = SubmitField(_l("Check"))


class AnswerForm(BaseForm):
    answer = RadioField(
        _l("Answer"),
        choices=options([("accept", _l("Accept")), ("decline", _l("Decline"))]),
        validators=[DataRequired()],
    )
