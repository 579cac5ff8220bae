"""Import every model so that the metadata (and Alembic) sees all tables."""

from portal.accounts.models import Invitation, User  # noqa: F401
from portal.audit import AuditEvent  # noqa: F401
from portal.catalog.models import (  # noqa: F401
    Course,
    CourseItem,
    CourseMedia,
    CourseVersion,
    MediaBlob,
)
from portal.certification.models import (  # noqa: F401
    Certificate,
    CertificationRequest,
    Programme,
)
from portal.facilities.models import Facility  # noqa: F401
from portal.progress.models import CourseCompletion, LessonRead, QuizPass  # noqa: F401
from portal.quizzes.models import Attempt, AttemptQuestion, QuizQuestion  # noqa: F401
