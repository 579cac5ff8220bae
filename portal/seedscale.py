"""National-scale benchmark data: ``flask seed scale --facilities N --learners M --seed S``.

Generates a realistic country's worth of facilities, staff and learning on top of an imported
curriculum (``flask courses import courses``), for the benchmark (``bench/``, ``make bench``)
and for anyone who wants to see the portal full:

- facilities of every type across the 34 provincial units, weighted by population, with a
  long tail of staff: most have a handful of people, a few have hundreds, and the largest
  has exactly 500 (two managers and 498 learners) so that the benchmark has its 500-person
  dashboard;
- managers (one per facility, two from 100 people up) and learners with the job roles a
  facility of that type employs, Vietnamese names, a few inactive accounts and pending
  invitations;
- lesson reads, quiz attempts with the questions each drew and the answers given (graded by
  the real grader once per question, then reused), quiz passes and course completions,
  following the programme's courses for each job role; facilities differ in how engaged
  their staff are, so some are ready for certification and most are not;
- course, programme and facility certificates in every status (active, expiring within 90
  days, expired from the 2022 pilot, revoked) and facility certification requests (pending,
  issued, declined, withdrawn).

Rows are written with SQLAlchemy Core: ``executemany`` of the compiled ``INSERT`` on SQLite,
``COPY … FROM STDIN`` through psycopg on PostgreSQL, in chunks, in one transaction; never one
ORM object at a time. Every CHECK, UNIQUE and foreign-key constraint stays on and holds.
Primary keys are assigned here (after any rows already present) and PostgreSQL's sequences
are moved past them.

The same ``--seed`` and ``--anchor`` (the day the data is "as of"; default today) give the same
rows. Every account shares one password, :data:`SCALE_PASSWORD`, hashed once (Argon2id, the
portal's production cost) with a salt derived from the seed.

Certificates carry a signed Open Badges token only for a sample (``sign``; signing costs about
a millisecond of RSA per certificate); the others keep the empty token the column allows.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import random
import time
import unicodedata
from bisect import bisect
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate

from sqlalchemy import column, func, select, table, text

from portal.extensions import db

__all__ = [
    "SCALE_DOMAIN",
    "SCALE_PASSWORD",
    "ScaleError",
    "ScaleReport",
    "seed_scale",
]

#: Every generated e-mail address ends with this domain.
SCALE_DOMAIN = "scale.dha.vn"
#: The password of every generated account (published: benchmark data only).
SCALE_PASSWORD = "scale-password-2025"  # noqa: S105 - published benchmark credential
#: The accounts the benchmark signs in with, besides managers and learners.
ADMIN_EMAIL = f"admin@{SCALE_DOMAIN}"
TRAINER_EMAIL = f"trainer@{SCALE_DOMAIN}"
#: The largest facility's people: the benchmark's "500-person facility".
LARGEST = 500
#: Facilities with this many people or more have two managers.
TWO_MANAGERS_FROM = 100

#: Rows buffered before they are written.
CHUNK_ROWS = 60_000

# --------------------------------------------------------------------------- the tables

#: Columns written per table, in foreign-key order (parents first).
COLUMNS: dict[str, tuple[str, ...]] = {
    "facilities": ("id", "name", "name_folded", "type", "licence_number", "province_code",
                   "address", "phone", "email", "is_active", "created_at", "updated_at"),
    "users": ("id", "email", "name", "name_folded", "password_hash", "role", "job_role",
              "facility_id", "is_active", "locale", "session_token", "last_login_at",
              "created_at", "updated_at"),
    "invitations": ("id", "facility_id", "email", "job_role", "token_hash", "invited_by_id",
                    "expires_at", "accepted_at", "cancelled_at", "user_id", "created_at",
                    "updated_at"),
    "attempts": ("id", "user_id", "quiz_id", "course_id", "quiz_slug", "number", "started_at",
                 "deadline_at", "submitted_at", "score", "is_passed", "pass_mark"),
    "attempt_questions": ("id", "attempt_id", "position", "question_id", "choice_order",
                          "response", "saved_at", "fraction"),
    "lesson_reads": ("id", "user_id", "course_id", "lesson_slug", "version_id", "read_at"),
    "quiz_passes": ("id", "user_id", "course_id", "quiz_slug", "version_id", "passed_at"),
    "course_completions": ("id", "user_id", "course_id", "version_id", "completed_at"),
    "certificates": ("id", "serial", "code", "kind", "achievement_key", "user_id",
                     "facility_id", "course_id", "version_id", "programme_id", "holder_name",
                     "holder_folded", "title", "issued_at", "expires_at", "issued_by_id",
                     "revoked_at", "revoked_by_id", "revoke_reason", "token", "kid",
                     "created_at", "updated_at"),
    "certification_requests": ("id", "facility_id", "programme_id", "status", "is_renewal",
                               "requested_by_id", "requested_at", "decided_by_id",
                               "decided_at", "decline_reason", "certificate_id"),
}


class ScaleError(RuntimeError):
    """The database is not ready for scale data (or already has it)."""


def _check_schema() -> None:
    """Fail clearly when a model gained a required column this generator does not fill."""
    for name, columns in COLUMNS.items():
        model_table = db.metadata.tables[name]
        unknown = set(columns) - set(model_table.columns.keys())
        if unknown:
            raise ScaleError(f"{name}: no such columns {sorted(unknown)}")
        for col in model_table.columns:
            if (col.name not in columns and not col.nullable and col.server_default is None
                    and not col.primary_key):
                raise ScaleError(f"{name}.{col.name} is required and seedscale does not fill it")


def _ts(moment: datetime | None) -> str | None:
    """Return a naive-UTC timestamp as both databases read it back (portal.db.UTCDateTime)."""
    return None if moment is None else moment.isoformat(" ", "microseconds")


class _Writer:
    """Buffers rows per table and writes them in foreign-key order, in bulk."""

    def __init__(self, connection):
        self.connection = connection
        self.dialect = connection.dialect.name
        self.rows: dict[str, list[tuple]] = {name: [] for name in COLUMNS}
        self.pending = 0
        self.counts: dict[str, int] = dict.fromkeys(COLUMNS, 0)
        self.seconds = 0.0
        self._sql = {}
        for name, columns in COLUMNS.items():
            core = table(name, *[column(c) for c in columns])
            # The Core INSERT, compiled once for the DBAPI's executemany.
            self._sql[name] = str(core.insert().compile(dialect=connection.dialect))

    def suspend_foreign_keys(self) -> None:
        """On PostgreSQL, drop the loaded tables' foreign keys until :meth:`restore_foreign_keys`.

        A foreign key checks each COPYed row with a query of its own (about three quarters
        of the load time); added back afterwards, PostgreSQL validates every row in one
        join instead. Same names, same definitions, same transaction: if a row broke one,
        the whole load would fail and roll back.
        """
        if self.dialect != "postgresql":
            return
        self._foreign_keys = self.connection.execute(text(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)"
            " FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(CAST(:tables AS"
            " regclass[])) ORDER BY conrelid::regclass::text, conname"),
            {"tables": list(COLUMNS)}).all()
        for table_name, name, _definition in self._foreign_keys:
            self.connection.exec_driver_sql(f'ALTER TABLE {table_name} DROP CONSTRAINT "{name}"')

    def restore_foreign_keys(self) -> None:
        """Add back (and so validate) the foreign keys :meth:`suspend_foreign_keys` dropped."""
        for table_name, name, definition in getattr(self, "_foreign_keys", ()):
            self.connection.exec_driver_sql(
                f'ALTER TABLE {table_name} ADD CONSTRAINT "{name}" {definition}')
        self._foreign_keys = []

    def add(self, name: str, row: tuple) -> None:
        self.rows[name].append(row)
        self.pending += 1

    def maybe_flush(self) -> None:
        if self.pending >= CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        started = time.perf_counter()
        for name, rows in self.rows.items():
            if not rows:
                continue
            if self.dialect == "postgresql":
                self._copy(name, rows)
            else:
                self.connection.exec_driver_sql(self._sql[name], rows)
            self.counts[name] += len(rows)
            rows.clear()
        self.pending = 0
        self.seconds += time.perf_counter() - started

    def _copy(self, name: str, rows: list[tuple]) -> None:
        raw = self.connection.connection.dbapi_connection
        statement = f"COPY {name} ({', '.join(COLUMNS[name])}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)


# --------------------------------------------------------------------------- people and places

_FAMILY = (("Nguyễn", 380), ("Trần", 110), ("Lê", 95), ("Phạm", 70), ("Hoàng", 30),
           ("Huỳnh", 21), ("Phan", 45), ("Vũ", 20), ("Võ", 19), ("Đặng", 21), ("Bùi", 20),
           ("Đỗ", 14), ("Hồ", 13), ("Ngô", 13), ("Dương", 10), ("Lý", 5), ("Đinh", 6),
           ("Trương", 6), ("Lâm", 4), ("Mai", 4), ("Cao", 3), ("Tô", 2), ("Hà", 3),
           ("Lương", 3), ("Tạ", 2), ("Kiều", 1), ("Triệu", 1), ("Quách", 1), ("La", 1))
_MIDDLE_M = ("Văn", "Đức", "Minh", "Quốc", "Hữu", "Thanh", "Công", "Xuân", "Ngọc", "Trọng")
_MIDDLE_F = ("Thị", "Ngọc", "Thu", "Thanh", "Minh", "Kim", "Hồng", "Phương", "Bảo", "Mỹ")
_GIVEN_M = ("An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hiếu", "Hùng", "Huy", "Khoa", "Khánh",
            "Long", "Minh", "Nam", "Nghĩa", "Phong", "Phúc", "Quang", "Sơn", "Tâm", "Thắng",
            "Thành", "Toàn", "Trung", "Tuấn", "Tùng", "Việt", "Vinh", "Vũ", "Duy")
_GIVEN_F = ("Anh", "Chi", "Diệp", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa", "Huệ",
            "Hương", "Lan", "Liên", "Linh", "Loan", "Mai", "My", "Ngân", "Ngọc", "Nhung",
            "Oanh", "Phương", "Quyên", "Quỳnh", "Thảo", "Thủy", "Trang", "Vân", "Yến")

#: Province code → weight (roughly each unit's population, in hundred thousands).
_PROVINCE_WEIGHTS = {
    "01": 85, "04": 6, "08": 18, "11": 7, "12": 5, "14": 13, "15": 17, "19": 18, "20": 8,
    "22": 14, "24": 36, "25": 40, "31": 47, "33": 37, "37": 40, "38": 38, "40": 35, "42": 13,
    "44": 19, "46": 12, "48": 31, "51": 21, "52": 34, "56": 22, "66": 32, "68": 38, "75": 44,
    "79": 140, "80": 30, "82": 41, "86": 43, "91": 50, "92": 41, "96": 26,
}

#: Facility type → (share of facilities, licence code, name prefix, mean people, job roles
#: with weights).
_TYPES = {
    "clinic": (34, "PK", "Phòng khám", 9,
               {"doctor": 30, "nurse": 35, "technician": 8, "administrative": 17, "it": 4,
                "midwife": 3, "pharmacist": 3}),
    "pharmacy": (30, "NT", "Nhà thuốc", 3,
                 {"pharmacist": 70, "administrative": 25, "it": 5}),
    "dental": (12, "NK", "Nha khoa", 7,
               {"doctor": 35, "nurse": 30, "technician": 15, "administrative": 17, "it": 3}),
    "polyclinic": (6, "DK", "Phòng khám đa khoa", 55,
                   {"doctor": 25, "nurse": 32, "midwife": 6, "technician": 12,
                    "pharmacist": 6, "administrative": 14, "it": 5}),
    "laboratory": (4, "XN", "Phòng xét nghiệm", 10,
                   {"technician": 55, "doctor": 15, "nurse": 5, "administrative": 20, "it": 5}),
    "imaging": (3, "CD", "Trung tâm chẩn đoán hình ảnh", 14,
                {"technician": 45, "doctor": 25, "nurse": 10, "administrative": 15, "it": 5}),
    "hospital": (2, "BV", "Bệnh viện", 190,
                 {"doctor": 22, "nurse": 38, "midwife": 6, "technician": 12, "pharmacist": 6,
                  "administrative": 11, "it": 5}),
    "other": (9, "YT", "Cơ sở y tế", 6,
              {"doctor": 25, "nurse": 35, "administrative": 25, "technician": 10, "it": 5}),
}
_FEMALE_ROLES = {"nurse": 0.85, "midwife": 0.98, "pharmacist": 0.7, "administrative": 0.7}
_MANAGER_ROLE = {"pharmacy": "pharmacist", "laboratory": "technician", "other": "doctor"}
_BRANDS = ("An Bình", "Tâm Đức", "Sông Hàn", "Hòa Hảo", "Phúc An", "Thiện Tâm", "Minh Châu",
           "Hồng Ngọc", "Việt Pháp", "Bình An", "Sài Gòn", "Thăng Long", "Hạnh Phúc", "Medic",
           "An Khang", "Gia Đình", "Nhân Ái", "Tân Phú", "Hoàn Mỹ", "Trường An", "Đông Á",
           "Kim Liên", "Bảo Châu", "Tuệ Tĩnh", "Hải Âu", "Ánh Dương", "Bạch Mai", "Long Châu",
           "Phương Đông", "Thành Công", "Đại Việt", "Nam Sơn", "Sao Mai", "Hưng Thịnh")
_STREETS = ("Lê Lợi", "Trần Hưng Đạo", "Nguyễn Trãi", "Hai Bà Trưng", "Lý Thường Kiệt",
            "Quang Trung", "Hùng Vương", "Phan Chu Trinh", "Bạch Đằng", "Nguyễn Huệ",
            "Điện Biên Phủ", "Lê Duẩn", "Võ Thị Sáu", "Pasteur", "Cách Mạng Tháng Tám")

#: Facility engagement classes: (share, chance a person never starts, chance each next
#: course is completed, chance a learner does one course beyond what the programme asks).
_ENGAGEMENT = (
    (0.14, 0.02, 0.985, 0.35),   # champions: most are ready for certification
    (0.34, 0.12, 0.72, 0.15),
    (0.34, 0.30, 0.45, 0.05),
    (0.18, 0.65, 0.30, 0.02),    # dormant
)
_REVOKE_PERSONAL = ("Cấp nhầm người học.", "Kết quả bài kiểm tra bị hủy sau khi xác minh.")
_REVOKE_FACILITY = ("Cơ sở ngừng hoạt động.", "Giấy phép hoạt động của cơ sở bị thu hồi.")
_DECLINE = ("Chưa đủ 80% nhân viên hoàn thành các khóa học bắt buộc.",
            "Người quản lý chưa hoàn thành các khóa học bắt buộc.")


def _nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value)


def _cumulative(weights) -> list[float]:
    return list(accumulate(weights))


# --------------------------------------------------------------------------- the curriculum


@dataclass
class _Question:
    id: int
    #: JSON choice orders to pick from (``None``: as written).
    orders: list[str | None]
    right: tuple[str, float]
    wrong: tuple[str, float]


@dataclass
class _Quiz:
    item_id: int
    slug: str
    pass_mark: int
    max_attempts: int
    time_limit: int
    draw: int
    questions: list[_Question]


@dataclass
class _Course:
    id: int
    slug: str
    version_id: int
    #: The live version's items in order: ("lesson", slug) or ("quiz", _Quiz).
    items: list[tuple[str, object]]
    awards: bool
    title: str
    requires: tuple[str, ...]


def _question(row, shuffle: bool, seed: int) -> _Question:
    """Grade a right and a wrong answer to *row* once with the real grader."""
    from portal.quizzes.grading import InvalidResponse, model_answer
    from portal.quizzes.services import CHOICE_TYPES, clean_values, grade_values

    question = row.question("vi")
    right = clean_values(row, model_answer(question))
    right_fraction, _shown = grade_values(row, right)
    candidates: list[list[str]] = []
    if question.type == "true_false":
        candidates.append(["false" if right == ["true"] else "true"])
    elif question.type in CHOICE_TYPES:
        wrong = [str(i) for i, a in enumerate(question.answers) if a.fraction <= 0]
        candidates += [[w] for w in wrong[:1]]
    elif question.type == "numerical":
        candidates.append([repr(float(right[0]) + 1234.5)] if right else ["-1"])
    elif question.type == "short_answer":
        candidates.append(["không biết"])
    elif question.type == "matching" and len(right) > 1:
        filled = [v for v in right if v]
        rotated = iter(filled[1:] + filled[:1])
        candidates.append([next(rotated) if v else "" for v in right])
    candidates.append([])
    wrong_values, wrong_fraction = [], 0.0
    for values in candidates:
        try:
            values = clean_values(row, values)
        except InvalidResponse:  # noqa: S112 - a candidate the question refuses: try the next
            continue
        fraction, _shown = grade_values(row, values)
        if fraction < right_fraction:
            wrong_values, wrong_fraction = values, fraction
            break
    if question.type == "matching":
        seen: dict[str, int] = {}
        for index, pair in enumerate(question.pairs):
            seen.setdefault(pair.right, index)
        base = list(seen.values())
    elif shuffle and question.type in CHOICE_TYPES:
        base = list(range(len(question.answers)))
    else:
        base = None
    if base is None:
        orders: list[str | None] = [None]
    else:
        shuffler = random.Random(seed * 1_000_003 + row.id)  # noqa: S311 - reproducible data
        orders = []
        for _ in range(min(24, math.factorial(len(base)))):
            order = list(base)
            shuffler.shuffle(order)
            orders.append(json.dumps(order))
    return _Question(row.id, orders, (json.dumps(right, ensure_ascii=False), right_fraction),
                     (json.dumps(wrong_values, ensure_ascii=False), wrong_fraction))


def _curriculum(seed: int) -> tuple[list[_Course], object]:
    """Return the published courses (live versions, graded answers) and the programme."""
    from sqlalchemy.orm import selectinload

    from portal.catalog.models import Course, CourseItem, CourseVersion
    from portal.certification.models import Programme
    from portal.quizzes.models import QuizQuestion

    courses = []
    rows = db.session.scalars(
        select(Course).join(CourseVersion, CourseVersion.id == Course.live_version_id)
        .where(Course.status == "published")
        .options(selectinload(Course.live_version).selectinload(CourseVersion.items)
                 .selectinload(CourseItem.questions))
        .order_by(CourseVersion.position, Course.slug)).all()
    for course in rows:
        version = course.live_version
        items: list[tuple[str, object]] = []
        for item in version.items:
            if item.kind == "lesson":
                items.append(("lesson", item.slug))
                continue
            questions: list[QuizQuestion] = list(item.questions)
            if not questions:
                continue  # a quiz with no questions cannot be taken (nor passed)
            items.append(("quiz", _Quiz(
                item.id, item.slug, int(item.pass_mark), int(item.max_attempts or 0),
                int(item.time_limit or 0), int(item.draw or 0),
                [_question(q, bool(item.shuffle), seed) for q in questions])))
        if any(kind == "quiz" for kind, _ in items) and len(items) != len(version.items):
            continue  # an unpassable quiz: nobody can complete this course
        courses.append(_Course(course.id, course.slug, version.id, items,
                               bool(version.awards_certificate),
                               json.dumps(dict(version.title), ensure_ascii=False),
                               tuple(version.requires or ())))
    programme = db.session.scalar(select(Programme).where(Programme.is_active)
                                  .order_by(Programme.position, Programme.slug).limit(1))
    return courses, programme


# --------------------------------------------------------------------------- the report


@dataclass
class ScaleReport:
    """What :func:`seed_scale` wrote and how long it took."""

    facilities: int
    learners: int
    seed: int
    anchor: str
    #: table → rows written
    rows: dict[str, int] = field(default_factory=dict)
    #: phase → seconds
    seconds: dict[str, float] = field(default_factory=dict)
    signed: int = 0
    #: Certificates by status at the anchor: active, expired, revoked.
    certificate_status: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"facilities": self.facilities, "learners": self.learners, "seed": self.seed,
                "anchor": self.anchor, "rows": self.rows, "seconds": self.seconds,
                "signed": self.signed, "certificate_status": self.certificate_status}


# --------------------------------------------------------------------------- the generator


@dataclass
class _Person:
    id: int
    name: str
    role: str
    job_role: str | None
    is_active: bool
    completed: dict[int, datetime] = field(default_factory=dict)
    #: What :meth:`_Generator.learn` planned: (course, reads, attempts).
    plan: list = field(default_factory=list)


class _Generator:
    """Generates every row from one seeded random source, in a fixed order."""

    def __init__(self, writer: _Writer, *, seed: int, anchor: date, courses, programme):
        self.w = writer
        #: Reproducible on purpose (codes and tokens too): benchmark data, never production.
        self.rng = random.Random(seed)  # noqa: S311
        self.seed = seed
        self.now = datetime(anchor.year, anchor.month, anchor.day, 9, 0, 0)
        self.start = self.now - timedelta(days=390)          # the programme's first day
        self.pilot = self.start - timedelta(days=3 * 365 + 120)  # the 2022 pilot
        self.courses = courses
        self.by_slug = {c.slug: c for c in courses}
        self.programme = programme
        self.ids = {name: self._max_id(name) for name in COLUMNS}
        self.status = {"active": 0, "expired": 0, "revoked": 0}
        self._codes: set[str] = set()
        self._folded: dict[str, str] = {}
        self._family = [_nfc(n) for n, _w in _FAMILY]
        self._family_cum = _cumulative(w for _n, w in _FAMILY)
        self._given = {sex: tuple(_nfc(g) for g in given) for sex, given in
                       (("m", _GIVEN_M), ("f", _GIVEN_F))}
        self._middle = {"m": tuple(_nfc(m) for m in _MIDDLE_M),
                        "f": tuple(_nfc(m) for m in _MIDDLE_F)}
        self._required = self._required_by_role()
        salt = hashlib.sha256(f"dha-scale-{seed}".encode()).digest()[:16]
        from portal.accounts.passwords import strong_hasher

        #: One hash for every account (the production cost: signing in checks it).
        self.password_hash = strong_hasher().hash(SCALE_PASSWORD, salt=salt)

    # -- helpers ---------------------------------------------------------------------

    def _max_id(self, name: str) -> int:
        model_table = db.metadata.tables[name]
        return int(self.w.connection.execute(select(func.max(model_table.c.id))).scalar() or 0)

    def next_id(self, name: str) -> int:
        self.ids[name] += 1
        return self.ids[name]

    def fold(self, value: str) -> str:
        from portal.text import fold

        folded = self._folded.get(value)
        if folded is None:
            folded = self._folded[value] = fold(value)
        return folded

    def token(self, nbytes: int) -> str:
        """Return a URL-safe random token (like secrets.token_urlsafe) from the seeded source."""
        raw = self.rng.getrandbits(nbytes * 8).to_bytes(nbytes, "big")
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

    def code(self) -> str:
        """Return a new certificate verification code (144 bits), unique."""
        while True:
            value = self.token(18)
            if value not in self._codes:
                self._codes.add(value)
                return value

    def person_name(self, sex: str) -> str:
        rng = self.rng
        family = self._family[bisect(self._family_cum, rng.random() * self._family_cum[-1])]
        return (f"{family} {rng.choice(self._middle[sex])} "
                f"{rng.choice(self._given[sex])}")

    def _required_by_role(self) -> dict[str | None, list[_Course]]:
        """Return job role → the courses it must complete, in programme order."""
        from portal.accounts.models import JOB_ROLES

        result: dict[str | None, list[_Course]] = {}
        for role in (*JOB_ROLES, None):
            if self.programme is not None:
                slugs = self.programme.courses_for(role)
            else:
                slugs = tuple(c.slug for c in self.courses)
            result[role] = [self.by_slug[s] for s in slugs if s in self.by_slug]
        return result

    # -- sizes -----------------------------------------------------------------------

    def facility_types(self, count: int) -> list[str]:
        names = list(_TYPES)
        cum = _cumulative(_TYPES[t][0] for t in names)
        types = [names[bisect(cum, self.rng.random() * cum[-1])] for _ in range(count)]
        if count and "hospital" in names:
            types[0] = "hospital"  # the largest facility
        # Every type appears whenever there are enough facilities to show them all.
        for index, name in enumerate(names):
            if count >= 2 * len(names) and name not in types[1:]:
                types[1 + index] = name
        return types

    def staff_sizes(self, types: list[str], learners: int) -> list[int]:
        """Return learners per facility: a long tail summing to *learners* exactly.

        The first facility gets ``LARGEST - 2`` learners (plus two managers) when there are
        enough learners for it.
        """
        count = len(types)
        if count == 0:
            return []
        if count == 1:
            return [learners]
        if learners < count:
            raise ScaleError("need at least one learner per facility")
        top = LARGEST - 2
        raw = [math.exp(self.rng.gauss(math.log(_TYPES[t][3]), 0.9)) for t in types]
        fixed = min(top, learners - (count - 1))
        rest = learners - fixed
        cap = min(top, max(1, rest - (count - 2))) if count > 1 else top

        def sized(scale: float) -> list[int]:
            return [max(1, min(cap, int(round(r * scale)))) for r in raw[1:]]

        low, high = 0.0, 1.0
        while sum(sized(high)) < rest and high < 1e9:
            high *= 2
        for _ in range(60):
            mid = (low + high) / 2
            if sum(sized(mid)) < rest:
                low = mid
            else:
                high = mid
        sizes = sized(high)
        gap = rest - sum(sizes)
        order = list(range(len(sizes)))
        self.rng.shuffle(order)
        step = 1 if gap > 0 else -1
        while gap:
            moved = False
            for index in order:
                if gap == 0:
                    break
                value = sizes[index] + step
                if 1 <= value <= cap:
                    sizes[index] = value
                    gap -= step
                    moved = True
            if not moved:
                raise ScaleError("cannot spread the learners over the facilities")
        return [fixed, *sizes]

    # -- the whole country -----------------------------------------------------------

    def run(self, facilities: int, learners: int) -> None:
        admin_id = self.add_user(ADMIN_EMAIL, "Quản trị viên Quốc gia", "admin", None, None,
                                 self.start - timedelta(days=30))
        self.admin_id = admin_id
        self.add_user(TRAINER_EMAIL, "BS. Giảng viên Học viện", "trainer", None, None,
                      self.start - timedelta(days=30))
        types = self.facility_types(facilities)
        sizes = self.staff_sizes(types, learners)
        codes = list(_PROVINCE_WEIGHTS)
        cum = _cumulative(_PROVINCE_WEIGHTS.values())
        provinces = [codes[bisect(cum, self.rng.random() * cum[-1])] for _ in range(facilities)]
        for index, code in enumerate(codes):
            if facilities >= 2 * len(codes) and code not in provinces:
                provinces[index] = code
        for number, (kind, size, province) in enumerate(zip(types, sizes, provinces,
                                                            strict=True), start=1):
            self.facility(number, kind, size, province)
            self.w.maybe_flush()
        self.w.flush()

    def add_user(self, email, name, role, job_role, facility_id, created, *, active=True,
                 last_login=None) -> int:
        user_id = self.next_id("users")
        locale = "en" if self.rng.random() < 0.08 else "vi"
        self.w.add("users", (user_id, email, name, self.fold(name), self.password_hash, role,
                             job_role, facility_id, active, locale, self.token(24),
                             _ts(last_login), _ts(created), _ts(last_login or created)))
        return user_id

    def facility(self, number: int, kind: str, learners: int, province: str) -> None:
        rng = self.rng
        share, licence_code, prefix, _mean, roles = _TYPES[kind]
        facility_id = self.next_id("facilities")
        brand = rng.choice(_BRANDS)
        name = _nfc(f"{prefix} {brand}" + (f" {rng.randint(2, 9)}" if rng.random() < 0.3
                                             else ""))
        licence = f"{province}-{licence_code}-{number:06d}"
        from portal.facilities.provinces import BY_CODE

        address = _nfc(f"{rng.randint(1, 399)} {rng.choice(_STREETS)}, {BY_CODE[province].name}")
        joined = self.start + timedelta(days=rng.uniform(0, 300))
        is_active = rng.random() > 0.005
        self.w.add("facilities", (
            facility_id, name, self.fold(name), kind, licence, province, address,
            f"0{rng.randint(200000000, 999999999)}", f"lienhe.{licence.lower()}@{SCALE_DOMAIN}",
            is_active, _ts(joined), _ts(joined)))

        level = rng.random()
        engagement = _ENGAGEMENT[-1]
        total = 0.0
        for entry in _ENGAGEMENT:
            total += entry[0]
            if level < total:
                engagement = entry
                break
        _share, never, per_course, extra = engagement
        role_names = list(roles)
        role_cum = _cumulative(roles.values())
        managers = 2 if learners + 1 >= TWO_MANAGERS_FROM else 1
        people: list[_Person] = []
        for index in range(managers + learners):
            is_manager = index < managers
            if is_manager:
                job = _MANAGER_ROLE.get(kind, "doctor")
            elif rng.random() < 0.01:
                job = None
            else:
                job = role_names[bisect(role_cum, rng.random() * role_cum[-1])]
            female = rng.random() < _FEMALE_ROLES.get(job or "", 0.45)
            full_name = self.person_name("f" if female else "m")
            active = is_manager or rng.random() > 0.03
            pilot = not is_manager and rng.random() < 0.02
            person = _Person(0, full_name, "manager" if is_manager else "learner", job, active)
            created = joined + timedelta(days=rng.uniform(0, 20 if is_manager else 120))
            if pilot:
                created = self.pilot + timedelta(days=rng.uniform(0, 60))
            last = self.learn(person, created, never, per_course, extra, pilot)
            local = self.fold(full_name).replace(" ", ".")
            email = f"{local}.{self.ids['users'] + 1}@{SCALE_DOMAIN}"
            person.id = self.add_user(
                email, full_name, person.role, job, facility_id, min(created, self.now),
                active=active, last_login=last)
            self.flush_learning(person)
            people.append(person)
        self.invitations(facility_id, people[0].id, role_names, joined)
        self.certify(facility_id, name, people, joined)

    # -- learning --------------------------------------------------------------------

    def learn(self, person: _Person, started: datetime, never: float, per_course: float,
              extra: float, pilot: bool) -> datetime | None:
        """Plan *person*'s reads and attempts; the rows are written by :meth:`flush_learning`.

        :return: when they were last active, or ``None``
        """
        rng = self.rng
        if rng.random() < never and not pilot:
            return None
        now = self.now
        limit = self.start - timedelta(days=400) if pilot else now
        manager_bonus = 0.1 if person.role == "manager" else 0.0
        required = self._required.get(person.job_role, [])
        if pilot:
            required = self._required.get(None, [])  # the pilot taught the common courses
        todo = list(required)
        if rng.random() < extra:
            others = [c for c in self.courses if c not in todo]
            if others:
                todo.append(rng.choice(others))
        t = started
        last = None
        done: set[str] = set()
        for course in todo:
            if any(r not in done for r in course.requires):
                break
            completes = rng.random() < min(0.995, per_course + manager_bonus)
            t += timedelta(hours=rng.expovariate(1 / 72))
            if t >= limit:
                break
            items = course.items
            cut = len(items) if completes else rng.randint(1, len(items))
            reads: list[tuple[str, datetime]] = []
            attempts: list[tuple[_Quiz, datetime, timedelta, bool, bool]] = []
            finished = True
            for kind, item in items[:cut]:
                t += timedelta(minutes=rng.expovariate(1 / 50))
                if t >= limit:
                    finished = False
                    break
                if kind == "lesson":
                    reads.append((item, t))
                    continue
                quiz: _Quiz = item  # type: ignore[assignment]
                passed = False
                tries = 0
                while not passed and (not quiz.max_attempts or tries < quiz.max_attempts):
                    tries += 1
                    chance = 0.85 if completes else 0.15
                    passed = rng.random() < chance + (0.1 * (tries - 1) if completes else 0)
                    if completes and quiz.max_attempts and tries == quiz.max_attempts:
                        passed = True
                    # Some leave an attempt open (the tab closed): graded on their next visit.
                    abandoned = not passed and rng.random() < 0.08
                    took = timedelta(minutes=rng.uniform(3, max(3.5, (quiz.time_limit or 25) - 1)))
                    attempts.append((quiz, t, took, passed, abandoned))
                    t += took + timedelta(minutes=rng.expovariate(1 / 600))
                    if abandoned or t >= limit or (not completes and rng.random() < 0.6):
                        break
                if not passed:
                    finished = False
                    break
            person.plan.append((course, reads, attempts))
            if reads or attempts:
                last = t
            if not (completes and finished):
                break
            done.add(course.slug)
        return min(last, now) if last else None

    def flush_learning(self, person: _Person) -> None:
        """Write the reads, attempts, passes and completions :meth:`learn` planned."""
        w = self.w
        for course, reads, attempts in person.plan:
            for slug, at in reads:
                w.add("lesson_reads", (self.next_id("lesson_reads"), person.id, course.id, slug,
                                       course.version_id, _ts(at)))
            numbers: dict[str, int] = {}
            passes: dict[str, datetime] = {}
            for quiz, at, took, want_pass, abandoned in attempts:
                number = numbers.get(quiz.slug, 0) + 1
                numbers[quiz.slug] = number
                submitted, passed = self.attempt(person, course, quiz, number, at, took,
                                                 want_pass, abandoned)
                if passed and quiz.slug not in passes:
                    passes[quiz.slug] = submitted
            for slug, at in passes.items():
                w.add("quiz_passes", (self.next_id("quiz_passes"), person.id, course.id, slug,
                                      course.version_id, _ts(at)))
            quizzes = {item.slug for kind, item in course.items if kind == "quiz"}
            lessons = {item for kind, item in course.items if kind == "lesson"}
            read = {slug for slug, _at in reads}
            if read == lessons and set(passes) == quizzes:
                times = [at for _slug, at in reads] + list(passes.values())
                completed = max(times)
                w.add("course_completions", (self.next_id("course_completions"), person.id,
                                             course.id, course.version_id, _ts(completed)))
                person.completed[course.id] = completed
                if course.awards:
                    self.certificate("course", f"course:{person.id}:{course.id}",
                                     completed, 36, person=person, course=course)
        if person.completed and self.programme is not None:
            required = [c.id for c in self._required.get(person.job_role, [])]
            if required and all(cid in person.completed for cid in required):
                when = max(person.completed[cid] for cid in required)
                self.certificate("programme", f"programme:{person.id}:{self.programme.id}",
                                 when, self.programme.validity_months, person=person)

    def attempt(self, person: _Person, course: _Course, quiz: _Quiz, number: int,
                started: datetime, took: timedelta, want_pass: bool, abandoned: bool
                ) -> tuple[datetime, bool]:
        """Write one attempt with its drawn questions and answers (graded once submitted).

        An *abandoned* attempt (or one still running at the anchor) stays open, with the
        answers saved before it was left.
        """
        rng, w = self.rng, self.w
        attempt_id = self.next_id("attempts")
        pool = quiz.questions
        count = min(quiz.draw, len(pool)) if quiz.draw else len(pool)
        drawn = rng.sample(pool, count)
        needed = math.ceil(quiz.pass_mark * count / 100)
        right = rng.randint(needed, count) if want_pass else rng.randint(
            max(0, needed - 4), max(0, needed - 1))
        correct = set(rng.sample(range(count), right))
        deadline = started + timedelta(minutes=quiz.time_limit) if quiz.time_limit else None
        submitted = started + took
        if deadline is not None and submitted > deadline:
            submitted = deadline
        open_attempt = abandoned or submitted > self.now
        saved = _ts(submitted) if not open_attempt else None
        answered = rng.randint(0, count) if open_attempt else count
        if open_attempt and answered:
            saved = _ts(started + (min(submitted, self.now) - started) / 2)
        total = 0.0
        for position, question in enumerate(drawn, start=1):
            orders = question.orders
            order = orders[0] if len(orders) == 1 else orders[int(rng.random() * len(orders))]
            response, fraction = question.right if position - 1 in correct else question.wrong
            if open_attempt:
                if position > answered:
                    response = None
                w.add("attempt_questions", (self.next_id("attempt_questions"), attempt_id,
                                            position, question.id, order, response,
                                            saved if response is not None else None, None))
                continue
            total += fraction
            w.add("attempt_questions", (self.next_id("attempt_questions"), attempt_id, position,
                                        question.id, order, response, saved, fraction))
        if open_attempt:
            w.add("attempts", (attempt_id, person.id, quiz.item_id, course.id, quiz.slug, number,
                               _ts(started), _ts(deadline), None, None, None, quiz.pass_mark))
            return submitted, False
        score = round(100.0 * total / count, 4) if count else 0.0
        passed = score + 1e-9 >= quiz.pass_mark
        w.add("attempts", (attempt_id, person.id, quiz.item_id, course.id, quiz.slug, number,
                           _ts(started), _ts(deadline), saved, score, passed, quiz.pass_mark))
        return submitted, passed

    # -- certificates ------------------------------------------------------------------

    def certificate(self, kind: str, key: str, issued: datetime, months: int, *,
                    person: _Person | None = None, course: _Course | None = None,
                    facility: tuple[int, str] | None = None, revoked: bool | None = None,
                    issued_by: int | None = None) -> int:
        from portal.certification.services import add_months

        rng = self.rng
        cert_id = self.next_id("certificates")
        expires = add_months(issued, months)
        if revoked is None:
            revoked = rng.random() < 0.003
        revoked_at = reason = None
        if revoked:
            revoked_at = issued + (min(expires, self.now) - issued) * rng.uniform(0.1, 0.9)
            reason = rng.choice(_REVOKE_FACILITY if kind == "facility" else _REVOKE_PERSONAL)
        status = "revoked" if revoked else ("expired" if expires <= self.now else "active")
        self.status[status] += 1
        if kind == "facility":
            holder = facility[1]
            title = self._programme_title
        elif kind == "programme":
            holder = person.name
            title = self._programme_title
        else:
            holder = person.name
            title = course.title
        programme_id = self.programme.id if kind != "course" else None
        self.w.add("certificates", (
            cert_id, f"DHA-{issued.year}-{cert_id:06d}", self.code(), kind, key,
            person.id if person else None, facility[0] if facility else None,
            course.id if course else None, course.version_id if course else None, programme_id,
            holder, self.fold(holder), title, _ts(issued), _ts(expires), issued_by,
            _ts(revoked_at), self.admin_id if revoked else None, reason or "", "", "",
            _ts(issued), _ts(revoked_at or issued)))
        return cert_id

    @property
    def _programme_title(self) -> str:
        return json.dumps(dict(self.programme.title), ensure_ascii=False)

    def _is_done(self, person: _Person) -> bool:
        required = [c.id for c in self._required.get(person.job_role, [])]
        return bool(required) and all(cid in person.completed for cid in required)

    def certify(self, facility_id: int, name: str, people: list[_Person],
                joined: datetime) -> None:
        """Facility certificates and requests, following the programme's rule."""
        if self.programme is None:
            return
        rng, programme = self.rng, self.programme
        active = [p for p in people if p.is_active]
        managers = [p for p in active if p.role == "manager"]
        staff = [p for p in active if p.role != "manager"]
        done_staff = [p for p in staff if self._is_done(p)]
        needed = max(1, math.ceil(len(staff) * programme.staff_share / 100))
        roles = set(programme.roles_any)
        ready = ((not programme.manager_required
                  or (managers and all(self._is_done(p) for p in managers)))
                 and bool(staff) and len(done_staff) >= needed
                 and (not roles or any(self._is_done(p) and p.job_role in roles
                                       for p in active)))
        manager_id = people[0].id
        n = 0

        def request(status, at, *, renewal=False, cert=None, reason="", decided=None):
            if decided is None and status != "pending":
                decided = at + timedelta(days=rng.uniform(1, 10))
            if decided is not None and decided > self.now:
                decided = self.now
            self.w.add("certification_requests", (
                self.next_id("certification_requests"), facility_id, programme.id, status,
                renewal, manager_id, _ts(at),
                self.admin_id if status in ("issued", "declined") else None,
                _ts(decided), reason, cert))
            return decided

        luck = rng.random()
        facility = (facility_id, name)
        if luck < 0.04:
            # Certified in the 2022 pilot: expired by now, or about to expire.
            n += 1
            issued = self.pilot + timedelta(days=rng.uniform(0, 200))
            if luck < 0.012:
                issued = self.now - timedelta(days=36 * 30.4 - rng.uniform(5, 85))
            at = issued - timedelta(days=rng.uniform(2, 12))
            cert = self.certificate("facility", f"facility:{facility_id}:{programme.id}:{n}",
                                    issued, programme.validity_months, facility=facility,
                                    revoked=False, issued_by=self.admin_id)
            request("issued", at, cert=cert, decided=issued)
        if ready:
            last = max(at for p in active if self._is_done(p) for at in p.completed.values())
            at = last + timedelta(days=rng.uniform(1, 30))
            if at >= self.now or rng.random() < 0.2:
                request("pending", min(at, self.now - timedelta(hours=1)), renewal=n > 0)
            else:
                n += 1
                issued = request("issued", at, renewal=n > 1, cert=self.ids["certificates"] + 1)
                self.certificate("facility", f"facility:{facility_id}:{programme.id}:{n}",
                                 issued, programme.validity_months, facility=facility,
                                 revoked=rng.random() < 0.03, issued_by=self.admin_id)
        elif rng.random() < 0.03 and any(p.completed for p in people):
            at = joined + (self.now - joined) * rng.uniform(0.3, 0.95)
            if rng.random() < 0.15:
                request("withdrawn", at)
            else:
                request("declined", at, reason=rng.choice(_DECLINE))

    def invitations(self, facility_id: int, manager_id: int, roles: list[str],
                    joined: datetime) -> None:
        rng = self.rng
        if rng.random() > 0.06:
            return
        for _ in range(rng.randint(1, 4)):
            invitation_id = self.next_id("invitations")
            created = self.now - timedelta(days=rng.uniform(0, 12))
            self.w.add("invitations", (
                invitation_id, facility_id, f"moi.{invitation_id}@{SCALE_DOMAIN}",
                rng.choice(roles), hashlib.sha256(self.token(24).encode()).hexdigest(),
                manager_id, _ts(created + timedelta(days=7)), None, None, None, _ts(created),
                _ts(created)))


