"""Studio tests: trainers who read English (so messages compare with their source text)."""

from __future__ import annotations

import pytest

from portal.extensions import db
from tests.factories import create_user


def detached(user):
    """Return *user* loaded and detached, usable after its app context ends."""
    db.session.refresh(user)
    db.session.expunge(user)
    return user


@pytest.fixture
def trainer(app):
    with app.app_context():
        return detached(create_user("trainer", locale="en", name="Trainer One"))


@pytest.fixture
def studio(client, as_user, trainer):
    """The test client, signed in as a trainer."""
    return as_user(trainer)


def text(response) -> str:
    return response.get_data(as_text=True)
