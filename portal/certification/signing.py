"""From a :class:`~portal.certification.models.Certificate` to its credential, token and PDF.

The credential library (:mod:`~portal.certification.credentials`, :mod:`~.keys`, :mod:`~.pdf`)
knows nothing of the database; this module fills its :class:`CredentialData` from a
certificate row, with the portal's base URL, and signs with the app's keyring.
"""

from __future__ import annotations

from flask import current_app

from portal.certification.credentials import CredentialData, hash_email, issue_token
from portal.certification.keys import get_keyring
from portal.certification.models import Certificate

#: The issuer, as it signs.
ISSUER_NAME = {
    "vi": "Học viện Y tế số (Trung tâm Thông tin y tế Quốc gia và Hội Hành nghề y tư nhân "
          "Việt Nam)",
    "en": "Digital Health Academy (National Health Information Center and Vietnam "
          "Association of Private Medical Practitioners)",
}
_CRITERIA = {
    "course": {"vi": "Đọc hết các bài học và đạt mọi bài kiểm tra của khóa học.",
               "en": "Read every lesson and passed every quiz of the course."},
    "programme": {"vi": "Hoàn thành mọi khóa học mà chương trình yêu cầu đối với vị trí "
                        "công việc của người học.",
                  "en": "Completed every course the programme requires of the holder's job "
                        "role."},
    "facility": {"vi": "Người quản lý và tỷ lệ nhân viên theo quy định của chương trình đã "
                       "hoàn thành các khóa học bắt buộc; quản trị viên đã xét duyệt.",
                 "en": "The manager and the share of staff the programme sets completed "
                       "their required courses; reviewed by an administrator."},
}


def _base() -> str:
    return current_app.config["PORTAL_BASE_URL"].rstrip("/")


def _holder_salt() -> str:
    """Return the secret salt of holder identifiers (derived from the app's secret)."""
    return "dha-holder:" + str(current_app.config["SECRET_KEY"])


def credential_data(cert: Certificate) -> CredentialData:
    """Return what *cert*'s credential and PDF say."""
    base = _base()
    if cert.kind == "course":
        achievement_id = f"{base}/courses/{cert.course.slug}"
        description = cert.version.summary if cert.version else cert.title
        version = str(cert.version.number) if cert.version else None
    else:
        achievement_id = f"{base}/programmes/{cert.programme.slug}"
        description = cert.programme.summary or cert.title
        version = None
    common = {
        "serial": cert.serial,
        "verification_code": cert.code,
        "kind": cert.kind,
        "achievement_id": achievement_id,
        "achievement_name": dict(cert.title),
        "achievement_description": dict(description),
        "achievement_criteria": _CRITERIA[cert.kind],
        "achievement_version": version,
        "issued_at": cert.issued_at,
        "expires_at": cert.expires_at,
        "issuer_name": ISSUER_NAME,
        "issuer_url": base,
        "verify_url": f"{base}/verify/{cert.code}",
        "jwks_url": f"{base}/.well-known/jwks.json",
    }
    if cert.kind == "facility":
        facility = cert.facility
        return CredentialData(**common, facility_name=cert.holder_name,
                              facility_licence=facility.licence_number,
                              facility_province=facility.province.name)
    return CredentialData(**common, holder_name=cert.holder_name,
                          holder_id=hash_email(cert.user.email, _holder_salt()))


def sign(cert: Certificate) -> tuple[str, str]:
    """Return *cert*'s signed credential (VC-JWT) and the id of the key that signed it."""
    keyring = get_keyring()
    return issue_token(credential_data(cert), keyring), keyring.current.kid


def certificate_pdf(cert: Certificate, lang: str = "vi") -> bytes:
    """Return *cert* as a PDF in *lang*, stamped when it is expired or revoked."""
    from portal.certification.pdf import render_certificate_pdf

    return render_certificate_pdf(credential_data(cert), lang=lang, status=cert.status(),
                                  token=cert.token or None)


def public_jwks() -> dict:
    """Return the published keys, current and retired."""
    return get_keyring().public_jwks()
