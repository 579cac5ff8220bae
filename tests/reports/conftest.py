"""The dashboards' tests compare texts with their English source: they run in English."""

import pytest
from flask_babel import force_locale


@pytest.fixture(autouse=True)
def _english(app):
    with force_locale("en"):
        yield
