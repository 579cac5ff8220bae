"""The certificate PDF: A4 landscape, exact Vietnamese text, a QR code that reads back."""

import dataclasses
import re
import shutil
import subprocess
import unicodedata
from datetime import UTC, datetime, timedelta

import pytest

from portal.certification.credentials import CredentialData
from portal.certification.pdf import qr_svg, render_certificate_html, render_certificate_pdf
from tests.conftest import need

BASE = "https://academy.example.vn"
VERIFY_URL = f"{BASE}/verify/q8Jd0vX2mT8wR4yL6nB1cA"


def make_data(kind="course", **changes) -> CredentialData:
    values = dict(
        serial="DHA-2026-000123",
        verification_code="q8Jd0vX2mT8wR4yL6nB1cA",
        kind=kind,
        achievement_id=f"{BASE}/courses/data-standards",
        achievement_name={"vi": "Chuẩn dữ liệu y tế", "en": "Health data standards"},
        achievement_description={"vi": "Khóa học.", "en": "A course."},
        achievement_criteria={"vi": "Hoàn thành.", "en": "Complete it."},
        issued_at=datetime(2026, 3, 5, 9, 30, tzinfo=UTC),
        expires_at=datetime(2029, 3, 5, 9, 30, tzinfo=UTC),
        issuer_name={"vi": "Học viện Y tế số", "en": "Digital Health Academy"},
        issuer_url=BASE,
        verify_url=VERIFY_URL,
        jwks_url=f"{BASE}/.well-known/jwks.json",
    )
    if kind == "facility":
        values.update(facility_name="Phòng khám Đa khoa Hồng Đức",
                      facility_licence="012345/HNO-GPHĐ", facility_province="Thành phố Huế")
    else:
        values.update(holder_name="Nguyễn Thị Hằng", holder_id="sha256$" + "ab" * 32)
    values.update(changes)
    return CredentialData(**values)


def _render(app, tmp_path, data=None, name="certificate.pdf", **options):
    with app.app_context():
        pdf = render_certificate_pdf(data or make_data(), **options)
    path = tmp_path / name
    path.write_bytes(pdf)
    return pdf, path


