"""The base form every feature's forms derive from, and the one rule for clean text."""

import re

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms.fields import (
    FileField,
    HiddenField,
    MultipleFileField,
    PasswordField,
    StringField,
    TextAreaField,
)
from wtforms.validators import StopValidation

# Control characters: C0, DEL and C1. A single line refuses them all; a text area keeps line
# breaks and tabs. (CR/LF in a name or subject would break a mail header; NUL breaks PostgreSQL.)
SINGLE_LINE_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
MULTI_LINE_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
CONTROL_CHARACTERS_MESSAGE = _l(
    "Remove the control characters (such as line breaks or tabs) from this field."
)


def strip_controls(text: str) -> str:
    """Return a single line with every control character replaced by a space (search boxes)."""
    return SINGLE_LINE_CONTROLS.sub(" ", text)


def _controls_for(field) -> re.Pattern | None:
    """Return which control characters a field refuses (None: it takes no typed text)."""
    if isinstance(field, TextAreaField):
        return MULTI_LINE_CONTROLS
    # Passwords are only hashed, never shown or mailed: any character is theirs to choose.
    if isinstance(field, StringField) and not isinstance(field, PasswordField | HiddenField):
        return SINGLE_LINE_CONTROLS
    return None


def _refuse_controls(pattern: re.Pattern):
    def check(_form, field) -> None:
        # What the field holds after its filters (a stripped trailing newline is no harm).
        values = [field.data] if isinstance(field.data, str) else (field.raw_data or [])
        if any(isinstance(value, str) and pattern.search(value) for value in values):
            # Stop here: no later validator (or database look-up) sees the value.
            raise StopValidation(str(CONTROL_CHARACTERS_MESSAGE))

    return check


class BaseForm(FlaskForm):
    """The project's form: every form derives from it (CSRF and behaviour in one place)."""

    class Meta(FlaskForm.Meta):
        def bind_field(self, form, unbound_field, options):
            """Give every text field the clean-text rule, before its own validators."""
            field = super().bind_field(form, unbound_field, options)
            pattern = _controls_for(field)
            if pattern is not None:
                field.validators = [_refuse_controls(pattern), *field.validators]
            return field

        def wrap_formdata(self, form, formdata):
            """Give uploaded files only to file fields.

            Flask-WTF merges request.files into the form data, so a file posted under a text
            field's name reached its validators as a FileStorage (Length() raised TypeError:
            a 500).
            """
            data = super().wrap_formdata(form, formdata)
            if not isinstance(data, CombinedMultiDict) or not request.files:
                return data
            clean = MultiDict(request.form)
            for field in form:
                if isinstance(field, FileField | MultipleFileField):
                    clean.setlist(field.name, request.files.getlist(field.name))
            return clean
