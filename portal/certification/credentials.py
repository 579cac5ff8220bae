"""Open Badges 3.0 credentials: build one, sign it as a VC-JWT, verify one.

A certificate is an ``OpenBadgeCredential`` (1EdTech Open Badges 3.0, on the W3C
Verifiable Credentials Data Model 2.0) secured with the specification's *JSON Web Token
Proof Format*: a compact JWS, RS256, whose JOSE header is ``{"alg", "kid", "typ"}`` and
whose payload is the credential itself plus the claims ``iss`` (= ``issuer.id``),
``jti`` (= ``id``), ``sub`` (= ``credentialSubject.id``), ``nbf`` (= ``validFrom``) and
``exp`` (= ``validUntil``). Nothing here touches the database: the certification
services fill a :class:`CredentialData` and call :func:`issue_token`.

See docs/certificates.md for the format with an example and how to verify offline.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import unicodedata
import uuid
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from portal.certification.keys import ALGORITHM, Keyring, public_key_from_jwk, thumbprint

#: The W3C Verifiable Credentials 2.0 context, then the Open Badges 3.0 one.
CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
#: The 1EdTech JSON Schema every OpenBadgeCredential conforms to.
SCHEMA = {
    "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
          "ob_v3p0_achievementcredential_schema.json",
    "type": "1EdTechJsonSchemaValidator2019",
}
#: Open Badges ``achievementType`` for each kind of certificate.
ACHIEVEMENT_TYPES = {
    "course": "CertificateOfCompletion",
    "programme": "Certificate",
    "facility": "Certification",
}
KINDS = tuple(ACHIEVEMENT_TYPES)
#: Media type of a VC-JWT, for ``/verify/<code>.jwt``.
MEDIA_TYPE = "application/vc+jwt"
#: The JWKS path of the public contract.
JWKS_PATH = "/.well-known/jwks.json"
#: Seconds of clock difference tolerated on ``nbf``.
LEEWAY = 60
#: Bits in a status list (the minimum Bitstring Status List size: 16 KiB).
STATUS_LIST_BITS = 131072

#: IdentityObject.identityType of a facility's operating licence number.
LICENCE_IDENTITY_TYPE = "ext:operatingLicence"
_IDENTITY_HASH = re.compile(r"(sha256|md5)\$[0-9a-fA-F]+")
_ALLOWED_HEADERS = frozenset({"alg", "kid", "jwk", "typ"})


class InvalidCredential(Exception):
    """Raised when a VC-JWT fails verification; ``reason`` says why, in plain words."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _nfc(value):
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value).strip()
    if isinstance(value, Mapping):
        return {k: _nfc(v) for k, v in value.items() if v}
    return value


