"""Every static scanner fails on a planted flaw ("plant, see red"), and the gate that reads
wapiti's report fails on each kind of finding it must.

The files are written to a temporary folder: nothing flawed is ever left in the tree. The
dynamic scanners are shown failing on a planted app by ``scripts/scan_dynamic.py --planted``
(run by ``make scan`` in CI; the app is tests/security/planted_app.py).
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, need

SEMGREP = ROOT / ".scanvenv" / "semgrep" / "bin" / "semgrep"
BANDIT_CANDIDATES = (ROOT / ".scanvenv" / "tools" / "bin" / "bandit",
                     ROOT / ".venv" / "bin" / "bandit")
RUFF = ROOT / ".venv" / "bin" / "ruff"

PLANTED_VIEW = '''
from flask import Blueprint, request
from sqlalchemy import text

from portal.extensions import db

bp = Blueprint("planted", __name__)


@bp.route("/people")
def people():
    name = request.args["name"]
    return str(db.session.execute(text(f"SELECT * FROM users WHERE name = '{name}'")).all())
'''
PLANTED_TEMPLATE = """{% extends "base.html" %}
{% block content %}<div class="prose">{{ lesson.body_markdown|safe }}</div>{% endblock %}
"""


@pytest.fixture
def planted(tmp_path) -> Path:
    (tmp_path / "views.py").write_text(PLANTED_VIEW, encoding="utf-8")
    (tmp_path / "lesson.html").write_text(PLANTED_TEMPLATE, encoding="utf-8")
    return tmp_path


def _run(args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=300, cwd=ROOT,
                          check=False, **kwargs)


def test_ruff_s_rules_fail_on_planted_sql(planted):
    result = _run([str(RUFF), "check", "--no-cache", "--isolated", "--select", "S",
                   str(planted / "views.py")])
    assert result.returncode == 1 and "S608" in result.stdout, result.stdout


def test_bandit_fails_on_planted_sql(planted):
    bandit = next((p for p in BANDIT_CANDIDATES if p.exists()), None)
    need(bandit is not None, "bandit is not installed (scripts/scan_tools.sh)")
    result = _run([str(bandit), "-q", "-r", str(planted)])
    assert result.returncode == 1 and "B608" in result.stdout, result.stdout


def test_semgrep_rules_fail_on_each_planted_flaw(planted):
    need(SEMGREP.exists(), "semgrep is not installed (scripts/scan_tools.sh)")
    result = _run([str(SEMGREP), "scan", "--metrics=off", "--disable-version-check",
                   "--strict", "--error", "--json", "--config", str(ROOT / "semgrep-rules"),
                   str(planted)])
    assert result.returncode == 1, result.stderr[-2000:]
    found = {r["check_id"].rsplit(".", 1)[-1] for r in json.loads(result.stdout)["results"]}
    assert found == {"dha-template-safe-filter", "dha-sql-built-from-strings",
                     "dha-view-without-access-rule"}, found


def _scan_module():
    spec = importlib.util.spec_from_file_location("scan_dynamic",
                                                  ROOT / "scripts" / "scan_dynamic.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_wapiti_gate_fails_on_each_gated_kind_and_only_those():
    scan = _scan_module()
    item = {"method": "GET", "path": "/search", "parameter": "q", "info": "payload"}
    for category in ("Reflected Cross Site Scripting", "Stored Cross Site Scripting",
                     "SQL Injection", "Cross Site Request Forgery", "Clickjacking Protection",
                     "MIME Type Confusion", "Content Security Policy Configuration",
                     "HttpOnly Flag cookie", "Open Redirect", "Path Traversal"):
        report = {"vulnerabilities": {category: [item]}, "anomalies": {}}
        assert scan.wapiti_findings(report), category
    assert scan.wapiti_findings({"vulnerabilities": {}, "anomalies": {
        "Internal Server Error": [item]}})
    allowed = {"vulnerabilities": {name: [item] for name in scan.WAPITI_ALLOWED},
               "anomalies": {}}
    assert scan.wapiti_findings(allowed) == []
    assert scan.wapiti_findings({"vulnerabilities": {"SQL Injection": []}}) == []