# --------------------------------------------------------------------------- the command


def _set_sequences(connection) -> None:
    """Move PostgreSQL's id sequences past the ids written here."""
    if connection.dialect.name != "postgresql":
        return
    for name in COLUMNS:
        connection.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608 - fixed names
            f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {name}), false)"))


def sign_certificates(limit: int | None, *, prefer: tuple[str, ...] = ("facility", "programme",
                                                                       "course")) -> int:
    """Sign the Open Badges token of up to *limit* unsigned certificates (``None``: all).

    Facility certificates come first, then programme, then course ones, each by id.

    :return: how many were signed
    """
    from sqlalchemy import case, update
    from sqlalchemy.orm import selectinload

    from portal.certification.models import Certificate
    from portal.certification.signing import sign

    order = case({kind: index for index, kind in enumerate(prefer)}, value=Certificate.kind)
    ids = list(db.session.scalars(
        select(Certificate.id).where(Certificate.kid == "").order_by(order, Certificate.id)
        .limit(limit)))
    signed = 0
    for start in range(0, len(ids), 500):
        batch = db.session.scalars(
            select(Certificate).where(Certificate.id.in_(ids[start:start + 500]))
            .options(selectinload(Certificate.user), selectinload(Certificate.course),
                     selectinload(Certificate.version), selectinload(Certificate.programme),
                     selectinload(Certificate.facility))).all()
        values = []
        for cert in batch:
            token, kid = sign(cert)
            values.append({"cid": cert.id, "token": token, "kid": kid})
        db.session.execute(
            update(Certificate.__table__).where(Certificate.__table__.c.id
                                                == db.bindparam("cid"))
            .values(token=db.bindparam("token"), kid=db.bindparam("kid")), values)
        db.session.expunge_all()
        signed += len(values)
    return signed


