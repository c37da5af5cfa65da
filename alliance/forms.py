"""The base form every feature's forms derive from."""

from flask import request
from flask_wtf import FlaskForm
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms.fields import FileField, MultipleFileField


class BaseForm(FlaskForm):
    """The project's form: every form derives from it (CSRF and behaviour in one place)."""

    class Meta(FlaskForm.Meta):
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
