"""Forms shared across domains."""

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, SubmitField


class EmptyForm(FlaskForm):
    """A button-only POST (deactivate, cancel, resend…): carries just the CSRF token."""

    submit = SubmitField(_l("Confirm"))


class LanguageForm(FlaskForm):
    """The language switch in the page header."""

    lang = SelectField(
        _l("Language"), choices=[SelectChoice("vi", "Tiếng Việt"), SelectChoice("en", "English")]
    )
    next = HiddenField()


def attach_error(form, exc) -> None:
    """Show a service error at the form field it names (``exc.field``), else as a flash."""
    field = getattr(form, getattr(exc, "field", None) or "", None)
    if field is None:
        flash(str(exc), "error")
    else:
        field.errors = [*field.errors, str(exc)]
