"""Forms for signing in, passwords and accepting an invitation."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from portal.accounts.models import JOB_ROLES
from portal.accounts.passwords import MIN_LENGTH


def job_role_choices():
    """Return (value, label) pairs for the job-role select, labels translated."""
    from portal.labels import JOB_ROLE_LABELS

    return [SelectChoice(value, JOB_ROLE_LABELS[value]) for value in JOB_ROLES]


class LoginForm(FlaskForm):
    """Sign in with e-mail and password."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(_l("Enter your e-mail."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])


class PasswordForm(FlaskForm):
    """Change one's own password."""

    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Enter your current password."))]
    )
    password = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(_l("Enter a new password.")),
            Length(min=MIN_LENGTH, message=_l("Use at least %(n)d characters.", n=MIN_LENGTH)),
        ],
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[EqualTo("password", message=_l("The two passwords differ."))],
    )


class AcceptInvitationForm(FlaskForm):
    """A new staff member sets their name, job role and password."""

    name = StringField(
        _l("Full name"),
        validators=[DataRequired(_l("Enter your full name.")), Length(max=200)],
    )
    job_role = SelectField(_l("Job role"), choices=[])
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(_l("Choose a password.")),
            Length(min=MIN_LENGTH, message=_l("Use at least %(n)d characters.", n=MIN_LENGTH)),
        ],
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[EqualTo("password", message=_l("The two passwords differ."))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.job_role.choices = job_role_choices()


class InviteForm(FlaskForm):
    """A manager invites one person by e-mail."""

    email = EmailField(
        _l("E-mail"),
        validators=[
            DataRequired(_l("Enter an e-mail address.")),
            Email(message=_l("Enter a valid e-mail address."), check_deliverability=False),
        ],
    )
    job_role = SelectField(_l("Job role"), choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.job_role.choices = job_role_choices()
