"""Forms of the manager's pages: inviting staff from a file."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField


class BulkInviteForm(FlaskForm):
    """Upload a CSV or XLSX file listing people to invite (name, e-mail, job role)."""

    file = FileField(
        _l("File (CSV or XLSX)"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(["csv", "xlsx", "txt"], _l("Upload a CSV or XLSX file.")),
        ],
        description=_l("Columns: name, e-mail, job role. At most 1,000 people per file."),
    )


class BulkConfirmForm(FlaskForm):
    """Confirm a checked preview; the rows travel signed, so they cannot be altered."""

    payload = HiddenField()
