"""JSON API v1: certificate status for other systems, and its OpenAPI 3.1 document.

Certificates are public documents: anyone holding a code may check it, and the national
health information system may ask whether a facility is certified by its licence number.
Both are read-only and rate-limited; errors are JSON (see :mod:`portal.errors`).
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, url_for
from sqlalchemy import select

from portal.certification.models import Certificate
from portal.db import utcnow
from portal.extensions import db, limiter
from portal.facilities.models import Facility
from portal.security import public

bp = Blueprint("api", __name__, url_prefix="/api/v1")

API_LIMIT = "120 per minute"


def _absolute(endpoint: str, **values) -> str:
    base = current_app.config["PORTAL_BASE_URL"].rstrip("/")
    return base + url_for(endpoint, **values)


def certificate_json(cert: Certificate, now) -> dict:
    """Return what the API says about a certificate (no e-mail, no internal ids)."""
    data = {
        "serial": cert.serial,
        "status": cert.status(now),
        "kind": cert.kind,
        "title": cert.title,
        "holder": cert.holder_name,
        "issued_at": cert.issued_at.isoformat(),
        "expires_at": cert.expires_at.isoformat(),
        "revoked_at": cert.revoked_at.isoformat() if cert.revoked_at else None,
        "revocation_reason": cert.revoke_reason or None,
        "verify_url": _absolute("certification.verify", code=cert.code),
        "credential_url": _absolute("certification.verify_jwt", code=cert.code),
        "pdf_url": _absolute("certification.verify_pdf", code=cert.code),
    }
    if cert.kind == "facility" and cert.facility is not None:
        data["facility"] = {"name": cert.facility.name,
                            "licence_number": cert.facility.licence_number,
                            "province_code": cert.facility.province_code}
    return data


@bp.route("/certificates/<code>")
@public
@limiter.limit(API_LIMIT)
def certificate(code: str):
    """Status of one certificate, by its verification code."""
    cert = None
    if code and len(code) <= 40:
        cert = db.session.scalar(select(Certificate).where(Certificate.code == code))
    if cert is None:
        abort(404)
    return jsonify(certificate_json(cert, utcnow()))


@bp.route("/facilities/<licence>/certification")
@public
@limiter.limit(API_LIMIT)
def facility_certification(licence: str):
    """Whether a facility is certified now, with its facility certificates, newest first."""
    facility = db.session.scalar(
        select(Facility).where(Facility.licence_number == licence.strip().upper()[:64]))
    if facility is None:
        abort(404)
    now = utcnow()
    certificates = db.session.scalars(
        select(Certificate).where(Certificate.facility_id == facility.id,
                                  Certificate.kind == "facility")
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())).all()
    active = [c for c in certificates if c.status(now) == "active"]
    return jsonify({
        "facility": {"name": facility.name, "licence_number": facility.licence_number,
                     "province_code": facility.province_code, "type": facility.type},
        "certified": bool(active),
        "certified_until": max(c.expires_at for c in active).isoformat() if active else None,
        "certificates": [certificate_json(c, now) for c in certificates],
    })


@bp.route("/openapi.json")
@public
def openapi():
    """The OpenAPI 3.1 description of this API."""
    return jsonify(openapi_document(current_app.config["PORTAL_BASE_URL"].rstrip("/")))


def openapi_document(base_url: str) -> dict:
    """Return the OpenAPI 3.1 document for API v1."""
    certificate_schema = {
        "type": "object",
        "required": ["serial", "status", "kind", "title", "holder", "issued_at", "expires_at",
                     "verify_url", "credential_url", "pdf_url"],
        "properties": {
            "serial": {"type": "string", "examples": ["DHA-2026-000123"]},
            "status": {"type": "string", "enum": ["active", "expired", "revoked"]},
            "kind": {"type": "string", "enum": ["course", "programme", "facility"]},
            "title": {"type": "object", "description": "language → title",
                      "properties": {"vi": {"type": "string"}, "en": {"type": "string"}}},
            "holder": {"type": "string", "description": "person's or facility's name"},
            "issued_at": {"type": "string", "format": "date-time"},
            "expires_at": {"type": "string", "format": "date-time"},
            "revoked_at": {"type": ["string", "null"], "format": "date-time"},
            "revocation_reason": {"type": ["string", "null"]},
            "verify_url": {"type": "string", "format": "uri"},
            "credential_url": {"type": "string", "format": "uri",
                               "description": "Open Badges 3.0 credential as a VC-JWT"},
            "pdf_url": {"type": "string", "format": "uri"},
            "facility": {"$ref": "#/components/schemas/Facility"},
        },
    }
    error = {"description": "Not found",
             "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    limited = {"description": "Too many requests"}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Digital Health Academy API", "version": "1.0.0",
                 "description": "Certificate status for other systems. Read-only, no "
                                "authentication, rate-limited per address."},
        "servers": [{"url": f"{base_url}/api/v1"}],
        "paths": {
            "/certificates/{code}": {"get": {
                "operationId": "getCertificate",
                "summary": "Status of a certificate by its verification code",
                "parameters": [{"name": "code", "in": "path", "required": True,
                                "schema": {"type": "string", "maxLength": 40}}],
                "responses": {"200": {"description": "The certificate", "content": {
                    "application/json": {"schema": {
                        "$ref": "#/components/schemas/Certificate"}}}},
                    "404": error, "429": limited},
            }},
            "/facilities/{licence}/certification": {"get": {
                "operationId": "getFacilityCertification",
                "summary": "Whether a facility is certified, by operating licence number",
                "parameters": [{"name": "licence", "in": "path", "required": True,
                                "schema": {"type": "string", "maxLength": 64}}],
                "responses": {"200": {"description": "The facility's certification",
                                      "content": {"application/json": {"schema": {
                                          "$ref": "#/components/schemas/FacilityStatus"}}}},
                              "404": error, "429": limited},
            }},
        },
        "components": {"schemas": {
            "Certificate": certificate_schema,
            "Facility": {"type": "object", "properties": {
                "name": {"type": "string"}, "licence_number": {"type": "string"},
                "province_code": {"type": "string"}, "type": {"type": "string"}}},
            "FacilityStatus": {"type": "object",
                               "required": ["facility", "certified", "certificates"],
                               "properties": {
                                   "facility": {"$ref": "#/components/schemas/Facility"},
                                   "certified": {"type": "boolean"},
                                   "certified_until": {"type": ["string", "null"],
                                                       "format": "date-time"},
                                   "certificates": {"type": "array", "items": {
                                       "$ref": "#/components/schemas/Certificate"}}}},
            "Error": {"type": "object", "properties": {"error": {"type": "integer"},
                                                       "message": {"type": "string"}}},
        }},
    }
