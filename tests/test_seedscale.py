"""`flask seed scale`: national benchmark data that is consistent, realistic and reproducible.

Small sizes, on whichever database the suite runs (SQLite, or PostgreSQL through COPY). Also
the query-count checks of the benchmark's scenario pages that no feature test covered yet
(catalogue, course page, quiz start and submit, facility certification API), each measured on
a small and a large subject of the same seeded country.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from urllib.parse import urlsplit

import pytest
from sqlalchemy import case, func, select, text

from portal.accounts.models import User
from portal.accounts.passwords import check_password
from portal.catalog.models import Course
from portal.certification.models import Certificate, CertificationRequest, Programme
from portal.extensions import db
from portal.facilities.models import FACILITY_TYPES, Facility
from portal.facilities.provinces import PROVINCES
from portal.progress.models import CourseCompletion, LessonRead, QuizPass
from portal.quizzes.models import Attempt, AttemptQuestion, QuizQuestion
from portal.seedscale import COLUMNS, SCALE_PASSWORD, ScaleError, seed_scale
from tests.conftest import ROOT, login
from tests.factories import import_courses

ANCHOR = dt.date(2026, 11, 25)
NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def curriculum(app):
    with app.app_context():
        import_courses(ROOT / "courses")


def _seed(app, facilities=70, learners=1400, seed=3, sign=6):
    with app.app_context():
        report = seed_scale(facilities, learners, seed, anchor=ANCHOR, sign=sign)
        db.session.commit()
    return report


def _dump() -> dict[str, list[tuple]]:
    """Return every row the generator writes, table by table, in id order."""
    result = {}
    for name, columns in COLUMNS.items():
        table = db.metadata.tables[name]
        rows = db.session.execute(select(*[table.c[c] for c in columns if c != "token"])
                                  .order_by(table.c.id)).all()
        result[name] = [tuple(row) for row in rows]
    return result


def _wipe() -> None:
    for name in reversed(list(COLUMNS)):
        db.session.execute(db.metadata.tables[name].delete())
    db.session.commit()


def test_a_small_country_is_realistic(app, curriculum):
    report = _seed(app)
    with app.app_context():
        learners = db.session.scalar(select(func.count()).where(User.role == "learner"))
        assert learners == 1400
        facilities = db.session.scalars(select(Facility)).all()
        assert len(facilities) == 70
        assert {f.type for f in facilities} == set(FACILITY_TYPES)
        assert {f.province_code for f in facilities} == {p.code for p in PROVINCES}
        people = Counter(db.session.scalars(
            select(User.facility_id).where(User.role.in_(("learner", "manager")))))
        managers = Counter(db.session.scalars(
            select(User.facility_id).where(User.role == "manager")))
        assert set(managers) == {f.id for f in facilities}  # every facility has a manager
        sizes = sorted(people.values())
        assert sizes[0] >= 2 and sizes[-1] == 500  # a long tail, up to the 500-person one
        assert sizes[len(sizes) // 2] < 30
        assert report.rows["lesson_reads"] > 5 * learners
        assert report.rows["attempt_questions"] == 10 * report.rows["attempts"]
        statuses = Counter()
        for cert in db.session.scalars(select(Certificate)):
            statuses[(cert.kind, cert.status(NOW))] += 1
        assert {s for _k, s in statuses} == {"active", "expired", "revoked"}
        assert {k for k, _s in statuses} == {"course", "programme", "facility"}
        requests = {r.status for r in db.session.scalars(select(CertificationRequest))}
        assert {"pending", "issued"} <= requests
        a_user = db.session.scalar(select(User).where(User.role == "learner").limit(1))
        assert check_password(a_user.password_hash, SCALE_PASSWORD)
        assert report.signed == 6
        assert db.session.scalar(select(func.count()).where(Certificate.kid != "")) == 6


def test_every_row_points_at_something_real(app, curriculum):
    _seed(app, facilities=20, learners=400)
    with app.app_context():
        live = {c.id: c.live_version for c in db.session.scalars(select(Course))}
        lessons = {(cid, i.slug) for cid, v in live.items() for i in v.items
                   if i.kind == "lesson"}
        quizzes = {(cid, i.slug): i for cid, v in live.items() for i in v.items
                   if i.kind == "quiz"}
        reads = defaultdict(set)
        for row in db.session.execute(select(LessonRead)).scalars():
            assert (row.course_id, row.lesson_slug) in lessons
            assert row.version_id == live[row.course_id].id
            reads[(row.user_id, row.course_id)].add(row.lesson_slug)
        passes = defaultdict(set)
        for row in db.session.execute(select(QuizPass)).scalars():
            assert (row.course_id, row.quiz_slug) in quizzes
            passes[(row.user_id, row.course_id)].add(row.quiz_slug)
        # A completion exactly when every lesson is read and every quiz passed.
        completions = {(c.user_id, c.course_id): c for c in
                       db.session.scalars(select(CourseCompletion))}
        for (user_id, course_id), slugs in reads.items():
            version = live[course_id]
            done = (slugs == {i.slug for i in version.items if i.kind == "lesson"}
                    and passes[(user_id, course_id)] == {i.slug for i in version.items
                                                         if i.kind == "quiz"})
            assert done == ((user_id, course_id) in completions)
        # Attempts: numbered 1, 2, 3… within the limit, graded as the grader grades.
        numbers = defaultdict(list)
        pool = {q.id: q for q in db.session.scalars(select(QuizQuestion))}
        from portal.quizzes.services import grade_values

        for attempt in db.session.scalars(select(Attempt).order_by(Attempt.id)):
            item = quizzes[(attempt.course_id, attempt.quiz_slug)]
            assert attempt.quiz_id == item.id
            numbers[(attempt.user_id, attempt.course_id, attempt.quiz_slug)].append(
                attempt.number)
            rows = db.session.scalars(select(AttemptQuestion).where(
                AttemptQuestion.attempt_id == attempt.id)).all()
            assert len(rows) == item.draw
            assert {r.question_id for r in rows} <= {q.id for q in item.questions}
            if attempt.submitted_at is None:
                assert all(r.fraction is None for r in rows)
                continue
            assert attempt.deadline_at is None or attempt.submitted_at <= attempt.deadline_at
            for row in rows[:3]:
                assert grade_values(pool[row.question_id], row.response)[0] == row.fraction
            assert attempt.score == pytest.approx(100 * sum(r.fraction for r in rows) / len(rows))
            assert attempt.is_passed == (attempt.score >= attempt.pass_mark)
            passed = attempt.quiz_slug in passes[(attempt.user_id, attempt.course_id)]
            assert passed or not attempt.is_passed
        for key, values in numbers.items():
            assert values == list(range(1, len(values) + 1))
            assert len(values) <= quizzes[key[1:]].max_attempts
        # Certificates: a real holder, and what they certify really happened.
        programme = db.session.scalar(select(Programme))
        users = {u.id: u for u in db.session.scalars(select(User))}
        for cert in db.session.scalars(select(Certificate)):
            if cert.kind == "course":
                assert (cert.user_id, cert.course_id) in completions
                assert cert.holder_name == users[cert.user_id].name
            elif cert.kind == "programme":
                holder = users[cert.user_id]
                required = programme.courses_for(holder.job_role)
                slugs = {c.slug for c in db.session.scalars(select(Course).join(
                    CourseCompletion, CourseCompletion.course_id == Course.id).where(
                    CourseCompletion.user_id == holder.id))}
                assert set(required) <= slugs
            else:
                assert cert.holder_name == db.session.get(Facility, cert.facility_id).name
            assert cert.expires_at > cert.issued_at


def test_the_same_seed_gives_the_same_rows(app, curriculum):
    _seed(app, facilities=10, learners=150, seed=11, sign=0)
    with app.app_context():
        first = _dump()
        _wipe()
    _seed(app, facilities=10, learners=150, seed=11, sign=0)
    with app.app_context():
        assert _dump() == first
        _wipe()
    _seed(app, facilities=10, learners=150, seed=12, sign=0)
    with app.app_context():
        other = _dump()
    assert other["users"] != first["users"]
    assert len(other["facilities"]) == len(first["facilities"])


def test_the_database_keeps_its_constraints_and_sequences(app, curriculum):
    def constraints():
        if db.engine.dialect.name != "postgresql":
            return None
        return db.session.scalar(text("SELECT count(*) FROM pg_constraint"))

    with app.app_context():
        before = constraints()
    _seed(app, facilities=6, learners=60, sign=0)
    with app.app_context():
        assert constraints() == before
        # New rows after the bulk load get fresh ids (PostgreSQL's sequences moved on).
        from tests.factories import create_user

        user = create_user()
        assert user.id > db.session.scalar(select(func.max(User.id)).where(
            User.email.like("%@scale.dha.vn")))
        with pytest.raises(ScaleError):
            seed_scale(6, 60, 3, anchor=ANCHOR, sign=0)
        db.session.rollback()


def test_the_command_reports_what_it_wrote(app, curriculum, runner):
    result = runner.invoke(args=["seed", "scale", "--facilities", "4", "--learners", "40",
                                 "--seed", "5", "--anchor", "2026-11-25", "--sign", "0"])
    assert result.exit_code == 0, result.output
    assert "facilities:          4" in result.output
    assert SCALE_PASSWORD in result.output
    again = runner.invoke(args=["seed", "scale", "--facilities", "4", "--learners", "40"])
    assert again.exit_code == 1 and "already holds scale data" in again.output


def test_seeding_needs_a_curriculum(app):
    with app.app_context():
        with pytest.raises(ScaleError, match="courses import"):
            seed_scale(3, 30, 1, anchor=ANCHOR)
        db.session.rollback()


# --------------------------------------------------------------------------- scenario pages


def _subjects(app):
    """Return pairs of a small and a large subject for each scenario, from the seeded data."""
    with app.app_context():
        by_people = db.session.execute(
            select(User.facility_id, func.count()).where(User.role.in_(("learner", "manager")))
            .group_by(User.facility_id).order_by(func.count(), User.facility_id)).all()
        small, large = by_people[0][0], by_people[-1][0]

        def manager(facility_id):
            return db.session.scalar(select(User.email).where(
                User.facility_id == facility_id, User.role == "manager").order_by(User.id))

        reads = func.count(LessonRead.id)
        busiest = db.session.execute(
            select(User.email, LessonRead.course_id).join(LessonRead, LessonRead.user_id == User.id)
            .where(User.role == "learner", User.is_active).group_by(User.email,
                                                                     LessonRead.course_id)
            .order_by(reads.desc(), User.email).limit(1)).one()
        idle = db.session.scalars(select(User.email).where(
            User.role == "learner", User.is_active,
            ~select(LessonRead.id).where(LessonRead.user_id == User.id).exists(),
            ~select(Attempt.id).where(Attempt.user_id == User.id).exists())
            .order_by(User.id).limit(2)).all()
        course = db.session.get(Course, busiest[1])
        quiz = next(i for i in course.live_version.items if i.kind == "quiz")
        # A learner with one failed attempt at the quiz and nothing else there: a second
        # attempt, failed again, takes the same path as a first one.
        tried = db.session.scalar(
            select(User.email).join(Attempt, Attempt.user_id == User.id)
            .where(User.is_active, User.role == "learner", Attempt.course_id == course.id,
                   Attempt.quiz_slug == quiz.slug)
            .group_by(User.email)
            .having(func.count() == 1, func.count(Attempt.submitted_at) == 1,
                    func.sum(case((Attempt.is_passed, 1), else_=0)) == 0)
            .order_by(User.email).limit(1))
        codes = [db.session.scalar(select(Certificate.code).where(Certificate.kind == kind)
                                   .order_by(Certificate.id)) for kind in ("course", "facility")]
        certified = db.session.scalar(select(Facility.licence_number).join(
            Certificate, Certificate.facility_id == Facility.id).order_by(Facility.id))
        bare = db.session.scalar(select(Facility.licence_number).where(
            ~select(Certificate.id).where(Certificate.facility_id == Facility.id).exists())
            .order_by(Facility.id))
        return {
            "managers": (manager(small), manager(large)),
            "learners": (idle[0], busiest[0]), "quizzers": (idle[1], tried),
            "course": course.slug, "quiz": f"/courses/{course.slug}/quizzes/{quiz.slug}",
            "lesson": next(i.slug for i in course.live_version.items if i.kind == "lesson"),
            "codes": codes, "licences": (bare, certified),
        }


def _count(app, count_queries, client, method, path, **kwargs):
    getattr(client, method)(path, **kwargs)
    with count_queries() as counter:
        response = getattr(client, method)(path, **kwargs)
    assert response.status_code < 400, (path, response.status_code)
    return counter.count


def test_every_scenario_page_runs_a_fixed_number_of_queries(app, curriculum, count_queries):
    _seed(app, facilities=30, learners=600, sign=4)
    s = _subjects(app)

    def signed_in(email):
        client = app.test_client()
        assert login(client, email, SCALE_PASSWORD).status_code == 302
        return client

    anonymous = app.test_client()
    pages = {"catalogue": [], "course": [], "api": [], "quiz start": [], "quiz submit": []}
    pages["catalogue"].append(_count(app, count_queries, anonymous, "get", "/courses"))
    for email in s["learners"]:
        client = signed_in(email)
        pages["catalogue"].append(_count(app, count_queries, client, "get", "/courses"))
        pages["course"].append(_count(app, count_queries, client, "get",
                                      f"/courses/{s['course']}"))
    for licence in s["licences"]:
        pages["api"].append(_count(app, count_queries, anonymous, "get",
                                   f"/api/v1/facilities/{licence}/certification"))
    for email in s["quizzers"]:
        client = signed_in(email)
        with count_queries() as counter:
            started = client.post(f"{s['quiz']}/attempts")
        assert started.status_code == 302, started.status_code
        pages["quiz start"].append(counter.count)
        attempt = urlsplit(started.headers["Location"]).path
        assert "/attempts/" in attempt
        client.get(attempt)
        with count_queries() as counter:
            submitted = client.post(f"{attempt}/submit", data={"action": "submit"})
        assert submitted.status_code == 302
        pages["quiz submit"].append(counter.count)
    for name, counts in pages.items():
        assert len(set(counts[-2:])) == 1, (name, counts)  # small and large subject alike
    assert pages["catalogue"][-1] <= 6 and pages["course"][0] == 3
    assert pages["api"][0] <= 3
    # The manager's dashboard, the lesson page, the national overview and verification have
    # their own query-count tests (tests/facilities, tests/catalog, tests/admin,
    # tests/certification); here they only have to hold on the seeded country too.
    big = signed_in(s["managers"][1])
    small = signed_in(s["managers"][0])
    assert (_count(app, count_queries, small, "get", "/facility")
            == _count(app, count_queries, big, "get", "/facility"))
    reader = signed_in(s["learners"][1])
    assert _count(app, count_queries, reader, "get",
                  f"/courses/{s['course']}/{s['lesson']}") == 3
    for code in s["codes"]:
        assert _count(app, count_queries, anonymous, "get", f"/verify/{code}") <= 4
    admin = signed_in("admin@scale.dha.vn")
    assert _count(app, count_queries, admin, "get", "/admin/overview") <= 10


def test_seeded_credentials_verify(app, curriculum):
    _seed(app, facilities=6, learners=60, sign=3)
    with app.app_context():
        from sqlalchemy.orm import undefer

        from portal.certification.credentials import verify_token
        from portal.certification.signing import public_jwks

        signed = db.session.scalars(select(Certificate).where(Certificate.kid != "")
                                    .options(undefer(Certificate.token))).all()
        assert len(signed) == 3
        jwks = public_jwks()
        for cert in signed:
            verified = verify_token(cert.token, jwks, now=NOW, allow_expired=True)
            assert verified.status in ("valid", "expired")