@dataclass(frozen=True)
class CredentialData:
    """Everything a certificate's credential and PDF say, with no database in sight.

    People: ``holder_name`` and ``holder_id`` (never the e-mail: an opaque identifier such as
    the IdentityHash ``"sha256$<hex>"`` that :func:`hash_email` makes; with ``holder_salt``
    too it is published as a hashed ``emailAddress`` identity). Facilities:
    ``facility_name``, ``facility_licence`` and ``facility_province``. Texts are
    ``{"vi": ..., "en": ...}`` mappings (Vietnamese required) and are stored NFC.
    Datetimes are aware; they are rounded down to whole seconds, as JWT dates are.
    """

    serial: str
    verification_code: str
    kind: str  #: "course" | "programme" | "facility"
    achievement_id: str  #: URL of the course or programme page
    achievement_name: Mapping[str, str]
    achievement_description: Mapping[str, str]
    achievement_criteria: Mapping[str, str]
    issued_at: datetime
    expires_at: datetime | None
    issuer_name: Mapping[str, str]
    issuer_url: str  #: PORTAL_BASE_URL; also the issuer's ``id``
    verify_url: str  #: ``<base>/verify/<code>``; also the credential's ``id``
    jwks_url: str  #: ``<base>/.well-known/jwks.json``
    holder_name: str | None = None
    holder_id: str | None = None
    #: Published only when given: lets anyone who knows the e-mail match it (OB IdentityHash).
    holder_salt: str | None = None
    facility_name: str | None = None
    facility_licence: str | None = None
    facility_province: str | None = None
    achievement_version: str | None = None  #: e.g. the course version number
    status_list_url: str | None = None  #: a Bitstring Status List credential's URL …
    status_list_index: int | None = None  #: … and this certificate's bit in it

    def __post_init__(self):
        for name in ("serial", "verification_code", "holder_name", "holder_id", "facility_name",
                     "facility_licence", "facility_province", "achievement_name",
                     "achievement_description", "achievement_criteria", "issuer_name"):
            object.__setattr__(self, name, _nfc(getattr(self, name)))
        for name in ("issuer_url", "verify_url", "jwks_url", "achievement_id"):
            object.__setattr__(self, name, getattr(self, name).strip())
        object.__setattr__(self, "issuer_url", self.issuer_url.rstrip("/"))
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        for name in ("achievement_name", "issuer_name"):
            if not getattr(self, name).get("vi"):
                raise ValueError(f"{name} needs a Vietnamese text ('vi')")
        for name in ("issued_at", "expires_at"):
            value = getattr(self, name)
            if value is None:
                continue
            if value.tzinfo is None or value.utcoffset() is None:
                raise ValueError(f"{name} must be an aware datetime")
            object.__setattr__(self, name, value.astimezone(UTC).replace(microsecond=0))
        if self.expires_at is not None and self.expires_at <= self.issued_at:
            raise ValueError("expires_at must be after issued_at")
        if self.kind == "facility":
            if not (self.facility_name and self.facility_licence and self.facility_province):
                raise ValueError("a facility certificate needs facility_name, "
                                 "facility_licence and facility_province")
        elif not (self.holder_name and self.holder_id):
            raise ValueError("a personal certificate needs holder_name and holder_id")
        if (self.status_list_url is None) != (self.status_list_index is None):
            raise ValueError("give both status_list_url and status_list_index, or neither")
        if self.status_list_index is not None and not (
                0 <= self.status_list_index < STATUS_LIST_BITS):
            raise ValueError(f"status_list_index must be in [0, {STATUS_LIST_BITS})")

    @property
    def subject_name(self) -> str:
        """Return who the certificate is for: the holder's or the facility's name."""
        return self.facility_name if self.kind == "facility" else self.holder_name

    def text(self, name: str, lang: str) -> str:
        """Return the ``{vi, en}`` field *name* in *lang*, falling back to Vietnamese."""
        mapping = getattr(self, name) or {}
        return mapping.get(lang) or mapping.get("vi") or ""


@dataclass(frozen=True)
class VerifiedCredential:
    """A credential whose signature and claims checked out."""

    credential: dict  #: the OpenBadgeCredential
    status: str  #: "valid", or "expired" when verified with ``allow_expired``
    kid: str  #: thumbprint of the key that signed it
    header: dict
    claims: dict  #: the whole JWT payload


def hash_email(email: str, salt: str) -> str:
    """Return the Open Badges IdentityHash of *email*: ``"sha256$" + hex(sha256(email+salt))``.

    The address is NFC-normalised, trimmed and lower-cased first, so the same person
    always gets the same hash.
    """
    normal = unicodedata.normalize("NFC", email).strip().lower()
    return "sha256$" + hashlib.sha256((normal + salt).encode("utf-8")).hexdigest()


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_iso(text) -> datetime:
    if not isinstance(text, str):
        raise ValueError("not a string")
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("no time zone")
    return moment.astimezone(UTC)


def _subject_urn(issuer_url: str, kind: str, key: str) -> str:
    """Return a stable ``urn:uuid`` for a holder or facility that reveals neither."""
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"{issuer_url}/{kind}/{key}"))


def _with_lang(url: str, lang: str) -> str:
    base, _, fragment = url.partition("#")
    joined = f"{base}{'&' if '?' in base else '?'}lang={lang}"
    return f"{joined}#{fragment}" if fragment else joined


def _achievement(data: CredentialData) -> dict:
    achievement = {
        "id": data.achievement_id,
        "type": ["Achievement"],
        "achievementType": ACHIEVEMENT_TYPES[data.kind],
        "name": data.text("achievement_name", "vi"),
        "description": data.text("achievement_description", "vi"),
        "criteria": {"narrative": data.text("achievement_criteria", "vi")},
        "inLanguage": "vi",
    }
    if data.achievement_version:
        achievement["version"] = str(data.achievement_version)
    if data.achievement_name.get("en"):
        # Open Badges names alternate language editions of an achievement with `related`.
        english = {
            "id": _with_lang(data.achievement_id, "en"),
            "type": ["Related"],
            "inLanguage": "en",
            "name": data.achievement_name["en"],
        }
        if data.achievement_description.get("en"):
            english["description"] = data.achievement_description["en"]
        if data.achievement_criteria.get("en"):
            english["criteria"] = {"narrative": data.achievement_criteria["en"]}
        if data.achievement_version:
            english["version"] = str(data.achievement_version)
        achievement["related"] = [english]
    return achievement


