"""The append-only audit log: who did what, to what, when and from where."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import UTCDateTime, utcnow
from portal.extensions import db

logger = logging.getLogger(__name__)


class AuditEvent(db.Model):
    """One recorded action. Rows are never updated or deleted."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    #: Null for actions by anonymous visitors (a failed sign-in) or the command line.
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    #: Dotted verb such as ``auth.login_failed`` or ``user.role_changed``.
    action: Mapped[str] = mapped_column(String(64), nullable=False)
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    #: Client address as seen by the app (behind a proxy: configure ProxyFix).
    ip: Mapped[str | None] = mapped_column(String(45))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, nullable=False)

    __table_args__ = (
        Index("ix_audit_events_at", "at"),
        Index("ix_audit_events_action", "action"),
        Index("ix_audit_events_object", "object_type", "object_id"),
        #: The audit log viewer's "who" filter, newest first.
        Index("ix_audit_events_actor_at", "actor_id", "at"),
    )


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_change(mapper, connection, target):  # pragma: no cover - defensive
    raise RuntimeError("the audit log is append-only")


def record(
    action: str,
    *,
    actor=None,
    obj=None,
    object_type: str | None = None,
    object_id: Any = None,
    ip: str | None = None,
    **detail: Any,
) -> AuditEvent:
    """Append an event to the audit log in the current transaction.

    :param action: dotted verb, e.g. ``"user.role_changed"``
    :param actor: the user who acted, or ``None``
    :param obj: the model acted upon; its table name and id are recorded
    :param ip: the client address, when the action came from a request
    :param detail: JSON-safe facts about the action (old and new values, reasons)
    :return: the new, flushed event
    """
    if obj is not None:
        object_type = object_type or obj.__tablename__
        object_id = obj.id
    entry = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        ip=ip,
        detail=detail,
    )
    db.session.add(entry)
    db.session.flush()
    logger.info("audit %s by %s on %s:%s", action, entry.actor_id, object_type, object_id)
    return entry
