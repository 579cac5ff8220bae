"""Signing keys: generated once and lazily, RFC 7638 kids, rotation, production settings."""

import stat
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from portal.certification.keys import (
    EXTENSION,
    Keyring,
    SigningKeyError,
    check_config,
    generate_key,
    get_keyring,
    thumbprint,
)


def _pem(key) -> str:
    return key.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode("ascii")


def _fake_app(tmp_path, **config):
    return SimpleNamespace(instance_path=str(tmp_path), config=config, extensions={})


def test_kid_is_the_rfc7638_thumbprint():
    # The example of RFC 7638, section 3.1.
    jwk = {
        "kty": "RSA",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L"
             "6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4Qy"
             "Q5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbI"
             "SD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-"
             "kEgU8awapJzKnqDKgw",
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29",
    }
    assert thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_nothing_is_read_or_written_until_a_key_is_needed(tmp_path):
    keyring = Keyring.from_app(_fake_app(tmp_path))
    assert not (tmp_path / "signing-keys").exists()
    keyring.public_jwks()
    assert (tmp_path / "signing-keys").is_dir()


def test_development_key_is_generated_once_with_mode_0600_and_reused(tmp_path):
    first = Keyring(tmp_path).current
    folder = tmp_path / "signing-keys"
    private = folder / f"{first.kid}.pem"
    assert private.exists()
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert (folder / "current").read_text().strip() == first.kid
    assert first.private_key.key_size >= 2048
    mtime = private.stat().st_mtime_ns

    again = Keyring(tmp_path).current  # a new process, say
    assert again.kid == first.kid
    assert private.stat().st_mtime_ns == mtime
    assert sorted(p.name for p in folder.glob("*.pem")) == [f"{first.kid}.pem"]


def test_loaded_key_objects_are_reused(tmp_path):
    keyring = Keyring(tmp_path)
    assert keyring.current is keyring.current
    assert keyring.current.private_key is keyring.current.private_key


def test_jwks_lists_public_keys_only(tmp_path):
    keyring = Keyring(tmp_path)
    (key,) = keyring.public_jwks()["keys"]
    assert set(key) == {"kty", "n", "e", "kid", "alg", "use"}
    assert (key["kty"], key["alg"], key["use"]) == ("RSA", "RS256", "sig")
    assert key["kid"] == keyring.current.kid == thumbprint(key)


def test_rotate_adds_a_current_key_and_keeps_the_old_one_published(tmp_path):
    keyring = Keyring(tmp_path)
    old = keyring.current.kid
    new = keyring.rotate(tmp_path)
    assert new != old
    assert keyring.current.kid == new
    kids = [k["kid"] for k in keyring.public_jwks()["keys"]]
    assert kids[0] == new
    assert set(kids) == {old, new}
    third = keyring.rotate()
    assert [k["kid"] for k in keyring.public_jwks()["keys"]][0] == third
    assert {k["kid"] for k in keyring.public_jwks()["keys"]} == {old, new, third}


def test_a_rotation_by_another_process_is_picked_up(tmp_path):
    web = Keyring(tmp_path)
    old = web.current.kid
    new = Keyring(tmp_path).rotate()  # `flask certs rotate-key` in another process
    assert web.current.kid == new
    assert {k["kid"] for k in web.public_jwks()["keys"]} == {old, new}
    assert web.public_key(old) is not None


def test_production_without_a_key_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.delenv("PORTAL_SIGNING_KEY", raising=False)
    app = _fake_app(tmp_path, PORTAL_ENV="production")
    with pytest.raises(SigningKeyError, match="PORTAL_SIGNING_KEY is not set"):
        check_config(app)
    with pytest.raises(SigningKeyError, match="PORTAL_SIGNING_KEY is not set"):
        _ = Keyring.from_app(app).current
    assert not (tmp_path / "signing-keys" / "current").exists()


def test_production_key_from_a_pem_string_or_a_file(tmp_path, monkeypatch):
    monkeypatch.delenv("PORTAL_SIGNING_KEY", raising=False)
    key = generate_key()
    from_string = Keyring.from_app(
        _fake_app(tmp_path, PORTAL_ENV="production", PORTAL_SIGNING_KEY=_pem(key)))
    assert from_string.current.kid == key.kid
    check_config(_fake_app(tmp_path, PORTAL_ENV="production", PORTAL_SIGNING_KEY=_pem(key)))

    path = tmp_path / "key.pem"
    path.write_text(_pem(key))
    from_file = Keyring(tmp_path / "other", signing_key=str(path), production=True)
    assert from_file.current.kid == key.kid
    assert not (tmp_path / "other" / "signing-keys").exists()  # nothing generated


def test_production_also_publishes_retired_public_keys(tmp_path):
    retired, current = generate_key(), generate_key()
    public = tmp_path / "signing-keys" / "public"
    public.mkdir(parents=True)
    (public / "2025-key.pem").write_bytes(retired.public_pem())
    keyring = Keyring(tmp_path, signing_key=_pem(current), production=True)
    assert [k["kid"] for k in keyring.public_jwks()["keys"]] == [current.kid, retired.kid]


def test_production_rotation_writes_a_new_key_for_the_operator(tmp_path):
    current = generate_key()
    keyring = Keyring(tmp_path, signing_key=_pem(current), production=True)
    new = keyring.rotate()
    assert keyring.current.kid == current.kid  # until PORTAL_SIGNING_KEY points at the new one
    private = keyring.private_key_path(new)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert {k["kid"] for k in keyring.public_jwks()["keys"]} == {current.kid, new}
    restarted = Keyring(tmp_path, signing_key=str(private), production=True)
    assert restarted.current.kid == new
    assert {k["kid"] for k in restarted.public_jwks()["keys"]} == {current.kid, new}


@pytest.mark.parametrize("setting, message", [
    ("/nonexistent/key.pem", "neither a PEM key nor a readable file"),
    ("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n", "cannot read"),
])
def test_unusable_settings_are_reported(tmp_path, setting, message):
    with pytest.raises(SigningKeyError, match=message):
        _ = Keyring(tmp_path, signing_key=setting, production=True).current


def test_short_or_non_rsa_keys_are_refused(tmp_path):
    from cryptography.hazmat.primitives.asymmetric import ec

    short = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 - weak on purpose
    pem = short.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()).decode()
    with pytest.raises(SigningKeyError, match="at least 2048"):
        _ = Keyring(tmp_path, signing_key=pem).current
    curve = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()
    with pytest.raises(SigningKeyError, match="RSA"):
        _ = Keyring(tmp_path, signing_key=curve).current


def test_the_app_keyring_is_cached_and_uses_the_instance_folder(app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    monkeypatch.delitem(app.extensions, EXTENSION, raising=False)
    with app.app_context():
        keyring = get_keyring()
        assert get_keyring() is keyring
        assert keyring.directory == tmp_path / "signing-keys"
        assert keyring.production is False
        kid = keyring.current.kid
    assert (tmp_path / "signing-keys" / f"{kid}.pem").exists()


def test_concurrent_first_use_settles_on_one_key(tmp_path):
    # Two processes starting together: the loser of the race adopts the winner's key.
    winner = Keyring(tmp_path).current
    loser = Keyring(tmp_path)
    assert loser._create_first_key().kid == winner.kid
    assert sorted(p.name for p in (tmp_path / "signing-keys").glob("*.pem")) == [
        f"{winner.kid}.pem"]
