"""The portal's RSA signing keys: the current one that signs, and the published ones.

Certificates are signed as VC-JWTs with RS256. A key is named by its ``kid``, the
RFC 7638 JWK thumbprint of its public part (SHA-256, base64url), so the name can never
disagree with the key.

Where keys live (``<instance>/signing-keys/``)::

    <kid>.pem          a private key (PKCS#8 PEM, mode 0600)
    public/<kid>.pem   the public half of every key ever used: all are published in the JWKS
    current            the kid that signs now (development only)

In development the first key is generated there on first use, lazily, so start-up stays
fast. In production (``PORTAL_ENV=production``) the signing key comes from the
``PORTAL_SIGNING_KEY`` setting (a PEM string, or the path of a PEM file); retired public
keys are still read from ``public/`` so earlier certificates keep verifying. Rotating
adds a new key and keeps every older public key published.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from portal.config import ConfigError

#: Signing algorithm: the one every Open Badges 3.0 verifier must support.
ALGORITHM = "RS256"
#: Size of generated keys, in bits; loaded keys must have at least MIN_KEY_BITS.
KEY_BITS = 2048
MIN_KEY_BITS = 2048
#: Folder under the instance folder.
KEYS_DIR = "signing-keys"
#: Key of the cached :class:`Keyring` in ``app.extensions``.
EXTENSION = "portal_keyring"


class SigningKeyError(ConfigError):
    """Raised when the signing key is missing, unreadable or unfit for signing."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _int_b64(value: int) -> str:
    return _b64url(value.to_bytes((value.bit_length() + 7) // 8 or 1, "big"))


def public_jwk(public_key: rsa.RSAPublicKey) -> dict[str, str]:
    """Return the public JWK of *public_key*: ``kty``, ``n``, ``e``, ``kid``, ``alg``, ``use``.

    :param public_key: an RSA public key
    :return: the JWK; ``kid`` is its RFC 7638 thumbprint
    """
    numbers = public_key.public_numbers()
    jwk = {"kty": "RSA", "n": _int_b64(numbers.n), "e": _int_b64(numbers.e)}
    return {**jwk, "kid": thumbprint(jwk), "alg": ALGORITHM, "use": "sig"}


def thumbprint(jwk: dict) -> str:
    """Return the RFC 7638 SHA-256 thumbprint of an RSA JWK, base64url without padding.

    :param jwk: a JWK with at least ``kty``, ``n`` and ``e``
    """
    required = {"e": jwk["e"], "kty": jwk["kty"], "n": jwk["n"]}
    canonical = json.dumps(required, separators=(",", ":"), sort_keys=True)
    return _b64url(hashlib.sha256(canonical.encode("ascii")).digest())


def public_key_from_jwk(jwk: dict) -> rsa.RSAPublicKey:
    """Return the RSA public key described by *jwk*.

    :raises ValueError: when *jwk* is not an RSA public key
    """
    if jwk.get("kty") != "RSA" or "d" in jwk:
        raise ValueError("not an RSA public JWK")

    def number(field: str) -> int:
        text = jwk[field]
        return int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")

    return rsa.RSAPublicNumbers(number("e"), number("n")).public_key()


@dataclass(frozen=True)
class SigningKey:
    """A loaded private key ready to sign, with its ``kid`` and public JWK."""

    kid: str
    private_key: rsa.RSAPrivateKey
    jwk: dict[str, str]

    @classmethod
    def from_private_key(cls, private_key) -> SigningKey:
        """Wrap *private_key*, checking that it is RSA and large enough.

        :raises SigningKeyError: for another key type or fewer than MIN_KEY_BITS bits
        """
        if not isinstance(private_key, rsa.RSAPrivateKey):
            raise SigningKeyError("the signing key must be an RSA private key (RS256)")
        if private_key.key_size < MIN_KEY_BITS:
            raise SigningKeyError(
                f"the signing key has {private_key.key_size} bits; RS256 needs at least "
                f"{MIN_KEY_BITS}"
            )
        jwk = public_jwk(private_key.public_key())
        return cls(kid=jwk["kid"], private_key=private_key, jwk=jwk)

    @classmethod
    def from_pem(cls, pem: bytes, source: str = "PEM") -> SigningKey:
        """Load a PEM private key (PKCS#1 or PKCS#8, unencrypted).

        :raises SigningKeyError: when it cannot be read
        """
        try:
            key = serialization.load_pem_private_key(pem, password=None)
        except (ValueError, TypeError) as exc:
            raise SigningKeyError(f"cannot read the signing key from {source}: {exc}") from exc
        return cls.from_private_key(key)

    def private_pem(self) -> bytes:
        """Return the private key as unencrypted PKCS#8 PEM."""
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def public_pem(self) -> bytes:
        """Return the public key as SubjectPublicKeyInfo PEM."""
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


def generate_key(bits: int = KEY_BITS) -> SigningKey:
    """Return a new RSA signing key of *bits* bits."""
    return SigningKey.from_private_key(rsa.generate_private_key(public_exponent=65537,
                                                                key_size=bits))


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """Write *data* to *path* atomically with *mode*; the file appears whole or not at all.

    :raises FileExistsError: when *path* already exists (it is left untouched)
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(tmp, path)  # fails if *path* exists: no process overwrites another's file
    finally:
        os.unlink(tmp)


def _replace(path: Path, data: bytes, mode: int) -> None:
    """Write *data* to *path* atomically, replacing any previous content."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class Keyring:
    """The signing key and the published public keys of one portal installation.

    Nothing is read or generated until :attr:`current` or :meth:`public_jwks` is first
    used. Loaded key objects are kept, so signing costs one RSA operation. When another
    process rotates the key (``flask certs rotate-key``), the change is picked up on the
    next use: a cheap ``stat`` of the key folder tells.
    """

    def __init__(self, instance_path: str | os.PathLike, signing_key: str | None = None,
                 production: bool = False):
        """
        :param instance_path: the app's instance folder; keys live in ``signing-keys/``
        :param signing_key: the ``PORTAL_SIGNING_KEY`` setting: a PEM string or a path
        :param production: refuse to generate a key; *signing_key* is then required
        """
        self.directory = Path(instance_path) / KEYS_DIR
        self.signing_key_setting = signing_key or None
        self.production = production
        self._lock = threading.Lock()
        self._current: SigningKey | None = None
        self._published: dict[str, dict] = {}
        self._public_objects: dict[str, rsa.RSAPublicKey] = {}
        self._stamp: tuple | None = None

    @classmethod
    def from_app(cls, app) -> Keyring:
        """Return the keyring of *app*, created once and cached on ``app.extensions``.

        Reads ``PORTAL_SIGNING_KEY`` (falling back to the environment variable),
        ``PORTAL_ENV`` and ``app.instance_path``; loads nothing yet.
        """
        keyring = app.extensions.get(EXTENSION)
        if keyring is None:
            setting = app.config.get("PORTAL_SIGNING_KEY") or os.environ.get(
                "PORTAL_SIGNING_KEY")
            keyring = cls(
                app.instance_path,
                signing_key=setting,
                production=app.config.get("PORTAL_ENV") == "production",
            )
            app.extensions[EXTENSION] = keyring
        return keyring

    # -- loading ---------------------------------------------------------------------

    @property
    def _public_dir(self) -> Path:
        return self.directory / "public"

    @property
    def _current_file(self) -> Path:
        return self.directory / "current"

    def _folder_stamp(self) -> tuple:
        """Return what changes when a key is added or the current key changes."""
        stamp = []
        for path in (self._current_file, self._public_dir):
            try:
                info = path.stat()
                stamp.append((info.st_mtime_ns, info.st_ino, info.st_size))
            except FileNotFoundError:
                stamp.append(None)
        return tuple(stamp)

    def _ensure_loaded(self) -> None:
        stamp = self._folder_stamp()
        if self._current is not None and stamp == self._stamp:
            return
        with self._lock:
            stamp = self._folder_stamp()
            if self._current is not None and stamp == self._stamp:
                return
            current = self._load_current()
            published = self._load_published()
            published[current.kid] = current.jwk
            self._public_objects = {
                kid: self._public_objects.get(kid) or public_key_from_jwk(jwk)
                for kid, jwk in published.items()
            }
            self._public_objects[current.kid] = current.private_key.public_key()
            self._published = published
            self._current = current
            self._stamp = self._folder_stamp()

    def _load_current(self) -> SigningKey:
        if self.signing_key_setting:
            return self._load_setting(self.signing_key_setting)
        if self.production:
            raise SigningKeyError(
                "PORTAL_SIGNING_KEY is not set. In production (PORTAL_ENV=production) the "
                "portal signs certificates with the RSA key given in PORTAL_SIGNING_KEY (a "
                "PEM string or the path of a PEM file); generate one with `openssl genpkey "
                "-algorithm RSA -pkeyopt rsa_keygen_bits:3072` and set it."
            )
        kid = self._read_current_kid()
        if kid is None:
            return self._create_first_key()
        if self._current is not None and self._current.kid == kid:
            return self._current
        path = self.directory / f"{kid}.pem"
        try:
            key = SigningKey.from_pem(path.read_bytes(), source=str(path))
        except FileNotFoundError as exc:
            raise SigningKeyError(f"the current signing key {path} is missing") from exc
        if key.kid != kid:
            raise SigningKeyError(f"{path} does not hold the key {kid} (it holds {key.kid})")
        return key

    def _load_setting(self, setting: str) -> SigningKey:
        if self._current is not None:
            return self._current  # the setting cannot change while the process runs
        text = setting.strip()
        if text.startswith("-----BEGIN"):
            return SigningKey.from_pem(text.encode("ascii"), source="PORTAL_SIGNING_KEY")
        path = Path(text).expanduser()
        try:
            pem = path.read_bytes()
        except OSError as exc:
            raise SigningKeyError(
                f"PORTAL_SIGNING_KEY is neither a PEM key nor a readable file: {path} "
                f"({exc.strerror})"
            ) from exc
        return SigningKey.from_pem(pem, source=str(path))

    def _read_current_kid(self) -> str | None:
        try:
            kid = self._current_file.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return None
        return kid or None

    def _create_first_key(self) -> SigningKey:
        """Generate the first development key; a concurrent process may win the race."""
        self._public_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.directory, 0o700)
        key = generate_key()
        self._store(key)
        try:
            _write_new(self._current_file, key.kid.encode("ascii"), 0o600)
        except FileExistsError:
            # Another process created the first key at the same moment: use theirs.
            for path in (self.directory / f"{key.kid}.pem",
                         self._public_dir / f"{key.kid}.pem"):
                path.unlink(missing_ok=True)
            return self._load_current()
        return key

    def _store(self, key: SigningKey) -> None:
        self._public_dir.mkdir(parents=True, exist_ok=True)
        _write_new(self.directory / f"{key.kid}.pem", key.private_pem(), 0o600)
        _write_new(self._public_dir / f"{key.kid}.pem", key.public_pem(), 0o644)

    def _load_published(self) -> dict[str, dict]:
        published: dict[str, dict] = {}
        if not self._public_dir.is_dir():
            return published
        for path in sorted(self._public_dir.glob("*.pem")):
            kid = path.stem
            if kid in self._published:
                published[kid] = self._published[kid]
                continue
            try:
                key = serialization.load_pem_public_key(path.read_bytes())
            except (ValueError, TypeError) as exc:
                raise SigningKeyError(f"cannot read the public key {path}: {exc}") from exc
            if not isinstance(key, rsa.RSAPublicKey):
                raise SigningKeyError(f"{path} is not an RSA public key")
            jwk = public_jwk(key)
            published[jwk["kid"]] = jwk
        return published

    # -- the public API ----------------------------------------------------------------

    @property
    def current(self) -> SigningKey:
        """Return the key that signs now (loading or, in development, creating it).

        :raises SigningKeyError: in production without ``PORTAL_SIGNING_KEY``, or when the
            key cannot be read
        """
        self._ensure_loaded()
        return self._current

    def public_jwks(self) -> dict:
        """Return ``{"keys": [...]}``: the current key first, then every retired one."""
        self._ensure_loaded()
        current = self._current
        keys = [dict(current.jwk)]
        keys += [dict(jwk) for kid, jwk in sorted(self._published.items()) if kid != current.kid]
        return {"keys": keys}

    def public_key(self, kid: str) -> rsa.RSAPublicKey | None:
        """Return the loaded public key named *kid*, or ``None`` when it is not published."""
        self._ensure_loaded()
        return self._public_objects.get(kid)

    def rotate(self, instance_path: str | os.PathLike | None = None) -> str:
        """Add a new signing key and keep every older public key published.

        In development the new key signs from now on (in every process, on its next use).
        In production the current key comes from ``PORTAL_SIGNING_KEY``: the new private key
        is written to ``<instance>/signing-keys/<kid>.pem``, its public half is published at
        once, and the operator points ``PORTAL_SIGNING_KEY`` at the new file and restarts.

        :param instance_path: the instance folder (default: the keyring's own)
        :return: the new key's kid
        """
        if instance_path is not None:
            directory = Path(instance_path) / KEYS_DIR
            if directory != self.directory:
                return Keyring(instance_path, self.signing_key_setting,
                               self.production).rotate()
        old = None
        if self.signing_key_setting or self._read_current_kid() is not None:
            old = self.current  # keep the key in use published, whatever happens next
        self._public_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.directory, 0o700)
        if old is not None:
            old_public = self._public_dir / f"{old.kid}.pem"
            if not old_public.exists():
                _replace(old_public, old.public_pem(), 0o644)
        key = generate_key()
        self._store(key)
        if not (self.signing_key_setting or self.production):
            _replace(self._current_file, key.kid.encode("ascii"), 0o600)
        with self._lock:
            self._stamp = None  # reload on next use
        return key.kid

    def private_key_path(self, kid: str) -> Path:
        """Return where the private key *kid* is (or would be) stored."""
        return self.directory / f"{kid}.pem"


def get_keyring():
    """Return the keyring of the current Flask app (cached on ``app.extensions``)."""
    from flask import current_app

    return Keyring.from_app(current_app._get_current_object())


def check_config(app) -> None:
    """Fail fast in production when no signing key is configured (reads no key).

    :raises SigningKeyError: when ``PORTAL_ENV=production`` and ``PORTAL_SIGNING_KEY`` is unset
    """
    keyring = Keyring.from_app(app)
    if keyring.production and not keyring.signing_key_setting:
        raise SigningKeyError(
            "PORTAL_SIGNING_KEY is not set. In production (PORTAL_ENV=production) the portal "
            "needs the RSA private key that signs certificates (a PEM string or the path of "
            "a PEM file); refusing to start."
        )
