"""SVG charts are well-formed and accessible; exports open in Excel with Vietnamese intact."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET  # noqa: S405 - our own SVG, not untrusted input
from datetime import UTC, datetime

from openpyxl import load_workbook

from portal.reports.charts import Series, bar_chart
from portal.reports.exports import csv_bytes, export_response, xlsx_bytes

SVG = "{http://www.w3.org/2000/svg}"


def _svg(markup):
    """Parse a chart we drew ourselves (trusted input)."""
    return ET.fromstring(str(markup))  # noqa: S314


HEADER = ["Họ tên", "E-mail", "Tiến độ (%)", "Hoạt động gần nhất"]
ROWS = [
    ["Nguyễn Thị Hằng", "hang@example.vn", 75, datetime(2026, 3, 1, 1, 30, tzinfo=UTC)],
    ["=HYPERLINK(\"http://evil\")", "-x@example.vn", 0, None],
    ["Đỗ Văn Đức", "duc@example.vn", 100, datetime(2026, 3, 2, 17, 0, tzinfo=UTC)],
]


def test_bar_chart_is_accessible_svg(app):
    with app.test_request_context():
        svg = bar_chart("Cơ sở theo tỉnh <&>", ["Hà Nội", "Huế", "Cà Mau"], [
            Series("Đã chứng nhận", [3, 0, 1], key="certified"),
            Series("Đang thực hiện", [2, 1, 0], key="in_progress")])
    root = _svg(svg)  # well-formed XML, text escaped
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title.text == "Cơ sở theo tỉnh <&>"
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert "Hà Nội: Đã chứng nhận: 3, Đang thực hiện: 2" in desc.text
    bars = [r for r in root.iter(f"{SVG}rect") if "chart-bar" in (r.get("class") or "")]
    assert len(bars) == 4  # zero values draw nothing
    assert all(bar.find(f"{SVG}title") is not None for bar in bars)
    assert "style=" not in str(svg)  # the CSP forbids inline styles


def test_bar_chart_widths_are_proportional(app):
    with app.test_request_context():
        svg = bar_chart("t", ["a", "b"], [Series("n", [10, 5])])
    bars = list(_svg(svg).iter(f"{SVG}rect"))
    assert abs(float(bars[0].get("width")) - 2 * float(bars[1].get("width"))) < 0.2


def test_empty_chart_is_still_valid(app):
    with app.test_request_context():
        _svg(bar_chart("Không có dữ liệu", [], [Series("n", [])]))


def test_csv_has_a_bom_and_vietnamese_and_defuses_formulas(app):
    with app.test_request_context():
        data = csv_bytes(HEADER, ROWS)
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with the BOM
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == HEADER
    assert rows[1] == ["Nguyễn Thị Hằng", "hang@example.vn", "75", "2026-03-01 08:30"]
    assert rows[2][0].startswith("'=") and rows[2][1] == "'-x@example.vn"
    assert rows[3][0] == "Đỗ Văn Đức"


def test_xlsx_reads_back_with_types_and_vietnamese(app):
    with app.test_request_context():
        data = xlsx_bytes("Tiến độ: nhân viên/2026", HEADER, ROWS)
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.active
    assert sheet.title == "Tiến độ  nhân viên 2026"  # characters Excel forbids are replaced
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == HEADER
    assert values[1][:3] == ("Nguyễn Thị Hằng", "hang@example.vn", 75)
    assert values[1][3] == datetime(2026, 3, 1, 8, 30)  # local time (UTC+7)
    assert values[2][0] == "=HYPERLINK(\"http://evil\")"  # text, not a formula
    assert sheet.cell(row=3, column=1).data_type == "s"
    assert sheet.freeze_panes == "A2"


def test_export_response_headers(app):
    with app.test_request_context():
        response = export_response("csv", "nhân-viên", "Sheet", HEADER, ROWS)
        assert response.mimetype == "text/csv"
        assert "filename*=UTF-8''nh%C3%A2n-vi%C3%AAn.csv" in response.headers[
            "Content-Disposition"]
        xlsx = export_response("xlsx", "staff", "Sheet", HEADER, ROWS)
        assert xlsx.mimetype.endswith("spreadsheetml.sheet")


def test_unknown_format_is_not_found(app):
    import pytest
    from werkzeug.exceptions import NotFound

    with app.test_request_context(), pytest.raises(NotFound):
        export_response("pdf", "x", "Sheet", HEADER, ROWS)
