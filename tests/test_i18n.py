"""Every visible string is translated into Vietnamese."""

import importlib.util

from tests.conftest import ROOT


def test_every_message_has_a_vietnamese_translation():
    spec = importlib.util.spec_from_file_location("i18n_script", ROOT / "scripts" / "i18n.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.missing("vi") == []
