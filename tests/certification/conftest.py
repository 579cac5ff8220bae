"""These tests compare messages with their English source text."""

import pytest
from flask_babel import force_locale


@pytest.fixture(autouse=True)
def _english(app):
    with force_locale("en"):
        yield
