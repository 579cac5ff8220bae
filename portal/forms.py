"""Forms shared across domains."""

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