def _issuer(data: CredentialData) -> dict:
    issuer = {
        "id": data.issuer_url,
        "type": ["Profile"],
        "name": data.issuer_name["vi"],
        "url": data.issuer_url + "/",
    }
    if data.issuer_name.get("en"):
        issuer["otherIdentifier"] = [
            {"type": "IdentifierEntry", "identifier": data.issuer_name["en"],
             "identifierType": "name"}
        ]
    return issuer


def _subject(data: CredentialData) -> dict:
    if data.kind == "facility":
        subject = {
            "id": _subject_urn(data.issuer_url, "facility", data.facility_licence),
            "type": ["AchievementSubject"],
            "name": data.facility_name,
            "identifier": [
                {"type": "IdentityObject", "identityHash": data.facility_name,
                 "identityType": "name", "hashed": False},
                {"type": "IdentityObject", "identityHash": data.facility_licence,
                 "identityType": LICENCE_IDENTITY_TYPE, "hashed": False},
            ],
            "address": {
                "type": ["Address"],
                "addressRegion": data.facility_province,
                "addressCountry": "Việt Nam",
                "addressCountryCode": "VN",
            },
        }
    else:
        if data.holder_salt and _IDENTITY_HASH.fullmatch(data.holder_id):
            # A published salt lets whoever knows the e-mail check it is the holder's.
            reference = {"type": "IdentityObject", "identityHash": data.holder_id,
                         "identityType": "emailAddress", "hashed": True,
                         "salt": data.holder_salt}
        else:
            # With a secret salt nobody else can recompute the hash: it is an opaque id.
            reference = {"type": "IdentityObject", "identityHash": data.holder_id,
                         "identityType": "identifier", "hashed": False}
        subject = {
            "id": _subject_urn(data.issuer_url, "holder", data.holder_id),
            "type": ["AchievementSubject"],
            "name": data.holder_name,
            "identifier": [
                {"type": "IdentityObject", "identityHash": data.holder_name,
                 "identityType": "name", "hashed": False},
                reference,
            ],
        }
    subject["achievement"] = _achievement(data)
    return subject


def build_credential(data: CredentialData) -> dict:
    """Return the Open Badges 3.0 ``OpenBadgeCredential`` for *data* (unsigned).

    Follows OB 3.0 on VC Data Model 2.0: ``validFrom``/``validUntil``, the VC 2.0 and
    OB 3.0.3 contexts, the issuer as a ``Profile``, an ``AchievementSubject`` (the person,
    or the facility) holding the ``Achievement`` in Vietnamese with its English edition
    under ``related``, the 1EdTech JSON Schema and, when the data names one, a
    ``BitstringStatusListEntry`` for revocation.

    :param data: what the certificate says
    :return: a JSON-serialisable dict
    """
    credential = {
        "@context": list(CONTEXT),
        "id": data.verify_url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": data.text("achievement_name", "vi"),
        "issuer": _issuer(data),
        "validFrom": _iso(data.issued_at),
    }
    if data.expires_at is not None:
        credential["validUntil"] = _iso(data.expires_at)
    credential["credentialSubject"] = _subject(data)
    credential["credentialSchema"] = [dict(SCHEMA)]
    if data.status_list_url is not None:
        credential["credentialStatus"] = {
            "id": f"{data.status_list_url}#{data.status_list_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(data.status_list_index),
            "statusListCredential": data.status_list_url,
        }
    return credential


