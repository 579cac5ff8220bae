"""The audit log is append-only: an event, once written, cannot be changed or deleted through
the application (a dishonest administrator cannot erase a revocation or a role change)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal import audit
from portal.audit import AuditEvent
from portal.extensions import db
from tests.factories import create_user


def _revocation() -> AuditEvent:
    return db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "certificate.revoked")).one()


def test_events_cannot_be_changed_or_deleted(app):
    admin = create_user("admin")
    audit.record("certificate.revoked", actor=admin, serial="DHA-2026-000001", reason="x")
    db.session.commit()
    event = _revocation()
    event.action = "certificate.issued"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    event = _revocation()
    db.session.delete(event)
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    assert _revocation().action == "certificate.revoked"
