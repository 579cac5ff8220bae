"""`flask certs rotate-key` and `flask certs verify FILE`."""

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from flask.cli import FlaskGroup

from portal.certification.cli import certs_cli
from portal.certification.credentials import CredentialData, issue_token
from portal.certification.keys import EXTENSION, Keyring, get_keyring

BASE = "https://academy.example.vn"


def make_data(**changes) -> CredentialData:
    now = datetime.now(UTC)
    values = dict(
        serial="DHA-2026-000123",
        verification_code="q8Jd0vX2mT8wR4yL6nB1cA",
        kind="course",
        achievement_id=f"{BASE}/courses/data-standards",
        achievement_name={"vi": "Chuẩn dữ liệu y tế", "en": "Health data standards"},
        achievement_description={"vi": "Khóa học.", "en": "A course."},
        achievement_criteria={"vi": "Hoàn thành.", "en": "Complete it."},
        issued_at=now - timedelta(days=1),
        expires_at=now + timedelta(days=1095),
        issuer_name={"vi": "Học viện Y tế số", "en": "Digital Health Academy"},
        issuer_url=BASE,
        verify_url=f"{BASE}/verify/q8Jd0vX2mT8wR4yL6nB1cA",
        jwks_url=f"{BASE}/.well-known/jwks.json",
        holder_name="Nguyễn Thị Hằng",
        holder_id="sha256$" + "ab" * 32,
    )
    values.update(changes)
    return CredentialData(**values)


@pytest.fixture
def certs(app, tmp_path, monkeypatch):
    """Run `flask certs …` with the keys in a temporary instance folder."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    monkeypatch.delitem(app.extensions, EXTENSION, raising=False)
    if "certs" not in app.cli.commands:  # until portal.cli registers the group
        monkeypatch.setitem(app.cli.commands, "certs", certs_cli)
    runner = app.test_cli_runner()

    def run(*args, **kwargs):
        return runner.invoke(args=["certs", *args], **kwargs)

    return run


@pytest.fixture
def keyring(app, certs):
    with app.app_context():
        return get_keyring()


def _write(tmp_path, token, name="cert.jwt"):
    path = tmp_path / name
    path.write_text(token + "\n", encoding="utf-8")
    return str(path)


def test_rotate_key_prints_the_new_kid_and_keeps_the_old_one(certs, keyring):
    old = keyring.current.kid
    result = certs("rotate-key")
    assert result.exit_code == 0, result.output
    new = result.stdout.strip()
    assert new != old and len(new) == 43
    assert keyring.current.kid == new
    assert {k["kid"] for k in keyring.public_jwks()["keys"]} == {old, new}


def test_verify_a_valid_certificate(certs, keyring, tmp_path):
    path = _write(tmp_path, issue_token(make_data(), keyring))
    result = certs("verify", path)
    assert result.exit_code == 0, result.output
    assert "Nguyễn Thị Hằng" in result.output
    assert "Chuẩn dữ liệu y tế (Health data standards)" in result.output
    assert "Học viện Y tế số" in result.output
    assert "Expires:" in result.output
    assert result.output.rstrip().endswith("VALID: the signature and dates check out.")


def test_verify_after_rotation_and_from_standard_input(certs, keyring, tmp_path):
    token = issue_token(make_data(), keyring)
    assert certs("rotate-key").exit_code == 0
    result = certs("verify", "-", input=token)
    assert result.exit_code == 0, result.output


def test_verify_a_facility_certificate(certs, keyring, tmp_path):
    data = make_data(kind="facility", holder_name=None, holder_id=None,
                     facility_name="Nhà thuốc Minh Châu", facility_licence="PT-0042",
                     facility_province="Đà Nẵng")
    result = certs("verify", _write(tmp_path, issue_token(data, keyring)))
    assert result.exit_code == 0, result.output
    assert "Nhà thuốc Minh Châu" in result.output
    assert "PT-0042" in result.output
    assert "Đà Nẵng" in result.output


def test_verify_a_tampered_certificate(certs, keyring, tmp_path):
    header, payload, signature = issue_token(make_data(), keyring).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["credentialSubject"]["name"] = "Trần Văn Giả"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    result = certs("verify", _write(tmp_path, f"{header}.{forged}.{signature}"))
    assert result.exit_code == 1
    assert "NOT verified" in result.output
    assert "NOT VALID: the signature does not match" in result.output


def test_verify_an_expired_certificate(certs, keyring, tmp_path):
    past = datetime.now(UTC) - timedelta(days=2000)
    data = make_data(issued_at=past, expires_at=past + timedelta(days=1095))
    result = certs("verify", _write(tmp_path, issue_token(data, keyring)))
    assert result.exit_code == 1
    assert "NOT VALID: expired on" in result.output


def test_verify_against_a_jwks_file(certs, keyring, tmp_path):
    token = issue_token(make_data(), keyring)
    ours = tmp_path / "ours.json"
    ours.write_text(json.dumps(keyring.public_jwks()))
    theirs = tmp_path / "theirs.json"
    theirs.write_text(json.dumps(Keyring(tmp_path / "elsewhere").public_jwks()))
    path = _write(tmp_path, token)
    assert certs("verify", path, "--jwks", str(ours)).exit_code == 0
    result = certs("verify", path, "--jwks", str(theirs))
    assert result.exit_code == 1
    assert "unknown key" in result.output
    (tmp_path / "bad.json").write_text("{}")
    result = certs("verify", path, "--jwks", str(tmp_path / "bad.json"))
    assert result.exit_code == 1
    assert "not a JWKS" in result.output


def test_verify_garbage(certs, keyring, tmp_path):
    result = certs("verify", _write(tmp_path, "this is not a token"))
    assert result.exit_code == 1
    assert "NOT VALID: not a compact JWS" in result.output


def test_the_group_is_a_flask_app_group():
    assert certs_cli.name == "certs"
    assert {"rotate-key", "verify"} <= set(certs_cli.commands)
    assert not isinstance(certs_cli, FlaskGroup)
