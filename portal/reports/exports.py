"""Exports: tables as CSV (UTF-8 with a byte-order mark) and as XLSX (openpyxl).

Excel opens a CSV file as Vietnamese text only when it starts with the UTF-8 byte-order mark;
without it "Nguyễn" shows as "Nguyá»…n". Both formats neutralise cells that a spreadsheet
would run as a formula (CSV injection): a text cell starting with ``=``, ``+``, ``-``, ``@``
or a control character is written with a leading apostrophe in CSV, and as a plain string (never
a formula) in XLSX.

Rows are written as they come from an iterable, so an export can stream a query result
without holding it in a list.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from urllib.parse import quote

from flask import Response, abort
from flask_babel import get_timezone

__all__ = ["FORMATS", "csv_bytes", "export_response", "xlsx_bytes"]

#: The formats every export offers.
FORMATS = ("csv", "xlsx")

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _local(moment: datetime) -> datetime:
    """Return an aware UTC *moment* as naive local time (Asia/Ho_Chi_Minh by default)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(get_timezone()).replace(tzinfo=None)


def _text_cell(value) -> str:
    """Return *value* as CSV text, dates in local time, formula-like text defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return _local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if isinstance(value, str) and text.startswith(_FORMULA_START):
        return "'" + text
    return text


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """Return the table as CSV bytes: UTF-8 with a byte-order mark, CRLF line ends.

    :param header: the column titles (already translated)
    :param rows: the rows, each a sequence of plain values (str, int, float, date, datetime)
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, dialect="excel")
    writer.writerow([str(h) for h in header])
    for row in rows:
        writer.writerow([_text_cell(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _sheet_title(title: str) -> str:
    """Return *title* as Excel allows a sheet name: no []:*?/\\ and at most 31 characters."""
    cleaned = _SHEET_BAD.sub(" ", str(title)).strip() or "Sheet"
    return cleaned[:31]


def xlsx_bytes(sheet: str, header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """Return the table as an XLSX workbook: one sheet, a bold frozen header row.

    Numbers stay numbers and dates become Excel dates (local time), so they sort and sum.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(_sheet_title(sheet))
    worksheet.freeze_panes = "A2"
    for index, title in enumerate(header):
        letter = _column_letter(index)
        worksheet.column_dimensions[letter].width = max(12, min(48, len(str(title)) + 4))
    bold = Font(bold=True)
    head = []
    for title in header:
        cell = WriteOnlyCell(worksheet, value=str(title))
        cell.data_type = "s"
        cell.font = bold
        head.append(cell)
    worksheet.append(head)
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, datetime):
                value = _local(value)
            cell = WriteOnlyCell(worksheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
            elif isinstance(value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        worksheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _disposition(filename: str) -> str:
    """Return a Content-Disposition header with an ASCII name and the UTF-8 one (RFC 6266)."""
    ascii_name = filename.encode("ascii", "replace").decode("ascii").replace("?", "_")
    ascii_name = ascii_name.replace('"', "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def export_response(fmt: str, filename: str, sheet: str, header: Sequence[str],
                    rows: Iterable[Sequence]) -> Response:
    """Return the table as a download in *fmt* (``csv`` or ``xlsx``); any other format is 404.

    :param filename: the file name without extension (ASCII is best: slugs, dates)
    :param sheet: the XLSX sheet's title
    """
    if fmt == "csv":
        body, mimetype = csv_bytes(header, rows), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        body, mimetype = xlsx_bytes(sheet, header, rows), XLSX_MIMETYPE
    else:
        abort(404)
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = _disposition(f"{filename}.{fmt}")
    response.headers["Cache-Control"] = "private, no-store"
    return response
