"""Inviting many people at once from a CSV or XLSX file (name, e-mail, job role).

The manager uploads a file; :func:`read_table` turns it into numbered rows and
:func:`validate_rows` checks every row against the same rules as a single invitation
(:func:`portal.accounts.services.invite`), reporting each problem by the row number the
spreadsheet shows. Nothing is written until the manager confirms the preview;
:func:`create_invitations` then re-checks everything and creates every invitation in the
caller's transaction, or raises and creates none (the caller rolls back).

Job roles may be written as the code (``nurse``), in English ("Nurse") or in Vietnamese
("Điều dưỡng", "Y tá"), with or without diacritics.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import audit
from portal.accounts import services as accounts
from portal.accounts.models import JOB_ROLES, Invitation, User
from portal.db import utcnow
from portal.extensions import db
from portal.text import fold, nfc

logger = logging.getLogger(__name__)

#: Most people one file may invite.
MAX_ROWS = 1000
#: Rows read before giving up on a file that is mostly empty or far too long.
_READ_LIMIT = 5000

_SYNONYMS = {
    "doctor": ("bac si", "bac sy", "bs", "physician", "doctor"),
    "nurse": ("dieu duong", "dieu duong vien", "y ta", "nurse"),
    "midwife": ("ho sinh", "nu ho sinh", "midwife"),
    "pharmacist": ("duoc si", "duoc sy", "ds", "pharmacist"),
    "technician": ("ky thuat vien", "ki thuat vien", "ktv", "technician"),
    "administrative": ("hanh chinh", "nhan vien hanh chinh", "van phong", "administrative",
                       "administrative staff", "admin staff"),
    "it": ("cong nghe thong tin", "cntt", "nhan vien cntt", "it", "it staff"),
}

_HEADERS = {
    "name": ("name", "full name", "ho ten", "ho va ten", "ten", "ho ten day du"),
    "email": ("email", "e mail", "mail", "thu dien tu", "dia chi email", "dia chi e mail",
              "email address", "e mail address"),
    "job_role": ("job role", "role", "vai tro", "vai tro cong viec", "chuc danh", "vi tri",
                 "vi tri cong viec", "nghe nghiep", "chuc vu", "job"),
}


def _key(text: str) -> str:
    """Return *text* folded and stripped of punctuation, for matching labels."""
    return re.sub(r"[^a-z0-9]+", " ", fold(text or "")).strip()


def job_role_lookup() -> dict[str, str]:
    """Return folded label → job-role code, from codes, synonyms and the translated labels."""
    from portal.labels import JOB_ROLE_LABELS

    lookup: dict[str, str] = {}
    for code, words in _SYNONYMS.items():
        lookup[_key(code)] = code
        for word in words:
            lookup[_key(word)] = code
    for lang in ("en", "vi"):
        with force_locale(lang):
            for code, label in JOB_ROLE_LABELS.items():
                lookup.setdefault(_key(str(label)), code)
    return lookup


class BulkFileError(ValueError):
    """The file cannot be read as a table of people; the message says why."""


class BulkInviteError(ValueError):
    """The rows break a rule; ``preview`` holds every row with its problems."""

    def __init__(self, preview: BulkPreview):
        super().__init__("the rows have problems")
        self.preview = preview


@dataclass
class BulkRow:
    """One person from the file, numbered as the spreadsheet numbers its rows."""

    number: int
    name: str
    email: str
    job_role_text: str
    #: The job-role code, once recognised.
    job_role: str | None = None
    problems: list[str] = field(default_factory=list)


@dataclass
class BulkPreview:
    """Every row of a file with its problems; ready to create when :attr:`ok`."""

    rows: list[BulkRow]

    @property
    def ok(self) -> bool:
        """Return whether there is at least one row and no row has a problem."""
        return bool(self.rows) and not any(r.problems for r in self.rows)

    @property
    def problem_rows(self) -> list[BulkRow]:
        """Return the rows that have problems."""
        return [r for r in self.rows if r.problems]


# --------------------------------------------------------------------------- reading


def _decode(data: bytes) -> str:
    """Return the text of a CSV file: UTF-8 (with or without BOM), UTF-16, or Windows-1258."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1258")
    except UnicodeDecodeError as exc:
        raise BulkFileError(_l("The file is not text that can be read (save it as CSV UTF-8)."
                               )) from exc


