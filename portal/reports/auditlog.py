"""Reading the audit log: filters by actor, action, object and date, one page at a time.

Dates are days in the portal's time zone (Asia/Ho_Chi_Minh by default), turned into UTC
bounds: "from 1 March to 31 March" means from 1 March 00:00 to 1 April 00:00 local time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import get_timezone
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from portal.accounts.models import User
from portal.audit import AuditEvent
from portal.extensions import db
from portal.pagination import Page
from portal.text import escape_like, fold

__all__ = ["AUDIT_PAGE_SIZE", "AuditFilters", "EXPORT_LIMIT", "audit_choices", "audit_page",
           "audit_rows"]

AUDIT_PAGE_SIZE = 50
#: Most events one export holds (newest first); narrow the filters for older ones.
EXPORT_LIMIT = 100_000


@dataclass(frozen=True)
class AuditFilters:
    """Validated filters of the audit log viewer; ``errors`` lists what was refused."""

    actor: str = ""
    actor_id: int | None = None
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1
    errors: tuple[str, ...] = ()

    @classmethod
    def from_args(cls, args) -> AuditFilters:
        """Return the filters in a query string; a malformed value is dropped with an error."""
        errors = []

        def day(name):
            raw = (args.get(name) or "").strip()
            if not raw:
                return None
            try:
                return date.fromisoformat(raw)
            except ValueError:
                errors.append(str(_l("Not a date: %(value)s (use YYYY-MM-DD).", value=raw[:20])))
                return None

        def integer(name, default=None):
            raw = (args.get(name) or "").strip()
            if not raw:
                return default
            try:
                return int(raw)
            except ValueError:
                errors.append(str(_l("Not a number: %(value)s", value=raw[:20])))
                return default

        date_from, date_to = day("from"), day("to")
        if date_from and date_to and date_from > date_to:
            errors.append(str(_l("The start date is after the end date.")))
            date_from = date_to = None
        return cls(actor=(args.get("actor") or "").strip()[:100],
                   actor_id=integer("actor_id"),
                   action=(args.get("action") or "").strip()[:64],
                   object_type=(args.get("object_type") or "").strip()[:32],
                   object_id=(args.get("object_id") or "").strip()[:64],
                   date_from=date_from, date_to=date_to,
                   page=max(1, integer("page", 1) or 1), errors=tuple(errors))

    def args(self, **changes) -> dict[str, str]:
        """Return these filters as query-string arguments, with *changes* applied."""
        values = {"actor": self.actor, "actor_id": self.actor_id, "action": self.action,
                  "object_type": self.object_type, "object_id": self.object_id,
                  "from": self.date_from.isoformat() if self.date_from else "",
                  "to": self.date_to.isoformat() if self.date_to else "",
                  "page": self.page}
        values.update(changes)
        if values.get("page") in (1, "1"):
            values["page"] = None
        return {k: str(v) for k, v in values.items() if v not in ("", None)}

    def _bound(self, day: date) -> datetime:
        zone = get_timezone()
        naive = datetime.combine(day, time.min)
        # pytz zones must localize (replace() would pick the zone's first, historic offset).
        local = zone.localize(naive) if hasattr(zone, "localize") else naive.replace(tzinfo=zone)
        return local.astimezone(UTC)

    def conditions(self, actor) -> list:
        """Return the WHERE conditions; *actor* is the outer-joined users table."""
        conditions = []
        if self.actor_id is not None:
            conditions.append(AuditEvent.actor_id == self.actor_id)
        if self.actor:
            if self.actor in ("-", "system"):
                conditions.append(AuditEvent.actor_id.is_(None))
            else:
                conditions.append(or_(
                    actor.c.name_folded.like(f"%{escape_like(fold(self.actor))}%", escape="\\"),
                    actor.c.email.like(f"%{escape_like(self.actor.lower())}%", escape="\\")))
        if self.action:
            if self.action.endswith("."):  # a family: "certificate." matches certificate.*
                conditions.append(AuditEvent.action.like(f"{escape_like(self.action)}%",
                                                         escape="\\"))
            else:
                conditions.append(AuditEvent.action == self.action)
        if self.object_type:
            conditions.append(AuditEvent.object_type == self.object_type)
        if self.object_id:
            conditions.append(AuditEvent.object_id == self.object_id)
        if self.date_from:
            conditions.append(AuditEvent.at >= self._bound(self.date_from))
        if self.date_to:
            conditions.append(AuditEvent.at < self._bound(self.date_to + timedelta(days=1)))
        return conditions


@dataclass(frozen=True)
class AuditRow:
    """One event with its actor's name and e-mail."""

    id: int
    at: datetime
    action: str
    actor_id: int | None
    actor_name: str | None
    actor_email: str | None
    object_type: str | None
    object_id: str | None
    ip: str | None
    detail: dict


def _query(filters: AuditFilters):
    actor = User.__table__.alias("actor")
    stmt = (select(AuditEvent.id, AuditEvent.at, AuditEvent.action, AuditEvent.actor_id,
                   actor.c.name, actor.c.email, AuditEvent.object_type, AuditEvent.object_id,
                   AuditEvent.ip, AuditEvent.detail)
            .select_from(AuditEvent)
            .outerjoin(actor, actor.c.id == AuditEvent.actor_id)
            .where(*filters.conditions(actor)))
    return stmt


def audit_page(filters: AuditFilters, per_page: int = AUDIT_PAGE_SIZE) -> Page:
    """Return one page of matching events, newest first (two queries)."""
    stmt = _query(filters)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    pages = max(1, -(-total // per_page))
    page = min(filters.page, pages)
    rows = db.session.execute(stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                              .limit(per_page).offset((page - 1) * per_page))
    return Page([AuditRow(*r) for r in rows], page, per_page, total)


def audit_rows(filters: AuditFilters, limit: int = EXPORT_LIMIT):
    """Yield matching events, newest first, at most *limit* (streamed in batches)."""
    stmt = (_query(filters).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
            .execution_options(yield_per=1000))
    for row in db.session.execute(stmt):
        yield AuditRow(*row)


def audit_choices() -> tuple[list[str], list[str]]:
    """Return the actions and object types that occur in the log (two queries)."""
    actions = list(db.session.scalars(select(AuditEvent.action).distinct()
                                      .order_by(AuditEvent.action)))
    types = list(db.session.scalars(select(AuditEvent.object_type).distinct()
                                    .where(AuditEvent.object_type.is_not(None))
                                    .order_by(AuditEvent.object_type)))
    return actions, types