def _text(path, *options) -> str:
    need(shutil.which("pdftotext"), "pdftotext (Debian poppler-utils) is not installed")
    return subprocess.run(["pdftotext", *options, "-enc", "UTF-8", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def test_the_text_layer_holds_the_exact_vietnamese_name_and_the_serial(app, tmp_path):
    # Given in NFD (as some keyboards type it), printed and extracted in NFC.
    data = make_data(holder_name=unicodedata.normalize("NFD", "Nguyễn Thị Hằng"))
    pdf, path = _render(app, tmp_path, data)
    assert pdf.startswith(b"%PDF-")
    text = _text(path)
    assert "Nguyễn Thị Hằng" in text
    assert "DHA-2026-000123" in text
    assert "Chuẩn dữ liệu y tế" in text
    assert "Học viện Y tế số" in text.replace("HỌC VIỆN Y TẾ SỐ", "")
    assert VERIFY_URL in text.replace("\n", "")  # the address may wrap


def test_one_a4_landscape_page(app, tmp_path):
    _, path = _render(app, tmp_path)
    need(shutil.which("pdfinfo"), "pdfinfo (Debian poppler-utils) is not installed")
    info = subprocess.run(["pdfinfo", "-box", str(path)], check=True, capture_output=True,
                          text=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M)
    box = re.search(r"^MediaBox:\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", info, re.M)
    x0, y0, x1, y1 = map(float, box.groups())
    width_mm, height_mm = (x1 - x0) / 72 * 25.4, (y1 - y0) / 72 * 25.4
    assert abs(width_mm - 297) < 0.5 and abs(height_mm - 210) < 0.5


def test_fonts_are_embedded(app, tmp_path):
    _, path = _render(app, tmp_path)
    need(shutil.which("pdffonts"), "pdffonts (Debian poppler-utils) is not installed")
    rows = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True,
                          text=True).stdout.splitlines()[2:]
    assert rows
    for row in rows:
        assert "DejaVu" in row, row
        assert re.search(r"\byes\s+yes\s+yes\b", row), row  # embedded, subset, unicode map


def test_english_facility_certificate(app, tmp_path):
    _, path = _render(app, tmp_path, make_data("facility"), lang="en")
    text = _text(path)
    assert "Phòng khám Đa khoa Hồng Đức" in text
    assert "012345/HNO-GPHĐ" in text
    assert "Thành phố Huế" in text
    assert "Health data standards" in text
    assert "2026" in text and "2029" in text


@pytest.mark.parametrize("status, stamp", [("revoked", "REVOKED"), ("expired", "EXPIRED")])
def test_revoked_and_expired_certificates_are_stamped(app, tmp_path, status, stamp):
    _, path = _render(app, tmp_path, lang="en", status=status)
    assert stamp in _text(path, "-raw").splitlines()  # turned text: read in content order
    _, active = _render(app, tmp_path, name="active.pdf", lang="en")
    assert stamp not in _text(active, "-raw").upper()


def test_no_expiry_date(app):
    with app.app_context():
        html = render_certificate_html(make_data(expires_at=None), lang="en")
    assert "No expiry date" in html


def test_the_signed_credential_can_ride_along(app, tmp_path):
    _, path = _render(app, tmp_path, token="eyJhbGciOiJSUzI1NiJ9.e30.c2ln")
    need(shutil.which("pdfdetach"), "pdfdetach (Debian poppler-utils) is not installed")
    listing = subprocess.run(["pdfdetach", "-list", str(path)], check=True, capture_output=True,
                             text=True).stdout
    assert "credential.jwt" in listing
    subprocess.run(["pdfdetach", "-save", "1", "-o", str(tmp_path / "out.jwt"), str(path)],
                   check=True)
    assert (tmp_path / "out.jwt").read_text() == "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"


def test_bad_language_or_status_is_refused(app):
    with app.app_context(), pytest.raises(ValueError):
        render_certificate_pdf(make_data(), lang="fr")
    with app.app_context(), pytest.raises(ValueError):
        render_certificate_pdf(make_data(), status="lost")


def test_nothing_is_fetched_from_the_network(app):
    from portal.certification.pdf import _weasyprint

    with app.app_context():
        _, _, fetcher = _weasyprint()
    with pytest.raises(ValueError, match="disallowed protocol"):
        fetcher.fetch("http://127.0.0.1:9/logo.png")
    with app.app_context():
        html = render_certificate_html(make_data())
    assert not re.search(r"""(src|href)=["']https?:""", html)
    assert "<svg" in html  # the QR code is inline


def test_qr_code_is_svg_of_the_verify_url():
    svg = str(qr_svg(VERIFY_URL))
    assert svg.startswith("<svg") and "viewBox" in svg


def test_the_qr_code_reads_back_as_the_verify_url(app, tmp_path):
    if not (shutil.which("zbarimg") and shutil.which("pdftoppm")):
        pytest.skip("zbarimg (Debian zbar-tools) or pdftoppm is not installed")
    _, path = _render(app, tmp_path)
    subprocess.run(["pdftoppm", "-png", "-r", "200", "-singlefile", str(path),
                    str(tmp_path / "page")], check=True)
    result = subprocess.run(["zbarimg", "--raw", "-q", str(tmp_path / "page.png")],
                            capture_output=True, text=True)
    assert result.stdout.strip() == VERIFY_URL


def test_each_certificate_gets_its_own_qr_code(app):
    other = dataclasses.replace(make_data(), verify_url=f"{BASE}/verify/another")
    assert str(qr_svg(other.verify_url)) != str(qr_svg(VERIFY_URL))


def test_a_long_name_still_fits_on_one_page(app, tmp_path):
    data = make_data(
        holder_name="Tôn Nữ Thị Phương Thảo Nguyễn Hoàng Bảo Ngọc Trâm Anh",
        achievement_name={"vi": "An toàn thông tin và bảo vệ dữ liệu cá nhân trong cơ sở khám "
                                "bệnh, chữa bệnh tư nhân: từ nguyên tắc đến thực hành hằng ngày"},
        issued_at=datetime(2026, 3, 5, tzinfo=UTC),
        expires_at=datetime(2026, 3, 5, tzinfo=UTC) + timedelta(days=1095),
    )
    _, path = _render(app, tmp_path, data)
    need(shutil.which("pdfinfo"), "pdfinfo (Debian poppler-utils) is not installed")
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True)
    assert re.search(r"^Pages:\s+1$", info.stdout, re.M)
    assert "Tôn Nữ Thị Phương Thảo" in _text(path)


def test_fast_font_subsetting_is_available():
    # Without HarfBuzz's subsetter WeasyPrint falls back to fontTools: ten times slower
    # (about 3 PDFs a second instead of 30), far from the 20 a second the portal needs.
    from weasyprint.text.ffi import harfbuzz_subset

    need(harfbuzz_subset is not None,
         "libharfbuzz-subset0 (Debian) is not installed: PDFs render about 10x slower")