def _csv_rows(data: bytes) -> list[tuple[int, list[str]]]:
    text = _decode(data)
    if "\x00" in text:
        raise BulkFileError(_l("The file is not a CSV file."))
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = []
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        for number, row in enumerate(reader, start=1):
            if number > _READ_LIMIT:
                break
            rows.append((number, row))
    except csv.Error as exc:
        raise BulkFileError(_l("The CSV file is malformed near row %(n)d.",
                               n=reader.line_num)) from exc
    return rows


def _xlsx_rows(data: bytes) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - zip, XML and format errors alike
        raise BulkFileError(_l("The file is not an Excel workbook (.xlsx) that can be read."
                               )) from exc
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise BulkFileError(_l("The workbook has no sheet."))
        rows = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > _READ_LIMIT:
                break
            rows.append((number, ["" if v is None else str(v) for v in values]))
        return rows
    finally:
        workbook.close()


def read_table(filename: str, data: bytes) -> list[BulkRow]:
    """Return the people listed in an uploaded CSV or XLSX file, numbered as in the file.

    The first non-empty row names the columns (name, e-mail, job role, in English or
    Vietnamese, in any order); a file without that row is read as name, e-mail, job role
    when its first row holds an e-mail address. Empty rows are skipped.

    :raises BulkFileError: the file cannot be read, has no recognisable columns, lists
        nobody, or lists more than :data:`MAX_ROWS` people
    """
    lower = (filename or "").lower()
    if lower.endswith(".xlsx"):
        raw = _xlsx_rows(data)
    elif lower.endswith((".csv", ".txt")):
        raw = _csv_rows(data)
    else:
        raise BulkFileError(_l("Upload a CSV or XLSX file."))
    raw = [(n, [nfc(str(c)) or "" for c in cells]) for n, cells in raw]
    raw = [(n, cells) for n, cells in raw if any(cells)]
    if not raw:
        raise BulkFileError(_l("The file lists nobody."))
    first_number, first = raw[0]
    columns = _columns(first)
    if columns is None:
        if any("@" in cell for cell in first):
            columns = {"name": 0, "email": 1, "job_role": 2}
        else:
            raise BulkFileError(_l(
                "Row %(n)d must name the columns: name, e-mail and job role.", n=first_number))
    else:
        raw = raw[1:]
    if len(raw) > MAX_ROWS:
        raise BulkFileError(_l("A file may list at most %(max)d people; this one lists more.",
                               max=MAX_ROWS))
    if not raw:
        raise BulkFileError(_l("The file lists nobody."))

    def cell(cells, name):
        index = columns[name]
        return cells[index].strip() if index < len(cells) else ""

    return [BulkRow(number=n, name=cell(cells, "name"), email=cell(cells, "email"),
                    job_role_text=cell(cells, "job_role")) for n, cells in raw]


#: The column titles of the file the portal offers to fill in (``template_header``).
TEMPLATE_HEADER = {"name": _l("Name"), "email": _l("E-mail"), "job_role": _l("Job role")}


def template_header() -> list[str]:
    """Return the column titles of the file to fill in, in the current language."""
    return [str(label) for label in TEMPLATE_HEADER.values()]


def _header_words() -> dict[str, set[str]]:
    """Return column → accepted folded titles: the synonyms and our own titles, in vi and en."""
    words = {name: set(synonyms) for name, synonyms in _HEADERS.items()}
    for lang in ("en", "vi"):
        with force_locale(lang):
            for name, label in TEMPLATE_HEADER.items():
                words[name].add(_key(str(label)))
    return words


def _columns(cells: list[str]) -> dict[str, int] | None:
    """Return column name → index when *cells* is a header row naming all three columns."""
    found: dict[str, int] = {}
    accepted = _header_words()
    for index, cell in enumerate(cells):
        key = _key(cell)
        for name, words in accepted.items():
            if key in words and name not in found:
                found[name] = index
    return found if len(found) == 3 else None


# --------------------------------------------------------------------------- checking