def seed_scale(facilities: int, learners: int, seed: int = 1, *, anchor: date | None = None,
               sign: int | None = 1000) -> ScaleReport:
    """Generate national-scale data; the caller commits.

    :param facilities: how many facilities
    :param learners: how many learner accounts (managers come on top: one per facility, two
        from :data:`TWO_MANAGERS_FROM` people)
    :param seed: the random seed; the same seed and anchor give the same rows
    :param anchor: the day the data is "as of" (activity and certificate dates are relative
        to it); default: today (UTC)
    :param sign: sign the token of this many certificates (``None``: all; 0: none)
    :return: what was written and how long each phase took
    :raises ScaleError: without a published curriculum, or when scale data already exists
    """
    from portal.accounts.models import User

    if facilities < 1 or learners < facilities:
        raise ScaleError("need at least one facility and one learner per facility")
    anchor = anchor or datetime.now(UTC).date()
    report = ScaleReport(facilities, learners, seed, anchor.isoformat())
    _check_schema()
    if db.session.scalar(select(User.id).where(User.email == ADMIN_EMAIL)) is not None:
        raise ScaleError("this database already holds scale data; seed a fresh database")
    started = time.perf_counter()
    courses, programme = _curriculum(seed)
    if not courses:
        raise ScaleError("no published course: run `flask courses import courses` first")
    report.seconds["curriculum"] = round(time.perf_counter() - started, 3)

    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA cache_size=-262144")  # 256 MiB for the indexes
    writer = _Writer(connection)
    generator = _Generator(writer, seed=seed, anchor=anchor, courses=courses,
                           programme=programme)
    phase = time.perf_counter()
    writer.suspend_foreign_keys()
    generator.run(facilities, learners)
    report.seconds["write"] = round(writer.seconds, 3)
    report.seconds["generate"] = round(time.perf_counter() - phase - writer.seconds, 3)
    phase = time.perf_counter()
    writer.restore_foreign_keys()
    _set_sequences(connection)
    report.seconds["constraints"] = round(time.perf_counter() - phase, 3)
    report.rows = dict(writer.counts)
    report.certificate_status = dict(generator.status)

    phase = time.perf_counter()
    if sign is None or sign > 0:
        report.signed = sign_certificates(sign)
    report.seconds["sign"] = round(time.perf_counter() - phase, 3)

    phase = time.perf_counter()
    connection = db.session.connection()
    connection.exec_driver_sql("ANALYZE")  # fresh planner statistics for the new rows
    report.seconds["analyze"] = round(time.perf_counter() - phase, 3)
    report.seconds["total"] = round(time.perf_counter() - started, 3)
    return report
