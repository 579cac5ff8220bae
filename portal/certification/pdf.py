"""The certificate as a PDF: A4 landscape, framed, with a QR code to its verification page.

Rendered from ``templates/certification/pdf.html`` and
``portal/certification/assets/certificate.css`` by WeasyPrint, whose Pango/HarfBuzz
shaping puts every Vietnamese diacritic right. Fonts come from fontconfig (DejaVu, from
Debian's fonts-dejavu-core) and are embedded, subset, in the PDF, so the text layer
extracts to the exact name. Nothing is fetched from the network: the QR code is an inline
SVG made here, the stylesheet is read from disk, and the URL fetcher allows only
``file:`` and ``data:`` URLs.

Needs an app context (for the template and the language).
"""

from __future__ import annotations

import functools
import threading
import unicodedata
from pathlib import Path

import segno
from flask import render_template
from flask_babel import force_locale, format_date
from markupsafe import Markup

from portal.certification.credentials import CredentialData

STATUSES = ("active", "expired", "revoked")
LANGUAGES = ("vi", "en")
STYLESHEET = Path(__file__).resolve().parent / "assets" / "certificate.css"

_lock = threading.Lock()
_cache: dict[str, object] = {}
_local = threading.local()


def _weasyprint():
    """Return (HTML, the parsed stylesheet, the URL fetcher), built once per process.

    WeasyPrint is imported here rather than at module level so that starting the app
    does not pay for it.
    """
    with _lock:
        if not _cache:
            import weasyprint
            from weasyprint.urls import URLFetcher

            fetcher = URLFetcher(allowed_protocols={"file", "data"})
            _cache["HTML"] = weasyprint.HTML
            _cache["fetcher"] = fetcher
            _cache["css"] = weasyprint.CSS(string=STYLESHEET.read_text(encoding="utf-8"),
                                           url_fetcher=fetcher)
            _cache["Attachment"] = weasyprint.Attachment
        return _cache["HTML"], _cache["css"], _cache["fetcher"]


def _font_config():
    """Return this thread's WeasyPrint font configuration.

    Reusing one keeps the loaded fonts between renders (about 40% faster); Pango's font
    map is not shared between threads, hence one per thread.
    """
    config = getattr(_local, "font_config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _local.font_config = FontConfiguration()
    return config


@functools.lru_cache(maxsize=256)
def qr_svg(url: str) -> Markup:
    """Return an inline SVG QR code of *url* (error correction M, 4-module quiet zone)."""
    code = segno.make(url, error="m", micro=False)
    svg = code.svg_inline(scale=1, border=4, dark="#000000", light="#ffffff", omitsize=True)
    # segno's own SVG, nothing from the user but the encoded data
    return Markup(svg)  # noqa: S704  # nosec B704


def _nfc(text: str | None) -> str:
    return unicodedata.normalize("NFC", text or "")


def certificate_context(data: CredentialData, lang: str = "vi", status: str = "active") -> dict:
    """Return what the template shows, in *lang* (an app context with Babel is needed)."""
    with force_locale(lang):
        issued_on = format_date(data.issued_at, format="long")
        valid_until = format_date(data.expires_at, format="long") if data.expires_at else None
    return {
        "lang": lang,
        "status": status,
        "kind": data.kind,
        "holder": _nfc(data.subject_name),
        "licence": _nfc(data.facility_licence),
        "province": _nfc(data.facility_province),
        "achievement": _nfc(data.text("achievement_name", lang)),
        "issuer": _nfc(data.text("issuer_name", lang)),
        "issued_on": issued_on,
        "valid_until": valid_until,
        "serial": data.serial,
        "verify_url": data.verify_url,
        "qr_svg": qr_svg(data.verify_url),
    }


def render_certificate_html(data: CredentialData, lang: str = "vi",
                            status: str = "active") -> str:
    """Return the certificate's HTML (the PDF's source; handy for a preview)."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}")
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}")
    context = certificate_context(data, lang, status)
    with force_locale(lang):
        return render_template("certification/pdf.html", **context)


def render_certificate_pdf(data: CredentialData, lang: str = "vi", status: str = "active",
                           token: str | None = None) -> bytes:
    """Render the certificate of *data* as a one-page A4 landscape PDF.

    :param data: what the certificate says
    :param lang: ``"vi"`` or ``"en"``: the interface text, dates and achievement name
    :param status: ``"active"``, ``"expired"`` or ``"revoked"``; the last two are stamped
        across the page so a printed copy cannot pass for a valid one
    :param token: the signed VC-JWT, attached to the PDF as ``credential.jwt`` when given
    :return: the PDF bytes
    :raises ValueError: for an unknown language or status
    """
    HTML, css, fetcher = _weasyprint()  # noqa: N806 - a class
    html = render_certificate_html(data, lang, status)
    options = {}
    if token:
        options["attachments"] = [_cache["Attachment"](
            string=token, name="credential.jwt",
            description="Open Badges 3.0 credential (VC-JWT)",
        )]
    document = HTML(string=html, url_fetcher=fetcher, base_url=str(STYLESHEET.parent))
    return document.write_pdf(stylesheets=[css], font_config=_font_config(), **options)