def validate_rows(manager: User, rows: list[BulkRow], *, now: datetime | None = None
                  ) -> BulkPreview:
    """Check every row as :func:`~portal.accounts.services.invite` would (two queries).

    Problems found, each on its row: a missing or overlong name, a missing or invalid
    e-mail, a missing or unknown job role, an e-mail already on an earlier row, an e-mail
    that already has an account (here, in another facility, or a staff account of the
    portal) or a pending invitation to this facility.

    :param manager: the manager whose facility the people would join
    :return: the rows (job roles and e-mails normalised), each with its problems
    """
    now = now or utcnow()
    lookup = job_role_lookup()
    role_list = ", ".join(JOB_ROLES)
    seen: dict[str, int] = {}
    for row in rows:
        row.problems = []
        row.name = nfc(row.name) or ""
        if not row.name:
            row.problems.append(str(_l("Enter a name.")))
        elif len(row.name) > 200:
            row.problems.append(str(_l("The name is longer than 200 characters.")))
        email = (row.email or "").strip()
        if not email:
            row.problems.append(str(_l("Enter an e-mail address.")))
        else:
            try:
                email = validate_email(email, check_deliverability=False).normalized
            except EmailNotValidError:
                row.problems.append(str(_l("Not a valid e-mail address: %(value)s",
                                           value=email)))
                email = ""
            row.email = (nfc(email) or "").lower() if email else row.email
            if email:
                if row.email in seen:
                    row.problems.append(str(_l("The same e-mail is already on row %(n)d.",
                                               n=seen[row.email])))
                else:
                    seen[row.email] = row.number
        row.job_role = lookup.get(_key(row.job_role_text)) if row.job_role_text else None
        if not row.job_role_text:
            row.problems.append(str(_l("Enter a job role.")))
        elif row.job_role is None:
            row.problems.append(str(_l("Unknown job role: %(value)s (use one of: %(roles)s).",
                                       value=row.job_role_text, roles=role_list)))
    emails = list(seen)
    if emails:
        users = {email: (facility_id, role) for email, facility_id, role in db.session.execute(
            select(User.email, User.facility_id, User.role).where(User.email.in_(emails)))}
        pending = set(db.session.scalars(select(Invitation.email).where(
            Invitation.email.in_(emails), Invitation.facility_id == manager.facility_id,
            Invitation.accepted_at.is_(None), Invitation.cancelled_at.is_(None),
            Invitation.expires_at > now)))
        for row in rows:
            if seen.get(row.email) != row.number:
                continue
            if row.email in users:
                facility_id, _role = users[row.email]
                if facility_id == manager.facility_id:
                    row.problems.append(str(_l("%(email)s is already on your staff.",
                                               email=row.email)))
                elif facility_id is not None:
                    row.problems.append(str(_l("%(email)s already belongs to another facility.",
                                               email=row.email)))
                else:
                    row.problems.append(str(_l("An account with this e-mail already exists.")))
            elif row.email in pending:
                row.problems.append(str(_l("%(email)s already has a pending invitation; "
                                           "resend it instead.", email=row.email)))
    return BulkPreview(rows)


def create_invitations(manager: User, rows: list[BulkRow], *, days: int = 7,
                       filename: str = "", now: datetime | None = None, ip: str | None = None
                       ) -> list[tuple[BulkRow, Invitation, str]]:
    """Create an invitation for every row, all or none (the caller commits or rolls back).

    The rows are checked again first (someone may have been invited since the preview),
    then each goes through :func:`portal.accounts.services.invite`.

    :return: each row with its invitation and the secret token of its link (shown once)
    :raises BulkInviteError: when any row has a problem; nothing has been written then
    :raises AccountError: when a row breaks a rule at the last moment (a concurrent
        invitation); the caller must roll back the invitations already flushed
    """
    now = now or utcnow()
    preview = validate_rows(manager, rows, now=now)
    if not preview.ok:
        raise BulkInviteError(preview)
    created = []
    for row in preview.rows:
        invitation, token = accounts.invite(manager, row.email, job_role=row.job_role,
                                            days=days, now=now, ip=ip)
        created.append((row, invitation, token))
    audit.record("invitation.bulk_created", actor=manager, obj=manager.facility, ip=ip,
                 count=len(created), file=(filename or "")[:200],
                 people=[{"row": r.number, "name": r.name, "email": r.email}
                         for r, _i, _t in created])
    logger.info("Manager %s invited %d people from %s", manager.id, len(created), filename)
    return created