def build_status_list(list_url: str, issuer_url: str, revoked_indexes, now: datetime | None = None,
                      valid_for: timedelta = timedelta(days=1)) -> dict:
    """Return a ``BitstringStatusListCredential`` (W3C Bitstring Status List) to sign and serve.

    :param list_url: where it is served (the ``statusListCredential`` of each entry)
    :param issuer_url: the issuer's id (PORTAL_BASE_URL)
    :param revoked_indexes: the ``status_list_index`` of every revoked certificate
    :param valid_for: how long verifiers may cache it
    """
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    bits = bytearray(STATUS_LIST_BITS // 8)
    for index in revoked_indexes:
        if not 0 <= index < STATUS_LIST_BITS:
            raise ValueError(f"status index {index} out of range")
        bits[index // 8] |= 0x80 >> (index % 8)  # index 0 is the left-most bit
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: a gzip stream
    packed = compressor.compress(bytes(bits)) + compressor.flush()
    encoded = "u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode("ascii")
    return {
        "@context": [CONTEXT[0]],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_url.rstrip("/"),
        "validFrom": _iso(now),
        "validUntil": _iso(now + valid_for),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded,
        },
    }


# -- JWS ---------------------------------------------------------------------------------

def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _issuer_id(credential: dict) -> str:
    issuer = credential.get("issuer")
    return issuer.get("id") if isinstance(issuer, dict) else issuer


def _numeric(text: str) -> int:
    return int(_parse_iso(text).timestamp())


def jwt_claims(credential: dict) -> dict:
    """Return the JWT claims the OB 3.0 JWT proof format derives from *credential*."""
    claims = {
        "iss": _issuer_id(credential),
        "jti": credential["id"],
        "sub": credential["credentialSubject"]["id"],
        "nbf": _numeric(credential["validFrom"]),
    }
    if credential.get("validUntil"):
        claims["exp"] = _numeric(credential["validUntil"])
    return claims


def sign_credential(credential: dict, keyring: Keyring, jwks_url: str | None = None) -> str:
    """Sign *credential* with the keyring's current key; return the compact JWS (VC-JWT).

    The header is ``{"alg": "RS256", "kid": "<jwks_url>#<kid>", "typ": "JWT"}``: the kid
    URL dereferences to the key in the published JWKS. The payload is the credential with
    ``iss``, ``jti``, ``sub``, ``nbf`` and ``exp`` added.

    :param credential: from :func:`build_credential` (or :func:`build_status_list`)
    :param keyring: whose current key signs
    :param jwks_url: default ``<issuer id>/.well-known/jwks.json``
    """
    key = keyring.current
    jwks_url = jwks_url or _issuer_id(credential).rstrip("/") + JWKS_PATH
    header = {"alg": ALGORITHM, "kid": f"{jwks_url}#{key.kid}", "typ": "JWT"}
    payload = {**credential, **jwt_claims(credential)}
    signing_input = f"{_b64url(_json(header))}.{_b64url(_json(payload))}".encode("ascii")
    signature = key.private_key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input.decode('ascii')}.{_b64url(signature)}"


def issue_token(data: CredentialData, keyring: Keyring) -> str:
    """Build and sign the credential of *data*; return the VC-JWT."""
    return sign_credential(build_credential(data), keyring, jwks_url=data.jwks_url)


def decode_unverified(token: str) -> tuple[dict, dict]:
    """Return the header and payload of *token* WITHOUT checking anything (for display).

    :raises InvalidCredential: when it is not a compact JWS with JSON header and payload
    """
    if not isinstance(token, str):
        raise InvalidCredential("the token is not text")
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise InvalidCredential("not a compact JWS: expected three dot-separated parts")
    try:
        header = json.loads(_b64url_decode(parts[0]))
        payload = json.loads(_b64url_decode(parts[1]))
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidCredential(f"the header or payload is not base64url JSON ({exc})") from exc
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise InvalidCredential("the header and payload must be JSON objects")
    return header, payload


def _find_key(header: dict, jwks) -> tuple[str, rsa.RSAPublicKey]:
    kid = header.get("kid")
    if kid is None and isinstance(header.get("jwk"), dict):
        try:
            kid = thumbprint(header["jwk"])  # trusted only if it is one of our keys
        except KeyError as exc:
            raise InvalidCredential("the header's jwk is not an RSA key") from exc
    if not isinstance(kid, str) or not kid:
        raise InvalidCredential("the header names no key (kid)")
    candidates = [kid, kid.rpartition("#")[2]] if "#" in kid else [kid]
    if isinstance(jwks, Keyring):
        for name in candidates:
            key = jwks.public_key(name)
            if key is not None:
                return name, key
        raise InvalidCredential(f"signed with an unknown key: {kid}")
    keys = jwks.get("keys") if isinstance(jwks, Mapping) else None
    if not isinstance(keys, list):
        raise InvalidCredential("the JWKS has no 'keys' list")
    for name in candidates:
        for jwk in keys:
            if isinstance(jwk, Mapping) and jwk.get("kid") == name:
                if jwk.get("alg", ALGORITHM) != ALGORITHM or jwk.get("use", "sig") != "sig":
                    raise InvalidCredential(f"the key {name} is not an RS256 signing key")
                try:
                    return name, public_key_from_jwk(jwk)
                except (ValueError, KeyError, binascii.Error) as exc:
                    raise InvalidCredential(f"the key {name} in the JWKS is unusable") from exc
    raise InvalidCredential(f"signed with an unknown key: {kid}")


