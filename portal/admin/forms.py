"""Administrator forms: users and facilities."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional

from portal.accounts.forms import job_role_choices
from portal.facilities.models import FACILITY_TYPES
from portal.facilities.provinces import PROVINCES
from portal.security import ROLES


class UserForm(FlaskForm):
    """Create or edit a user."""

    name = StringField(
        _l("Full name"), validators=[DataRequired(_l("Enter a name.")), Length(max=200)]
    )
    email = EmailField(
        _l("E-mail"),
        validators=[
            DataRequired(_l("Enter an e-mail address.")),
            Email(message=_l("Enter a valid e-mail address."), check_deliverability=False),
        ],
    )
    role = SelectField(_l("Role"), choices=[])
    facility = StringField(
        _l("Facility licence number"),
        validators=[Optional(), Length(max=64)],
        description=_l("Required for learners and managers."),
    )
    job_role = SelectField(_l("Job role"), choices=[], validators=[Optional()])
    is_active = BooleanField(_l("Active"), default=True)
    password = PasswordField(
        _l("Initial password"),
        validators=[Optional()],
        description=_l("At least 10 characters. Only when creating an account."),
    )

    def __init__(self, *args, **kwargs):
        from portal.labels import ROLE_LABELS

        super().__init__(*args, **kwargs)
        self.role.choices = [SelectChoice(r, ROLE_LABELS[r]) for r in ROLES]
        self.job_role.choices = [SelectChoice("", _l("— none —")), *job_role_choices()]


class FacilityForm(FlaskForm):
    """Create or edit a facility."""

    name = StringField(
        _l("Name"), validators=[DataRequired(_l("Enter the facility's name.")), Length(max=200)]
    )
    licence_number = StringField(
        _l("Operating licence number"),
        validators=[DataRequired(_l("Enter the operating licence number.")), Length(max=64)],
    )
    type = SelectField(_l("Type"), choices=[])
    province = SelectField(_l("Province or city"), choices=[])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=32)])
    email = EmailField(
        _l("Contact e-mail"),
        validators=[
            Optional(),
            Email(message=_l("Enter a valid e-mail address."), check_deliverability=False),
        ],
    )
    is_active = BooleanField(_l("Active"), default=True)

    def __init__(self, *args, **kwargs):
        from portal.labels import FACILITY_TYPE_LABELS

        super().__init__(*args, **kwargs)
        self.type.choices = [SelectChoice(t, FACILITY_TYPE_LABELS[t]) for t in FACILITY_TYPES]
        self.province.choices = [SelectChoice(p.code, p.name) for p in PROVINCES]


class ReasonForm(FlaskForm):
    """Decline a certification request, or revoke a certificate: a reason is required."""

    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(_l("Give the reason.")), Length(max=500)],
        description=_l("Shown to the manager or on the verification page."),
    )
