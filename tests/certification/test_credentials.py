"""Open Badges 3.0 credentials: their shape, their VC-JWT, and what verification refuses."""

import base64
import dataclasses
import gzip
import json
import time
import unicodedata
from datetime import UTC, datetime, timedelta

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from portal.certification.credentials import (
    CONTEXT,
    CredentialData,
    InvalidCredential,
    build_credential,
    build_status_list,
    hash_email,
    issue_token,
    sign_credential,
    verify_token,
)
from portal.certification.keys import Keyring

BASE = "https://academy.example.vn"
ISSUED = datetime(2026, 3, 5, 9, 30, 15, 123456, tzinfo=UTC)
EXPIRES = datetime(2029, 3, 5, 9, 30, 15, tzinfo=UTC)


def make_data(kind="course", **changes) -> CredentialData:
    values = dict(
        serial="DHA-2026-000123",
        verification_code="q8Jd0vX2mT8wR4yL6nB1cA",
        kind=kind,
        achievement_id=f"{BASE}/courses/data-standards",
        achievement_name={"vi": "Chuẩn dữ liệu y tế", "en": "Health data standards"},
        achievement_description={"vi": "Khóa học về chuẩn dữ liệu.", "en": "A course on data."},
        achievement_criteria={"vi": "Đọc mọi bài và đạt mọi bài kiểm tra.",
                              "en": "Read every lesson and pass every quiz."},
        issued_at=ISSUED,
        expires_at=EXPIRES,
        issuer_name={"vi": "Học viện Y tế số", "en": "Digital Health Academy"},
        issuer_url=BASE,
        verify_url=f"{BASE}/verify/q8Jd0vX2mT8wR4yL6nB1cA",
        jwks_url=f"{BASE}/.well-known/jwks.json",
    )
    if kind == "facility":
        values.update(facility_name="Phòng khám Đa khoa Hồng Đức",
                      facility_licence="012345/HNO-GPHĐ", facility_province="Hà Nội")
    else:
        values.update(holder_name="Nguyễn Thị Hằng",
                      holder_id=hash_email("hang@example.vn", "s4lt"))
    values.update(changes)
    return CredentialData(**values)


@pytest.fixture
def keyring(tmp_path):
    return Keyring(tmp_path / "ours")


@pytest.fixture
def token(keyring):
    return issue_token(make_data(), keyring)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _parts(token):
    header, payload, signature = token.split(".")
    pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
    return (json.loads(base64.urlsafe_b64decode(pad(header))),
            json.loads(base64.urlsafe_b64decode(pad(payload))), signature)


def _sign_raw(header: dict, payload: dict, private_key) -> str:
    head = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(payload).encode())
    signature = private_key.sign(head.encode(), padding.PKCS1v15(), hashes.SHA256())
    return head + "." + _b64(signature)


# -- the credential ----------------------------------------------------------------------