def _check_claims(claims: dict) -> dict:
    """Check the OB 3.0 rules tying the JWT claims to the credential; return the credential."""
    credential = claims.get("vc") if isinstance(claims.get("vc"), dict) else claims
    types = credential.get("type")
    types = [types] if isinstance(types, str) else types or []
    if "VerifiableCredential" not in types:
        raise InvalidCredential("the payload is not a VerifiableCredential")
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict):
        raise InvalidCredential("the credential has no credentialSubject")
    for claim, value, what in (
        ("iss", _issuer_id(credential), "issuer.id"),
        ("jti", credential.get("id"), "id"),
        ("sub", subject.get("id"), "credentialSubject.id"),
    ):
        if claims.get(claim) is None:
            raise InvalidCredential(f"the '{claim}' claim is missing")
        if claims[claim] != value:
            raise InvalidCredential(f"the '{claim}' claim does not match the credential's {what}")
    start = credential.get("validFrom", credential.get("issuanceDate"))
    end = credential.get("validUntil", credential.get("expirationDate"))
    if not isinstance(claims.get("nbf"), int | float):
        raise InvalidCredential("the 'nbf' claim is missing")
    try:
        if start is None or _numeric(start) != int(claims["nbf"]):
            raise InvalidCredential("the 'nbf' claim does not match the credential's validFrom")
        if "exp" in claims:
            if not isinstance(claims["exp"], int | float):
                raise InvalidCredential("the 'exp' claim is not a date")
            if end is None or _numeric(end) != int(claims["exp"]):
                raise InvalidCredential(
                    "the 'exp' claim does not match the credential's validUntil")
        elif end is not None:
            raise InvalidCredential("the credential has validUntil but the 'exp' claim is missing")
    except ValueError as exc:
        raise InvalidCredential(f"the credential's dates are malformed ({exc})") from exc
    return credential


def verify_token(token: str, jwks, now: datetime | None = None, *, issuer: str | None = None,
                 allow_expired: bool = False) -> VerifiedCredential:
    """Verify a VC-JWT against *jwks*; return the credential or say why it is not valid.

    Checks, in order: a compact JWS; header ``alg`` exactly RS256 (``none``, HS256 and
    everything else refused) with no header beyond ``alg``/``kid``/``jwk``/``typ``; a
    ``kid`` (``<url>#<thumbprint>`` or the bare thumbprint) naming a key in *jwks*; the
    signature; the claims matching the credential (``iss``, ``sub``, ``jti``, ``nbf``,
    ``exp``); not before ``nbf``; not after ``exp``.

    :param token: the compact JWS
    :param jwks: ``{"keys": [...]}`` (the published JWKS) or a :class:`Keyring`
    :param now: the moment to check against (default: now; naive means UTC)
    :param issuer: when given, ``iss`` must be exactly this
    :param allow_expired: return status ``"expired"`` instead of raising when expired
    :raises InvalidCredential: with the reason
    """
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)  # a naive moment is taken as UTC, like the JWT dates
    header, claims = decode_unverified(token)
    alg = header.get("alg")
    if alg != ALGORITHM:
        raise InvalidCredential(f"algorithm {alg!r} is not accepted: only RS256")
    extra = set(header) - _ALLOWED_HEADERS
    if extra:
        raise InvalidCredential(f"unexpected JOSE header(s): {', '.join(sorted(extra))}")
    if header.get("typ", "JWT") != "JWT":
        raise InvalidCredential(f"header typ must be 'JWT', not {header.get('typ')!r}")
    kid, public_key = _find_key(header, jwks)
    signing_input, _, signature = token.strip().rpartition(".")
    try:
        public_key.verify(_b64url_decode(signature), signing_input.encode("ascii"),
                          padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError, binascii.Error) as exc:
        raise InvalidCredential("the signature does not match: the credential was altered "
                                "or not signed by this key") from exc
    credential = _check_claims(claims)
    if issuer is not None and claims["iss"] != issuer.rstrip("/"):
        raise InvalidCredential(f"issued by {claims['iss']}, not by {issuer}")
    moment = now.timestamp()
    if claims["nbf"] > moment + LEEWAY:
        starts = datetime.fromtimestamp(claims["nbf"], UTC)
        raise InvalidCredential(f"not valid before {_iso(starts)}")
    status = "valid"
    if "exp" in claims and claims["exp"] <= moment:
        expired = datetime.fromtimestamp(claims["exp"], UTC)
        if not allow_expired:
            raise InvalidCredential(f"expired on {_iso(expired)}")
        status = "expired"
    return VerifiedCredential(credential=credential, status=status, kid=kid, header=header,
                              claims=claims)
