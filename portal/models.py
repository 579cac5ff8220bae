"""Import every model so that the metadata (and Alembic) sees all tables."""

from portal.accounts.models import Invitation, User  # noqa: F401
from portal.audit import AuditEvent  # noqa: F401
from portal.facilities.models import Facility  # noqa: F401