def test_personal_credential_has_what_open_badges_3_requires():
    credential = build_credential(make_data())
    assert credential["@context"] == CONTEXT
    assert credential["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert credential["@context"][1].startswith("https://purl.imsglobal.org/spec/ob/v3p0/context")
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["id"] == f"{BASE}/verify/q8Jd0vX2mT8wR4yL6nB1cA"
    assert credential["name"] == "Chuẩn dữ liệu y tế"
    assert credential["issuer"]["id"] == BASE
    assert credential["issuer"]["type"] == ["Profile"]
    assert credential["issuer"]["name"] == "Học viện Y tế số"
    assert credential["validFrom"] == "2026-03-05T09:30:15Z"  # whole seconds, like nbf
    assert credential["validUntil"] == "2029-03-05T09:30:15Z"
    assert "issuanceDate" not in credential  # VC 2.0 names
    assert credential["credentialSchema"][0]["type"] == "1EdTechJsonSchemaValidator2019"

    subject = credential["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["id"].startswith("urn:uuid:")
    assert subject["name"] == "Nguyễn Thị Hằng"
    identities = {i["identityType"]: i for i in subject["identifier"]}
    assert identities["name"] == {"type": "IdentityObject", "identityHash": "Nguyễn Thị Hằng",
                                  "identityType": "name", "hashed": False}
    # The salt is secret unless given, so the hash is an opaque identifier to others.
    assert identities["identifier"] == {
        "type": "IdentityObject", "identityHash": hash_email("hang@example.vn", "s4lt"),
        "identityType": "identifier", "hashed": False}
    assert "hang@example.vn" not in json.dumps(credential)

    achievement = subject["achievement"]
    assert achievement["id"] == f"{BASE}/courses/data-standards"
    assert achievement["type"] == ["Achievement"]
    assert achievement["achievementType"] == "CertificateOfCompletion"
    assert achievement["name"] == "Chuẩn dữ liệu y tế"
    assert achievement["description"] == "Khóa học về chuẩn dữ liệu."
    assert achievement["criteria"] == {"narrative": "Đọc mọi bài và đạt mọi bài kiểm tra."}
    assert achievement["inLanguage"] == "vi"
    (english,) = achievement["related"]
    assert english["type"] == ["Related"]
    assert english["inLanguage"] == "en"
    assert english["id"] == f"{BASE}/courses/data-standards?lang=en"
    assert english["name"] == "Health data standards"
    assert "credentialStatus" not in credential
    json.dumps(credential)  # serialisable as it is


def test_the_same_holder_keeps_one_subject_id():
    a = build_credential(make_data())
    b = build_credential(make_data(serial="DHA-2026-000124", kind="programme"))
    other = build_credential(make_data(holder_id=hash_email("other@example.vn", "s4lt")))
    assert a["credentialSubject"]["id"] == b["credentialSubject"]["id"]
    assert a["credentialSubject"]["id"] != other["credentialSubject"]["id"]
    assert b["credentialSubject"]["achievement"]["achievementType"] == "Certificate"


def test_facility_credential_names_the_facility_its_licence_and_province():
    subject = build_credential(make_data("facility"))["credentialSubject"]
    assert subject["name"] == "Phòng khám Đa khoa Hồng Đức"
    identities = {i["identityType"]: i["identityHash"] for i in subject["identifier"]}
    assert identities["ext:operatingLicence"] == "012345/HNO-GPHĐ"
    assert subject["address"]["addressRegion"] == "Hà Nội"
    assert subject["address"]["addressCountryCode"] == "VN"
    assert subject["achievement"]["achievementType"] == "Certification"


def test_opaque_holder_ids_and_published_salts():
    plain = build_credential(make_data(holder_id="b1946ac92492d2347c6235b4d2611184"))
    (ref,) = [i for i in plain["credentialSubject"]["identifier"] if i["identityType"] != "name"]
    assert ref == {"type": "IdentityObject", "identityHash": "b1946ac92492d2347c6235b4d2611184",
                   "identityType": "identifier", "hashed": False}
    salted = build_credential(make_data(holder_salt="s4lt"))
    (ref,) = [i for i in salted["credentialSubject"]["identifier"] if i["hashed"]]
    assert ref["identityType"] == "emailAddress"
    assert ref["salt"] == "s4lt"
    assert ref["identityHash"] == hash_email("  Hang@Example.VN ", "s4lt")


def test_text_is_stored_nfc():
    nfd = unicodedata.normalize("NFD", "Nguyễn Thị Hằng")
    assert nfd != "Nguyễn Thị Hằng"
    data = make_data(holder_name=nfd, achievement_name={"vi": unicodedata.normalize(
        "NFD", "Chuẩn dữ liệu y tế")})
    assert data.holder_name == "Nguyễn Thị Hằng"
    achievement = build_credential(data)["credentialSubject"]["achievement"]
    assert achievement["name"] == "Chuẩn dữ liệu y tế"


@pytest.mark.parametrize("changes, message", [
    ({"kind": "badge"}, "kind must be"),
    ({"issued_at": datetime(2026, 1, 1)}, "aware"),
    ({"expires_at": ISSUED - timedelta(days=1)}, "after issued_at"),
    ({"holder_name": None}, "holder_name and holder_id"),
    ({"achievement_name": {"en": "Only English"}}, "Vietnamese"),
    ({"status_list_url": f"{BASE}/status/1"}, "both"),
])
def test_incomplete_data_is_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        make_data(**changes)


def test_status_entry_and_status_list():
    data = make_data(status_list_url=f"{BASE}/api/v1/status/1", status_list_index=42)
    status = build_credential(data)["credentialStatus"]
    assert status == {
        "id": f"{BASE}/api/v1/status/1#42", "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation", "statusListIndex": "42",
        "statusListCredential": f"{BASE}/api/v1/status/1",
    }
    listing = build_status_list(f"{BASE}/api/v1/status/1", BASE, [42, 7])
    assert listing["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    encoded = listing["credentialSubject"]["encodedList"]
    assert encoded.startswith("u")
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(bits) * 8 == 131072
    revoked = {i for i in range(len(bits) * 8) if bits[i // 8] & (0x80 >> (i % 8))}
    assert revoked == {7, 42}


# -- the VC-JWT --------------------------------------------------------------------------

def test_header_and_claims_follow_the_jwt_proof_format(keyring, token):
    header, payload, _ = _parts(token)
    assert header == {"alg": "RS256", "typ": "JWT",
                      "kid": f"{BASE}/.well-known/jwks.json#{keyring.current.kid}"}
    credential = build_credential(make_data())
    assert payload["iss"] == credential["issuer"]["id"]
    assert payload["jti"] == credential["id"]
    assert payload["sub"] == credential["credentialSubject"]["id"]
    assert payload["nbf"] == int(datetime(2026, 3, 5, 9, 30, 15, tzinfo=UTC).timestamp())
    assert payload["exp"] == int(EXPIRES.timestamp())
    assert {k: v for k, v in payload.items() if k not in {"iss", "jti", "sub", "nbf", "exp"}} \
        == credential  # the payload IS the credential (VC 2.0), not a "vc" claim


def test_a_signed_credential_verifies(keyring, token):
    verified = verify_token(token, keyring.public_jwks(), now=ISSUED + timedelta(days=1))
    assert verified.status == "valid"
    assert verified.kid == keyring.current.kid
    assert verified.credential["credentialSubject"]["name"] == "Nguyễn Thị Hằng"
    # The keyring itself works as the key set too (its key objects are cached).
    assert verify_token(token, keyring, now=ISSUED + timedelta(days=1)).status == "valid"
    verify_token(token, keyring.public_jwks(), now=ISSUED + timedelta(days=1), issuer=BASE + "/")


def test_an_independent_jose_library_verifies_it_with_our_jwks(keyring, token):
    jwks = json.loads(json.dumps(keyring.public_jwks()))  # as published
    kid = pyjwt.get_unverified_header(token)["kid"]
    url, _, thumb = kid.partition("#")
    assert url == f"{BASE}/.well-known/jwks.json"
    key = pyjwt.PyJWKSet.from_dict(jwks)[thumb]
    claims = pyjwt.decode(token, key, algorithms=["RS256"], issuer=BASE,
                          options={"require": ["iss", "sub", "nbf", "jti"]})
    assert claims["credentialSubject"]["name"] == "Nguyễn Thị Hằng"
    assert claims["sub"] == claims["credentialSubject"]["id"]
    tampered = token.replace(token.split(".")[1], _b64(json.dumps({**claims, "name": "X"})
                                                       .encode()))
    with pytest.raises(pyjwt.InvalidSignatureError):
        pyjwt.decode(tampered, key, algorithms=["RS256"])


def test_a_token_signed_before_a_rotation_still_verifies(keyring, token):
    old_kid = keyring.current.kid
    keyring.rotate()
    newer = issue_token(make_data(serial="DHA-2026-000200"), keyring)
    jwks = keyring.public_jwks()
    assert verify_token(token, jwks, now=ISSUED).kid == old_kid
    assert verify_token(newer, jwks, now=ISSUED).kid == keyring.current.kid != old_kid


def test_a_tampered_payload_fails(keyring, token):
    header, payload, signature = token.split(".")
    _, claims, _ = _parts(token)
    claims["credentialSubject"]["name"] = "Trần Văn Giả"
    forged = f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"
    with pytest.raises(InvalidCredential, match="signature does not match"):
        verify_token(forged, keyring.public_jwks(), now=ISSUED)
    flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    with pytest.raises(InvalidCredential, match="signature"):
        verify_token(flipped, keyring.public_jwks(), now=ISSUED)


def test_a_token_re_signed_with_another_key_fails(keyring, tmp_path, token):
    other = Keyring(tmp_path / "attacker")
    theirs = issue_token(make_data(), other)
    with pytest.raises(InvalidCredential, match="unknown key"):
        verify_token(theirs, keyring.public_jwks(), now=ISSUED)
    # Same forgery, but the header claims our key: the signature gives it away.
    header, payload, _ = _parts(token)
    forged = _sign_raw(header, payload, other.current.private_key)
    assert _parts(forged)[0]["kid"].endswith(keyring.current.kid)
    with pytest.raises(InvalidCredential, match="signature does not match"):
        verify_token(forged, keyring.public_jwks(), now=ISSUED)
    # An attacker's own key embedded in the header is not trusted either.
    embedded = {"alg": "RS256", "jwk": other.current.jwk}
    with pytest.raises(InvalidCredential, match="unknown key"):
        verify_token(_sign_raw(embedded, payload, other.current.private_key),
                     keyring.public_jwks(), now=ISSUED)


@pytest.mark.parametrize("alg", ["none", "HS256", "RS512", "PS256", "ES256", None])
def test_only_rs256_is_accepted(keyring, token, alg):
    header, payload, _ = _parts(token)
    header = {**header, "alg": alg} if alg else {k: v for k, v in header.items() if k != "alg"}
    head = _b64(json.dumps(header).encode()) + "." + token.split(".")[1]
    if alg == "HS256":
        # The classic confusion: an HMAC keyed with our *public* key.
        import hmac

        secret = keyring.current.public_pem()
        forged = head + "." + _b64(hmac.new(secret, head.encode(), "sha256").digest())
    else:
        forged = head + "." + ("" if alg == "none" else token.split(".")[2])
    with pytest.raises(InvalidCredential, match="only RS256"):
        verify_token(forged, keyring.public_jwks(), now=ISSUED)


def test_extra_jose_headers_and_a_missing_kid_are_refused(keyring, token):
    header, payload, _ = _parts(token)
    key = keyring.current.private_key
    with pytest.raises(InvalidCredential, match="unexpected JOSE header"):
        verify_token(_sign_raw({**header, "crit": ["exp"]}, payload, key),
                     keyring.public_jwks(), now=ISSUED)
    with pytest.raises(InvalidCredential, match="no key"):
        verify_token(_sign_raw({"alg": "RS256"}, payload, key), keyring.public_jwks(), now=ISSUED)
    with pytest.raises(InvalidCredential, match="typ"):
        verify_token(_sign_raw({**header, "typ": "vc+ld+json"}, payload, key),
                     keyring.public_jwks(), now=ISSUED)


def test_expired_and_not_yet_valid(keyring, token):
    jwks = keyring.public_jwks()
    with pytest.raises(InvalidCredential, match="expired on 2029-03-05T09:30:15Z"):
        verify_token(token, jwks, now=EXPIRES + timedelta(seconds=1))
    late = verify_token(token, jwks, now=EXPIRES + timedelta(days=1), allow_expired=True)
    assert late.status == "expired"
    with pytest.raises(InvalidCredential, match="not valid before"):
        verify_token(token, jwks, now=ISSUED - timedelta(hours=1))
    assert verify_token(token, jwks, now=EXPIRES - timedelta(seconds=1)).status == "valid"


def test_claims_must_match_the_credential_even_when_we_signed_them(keyring, token):
    header, payload, _ = _parts(token)
    key = keyring.current.private_key
    for claim, value in [("sub", "urn:uuid:00000000-0000-0000-0000-000000000000"),
                         ("iss", "https://evil.example"), ("jti", f"{BASE}/verify/other"),
                         ("nbf", payload["nbf"] - 3600), ("exp", payload["exp"] + 3600)]:
        with pytest.raises(InvalidCredential, match=f"'{claim}' claim"):
            verify_token(_sign_raw(header, {**payload, claim: value}, key),
                         keyring.public_jwks(), now=ISSUED)
    without_exp = {k: v for k, v in payload.items() if k != "exp"}
    with pytest.raises(InvalidCredential, match="'exp' claim is missing"):
        verify_token(_sign_raw(header, without_exp, key), keyring.public_jwks(), now=ISSUED)
    with pytest.raises(InvalidCredential, match="not by"):
        verify_token(token, keyring.public_jwks(), now=ISSUED, issuer="https://other.example")


def test_a_vc_1_1_style_token_with_a_vc_claim_is_understood(keyring):
    credential = build_credential(make_data(expires_at=None))
    credential["issuanceDate"] = credential.pop("validFrom")
    claims = {"iss": BASE, "jti": credential["id"], "sub": credential["credentialSubject"]["id"],
              "nbf": int(ISSUED.replace(microsecond=0).timestamp()), "vc": credential}
    header = {"alg": "RS256", "kid": keyring.current.kid, "typ": "JWT"}
    verified = verify_token(_sign_raw(header, claims, keyring.current.private_key),
                            keyring.public_jwks(), now=ISSUED)
    assert verified.credential == credential


@pytest.mark.parametrize("garbage", ["", "abc", "a.b", "a.b.c.d", "!!.??.**", "e30.e30.",
                                     "WyJ4Il0.e30.AA"])
def test_garbage_is_invalid_not_a_crash(keyring, garbage):
    with pytest.raises(InvalidCredential):
        verify_token(garbage, keyring.public_jwks())


def test_a_bad_jwks_is_reported(token):
    with pytest.raises(InvalidCredential, match="'keys'"):
        verify_token(token, {"nothing": []})


def test_signing_reuses_the_loaded_key(keyring):
    data = make_data()
    issue_token(data, keyring)
    started = time.perf_counter()
    for _ in range(200):
        issue_token(data, keyring)
    elapsed = time.perf_counter() - started
    # About 3,800 a second here; the bound only catches a key reloaded on every call.
    assert elapsed < 2.0, f"200 signatures took {elapsed:.2f} s"


def test_sign_credential_defaults_the_kid_url_to_the_issuers_jwks(keyring):
    token = sign_credential(build_credential(make_data()), keyring)
    assert _parts(token)[0]["kid"] == f"{BASE}/.well-known/jwks.json#{keyring.current.kid}"


def test_data_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        make_data().serial = "X"


def test_pem_export_is_public_only(keyring):
    assert b"PRIVATE" not in keyring.current.public_pem()
    assert serialization.load_pem_public_key(keyring.current.public_pem())
