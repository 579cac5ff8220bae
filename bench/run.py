#!/usr/bin/env python3
"""The national-scale benchmark: seed the country, serve it, drive it with wrk, compare.

    .venv/bin/python bench/run.py --db sqlite                 # what `make bench` runs
    bench/postgres.sh                                         # `make bench DB=postgres`
    .venv/bin/python bench/run.py --database-url postgresql+psycopg://…/bench

Steps (docs/performance.md explains the method):

1. a fresh database: migrate, import courses/, ``flask seed scale`` (timed);
2. in this process: SQL statements per request of every scenario (test client, a counter on
   the engine), the time to sign 500 credentials and to render 100 PDFs;
3. the portal (``bench.wsgi:app``) and the ceiling app (``bench/ceiling/app.py``) under the
   same gunicorn settings, on loopback, on the same database;
4. for each scenario, wrk on the ceiling then on the portal, alternating; then a few
   sequential requests for the page time of one visitor; peak RSS of every worker;
5. the table on standard output and ``bench/results/<date>-<db>.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import math
import os
import platform
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
LUA = BENCH / "lua"
BIN = Path(sys.executable).parent
PORTAL_PORT, CEILING_PORT = 18_180, 18_181
#: Scenarios that run the quiz flow (bench/lua/quiz.lua).
QUIZ_FLOWS = ("quiz", "paced")

#: name → (what it is, target as text)
SCENARIOS = {
    "catalogue": ("anonymous catalogue", "no target (public page)"),
    "course": ("signed-in course page", ">= 0.5x ceiling, p99 < 100 ms"),
    "lesson": ("signed-in lesson page", ">= 0.5x ceiling, p99 < 100 ms"),
    "quiz": ("quiz attempt: start, take, submit, review", "submit p99 < 150 ms, no errors"),
    "paced": ("the same quiz flow at a learner's pace: each of 16 learners pauses between steps",
              "submit p99 < 150 ms, no errors"),
    "facility": ("manager dashboard, 500-person facility", "< 300 ms PG, < 1 s SQLite"),
    "overview": ("national overview (admin)", "< 300 ms PG, < 1 s SQLite"),
    "verify": ("public verification page", ">= 0.5x ceiling"),
    "api": ("facility certification API", "no target (JSON API)"),
}


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --------------------------------------------------------------------------- the database


def prepare_database(args, env) -> dict:
    """Create a fresh database, migrate, import the courses and seed; return the seed figures."""
    url = args.database_url
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
    else:
        import psycopg

        parts = urlsplit(url.replace("postgresql+psycopg://", "postgresql://"))
        name = parts.path.lstrip("/")
        admin = parts._replace(path="/postgres").geturl()
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
    flask = str(BIN / "flask")
    subprocess.run([flask, "db", "upgrade"], env=env, check=True, cwd=ROOT,  # noqa: S603
                   capture_output=True)
    subprocess.run([flask, "courses", "import", "courses"], env=env, check=True,  # noqa: S603
                   cwd=ROOT, capture_output=True)
    command = [flask, "seed", "scale", "--facilities", str(args.facilities), "--learners",
               str(args.learners), "--seed", str(args.seed), "--sign", str(args.sign)]
    log("seeding: " + " ".join(command[1:]))
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)  # noqa: S603
    wall = time.perf_counter() - started
    if done.returncode:
        sys.exit(f"seeding failed:\n{done.stdout}\n{done.stderr}")
    print(done.stdout, end="")
    phases = {}
    for line in done.stdout.splitlines():
        if line.startswith("seconds: "):
            for part in line[len("seconds: "):].split(", "):
                key, value = part.rsplit(" ", 1)
                phases[key] = float(value)
    rows = {m.group(1): int(m.group(2).replace(",", "")) for m in
            re.finditer(r"^\s*(\w+):\s+([\d,]+)$", done.stdout, re.M)}
    settled = None
    if not url.startswith("sqlite"):
        # A production database has been through autovacuum: visibility maps set (so index-only
        # scans work) and no vacuum of the freshly loaded millions of rows starting in the
        # middle of a measurement. The seed command commits in one transaction and cannot.
        import psycopg

        log("VACUUM (ANALYZE) after the load, as autovacuum would")
        started = time.perf_counter()
        plain = url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(plain, autocommit=True) as connection:
            connection.execute("VACUUM (ANALYZE)")
        settled = round(time.perf_counter() - started, 1)
    return {"command": " ".join(["flask", *command[1:]]), "wall_seconds": round(wall, 1),
            "phases": phases, "rows": rows, "vacuum_seconds": settled}


# --------------------------------------------------------------------------- in process


class Counter:
    """Counts the SQL statements an engine runs (transaction control excluded)."""

    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def _hook(self, conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(
                ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT")):
            self.count += 1

    def __enter__(self):
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._hook)
        return self

    def __exit__(self, *exc):
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._hook)


def pick_subjects(args) -> dict:
    """Choose who and what the scenarios use, from the seeded data (deterministic)."""
    from sqlalchemy import and_, exists, func, select

    from portal.accounts.models import User
    from portal.catalog.models import Course, CourseItem
    from portal.certification.models import Certificate
    from portal.extensions import db
    from portal.facilities.models import Facility
    from portal.progress.models import CourseCompletion, LessonRead
    from portal.quizzes.models import Attempt
    from portal.seedscale import ADMIN_EMAIL

    staff = (select(User.facility_id, func.count().label("people"))
             .where(User.role.in_(("learner", "manager"))).group_by(User.facility_id)
             .order_by(func.count().desc(), User.facility_id).limit(1)).subquery()
    facility_id, people = db.session.execute(select(staff.c.facility_id, staff.c.people)).one()
    manager = db.session.scalar(select(User).where(User.facility_id == facility_id,
                                                   User.role == "manager", User.is_active)
                                .order_by(User.id).limit(1))
    learner_id, course_id = db.session.execute(
        select(LessonRead.user_id, LessonRead.course_id)
        .join(User, User.id == LessonRead.user_id)
        .where(User.role == "learner", User.is_active, ~exists().where(
            CourseCompletion.user_id == LessonRead.user_id,
            CourseCompletion.course_id == LessonRead.course_id))
        .order_by(LessonRead.user_id, LessonRead.course_id).limit(1)).one()
    learner = db.session.get(User, learner_id)
    course = db.session.get(Course, course_id)
    read = set(db.session.scalars(select(LessonRead.lesson_slug).where(
        LessonRead.user_id == learner_id, LessonRead.course_id == course_id)))
    lessons = [i for i in course.live_version.items if i.kind == "lesson"]
    lesson = next((i for i in lessons if i.slug not in read), lessons[0])
    quiz_users = db.session.scalars(
        select(User).where(User.role == "learner", User.is_active,
                           ~exists().where(Attempt.user_id == User.id))
        .order_by(User.id).limit(args.quiz_users + 1)).all()
    quizzes = [f"/courses/{slug}/quizzes/{quiz}" for slug, quiz in db.session.execute(
        select(Course.slug, CourseItem.slug)
        .join(CourseItem, and_(CourseItem.version_id == Course.live_version_id,
                               CourseItem.kind == "quiz"))
        .where(Course.status == "published").order_by(Course.slug))]
    codes = list(db.session.scalars(select(Certificate.code).where(Certificate.kid != "")
                                    .order_by(Certificate.id).limit(100)))
    if not codes:
        codes = list(db.session.scalars(select(Certificate.code).order_by(Certificate.id)
                                        .limit(100)))
    licences = list(db.session.scalars(
        select(Facility.licence_number).where(exists().where(
            Certificate.facility_id == Facility.id, Certificate.kind == "facility"))
        .order_by(Facility.id).limit(99)))
    licences.append(db.session.get(Facility, facility_id).licence_number)
    return {
        "admin": ADMIN_EMAIL, "manager": manager.email, "facility_people": int(people),
        "facility_licence": db.session.get(Facility, facility_id).licence_number,
        "learner": learner.email, "learner_id": learner.id, "course": course.slug,
        "lesson": lesson.slug, "quiz_users": [u.email for u in quiz_users[1:]],
        "quiz_user_ids": [u.id for u in quiz_users[1:]], "spare_quiz_user": quiz_users[0].email,
        "quizzes": quizzes, "codes": codes, "licences": licences,
    }


def scenario_urls(app, s: dict) -> dict:
    """Return scenario → paths, pointing at the dashboards that exist in this tree."""
    endpoints = {rule.endpoint: rule.rule for rule in app.url_map.iter_rules()}
    facility = endpoints.get("facilities.dashboard", "/facility")
    overview = endpoints.get("admin.overview") or endpoints.get("admin.index", "/admin")
    return {
        "catalogue": ["/courses"],
        "course": [f"/courses/{s['course']}"],
        "lesson": [f"/courses/{s['course']}/{s['lesson']}"],
        "quiz": s["quizzes"],
        "paced": s["quizzes"],
        "facility": [facility],
        "overview": [overview],
        "verify": [f"/verify/{code}" for code in s["codes"]],
        "api": [f"/api/v1/facilities/{licence}/certification" for licence in s["licences"]],
    }


def in_process(args) -> tuple[dict, dict, dict]:
    """Pick the subjects; count queries per scenario; time signing and PDF rendering."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload, undefer

    from portal import create_app
    from portal.certification.models import Certificate
    from portal.extensions import db
    from portal.seedscale import SCALE_PASSWORD

    app = create_app({"RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": args.database_url})
    with app.app_context():
        subjects = pick_subjects(args)
        urls = scenario_urls(app, subjects)
        from portal.certification.keys import get_keyring

        signing_key = get_keyring().current  # created here in development mode if missing
        key_path = Path(app.instance_path) / "signing-keys" / f"{signing_key.kid}.pem"
        engine = db.engine

    def client_for(email):
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": SCALE_PASSWORD})
        if response.status_code != 302:
            sys.exit(f"cannot sign in as {email}: {response.status_code}")
        return client

    def count(client, method, path, **kwargs):
        getattr(client, method)(path, **kwargs)  # warm caches, as a second visit would
        with Counter(engine) as counter:
            response = getattr(client, method)(path, **kwargs)
        return counter.count, response

    queries = {}
    anonymous = app.test_client()
    queries["catalogue"] = count(anonymous, "get", urls["catalogue"][0])[0]
    learner = client_for(subjects["learner"])
    queries["course"] = count(learner, "get", urls["course"][0])[0]
    queries["lesson"] = count(learner, "get", urls["lesson"][0])[0]
    queries["facility"] = count(client_for(subjects["manager"]), "get", urls["facility"][0])[0]
    queries["overview"] = count(client_for(subjects["admin"]), "get", urls["overview"][0])[0]
    queries["verify"] = count(anonymous, "get", urls["verify"][0])[0]
    queries["api"] = count(anonymous, "get", urls["api"][-1])[0]
    # The quiz flow, step by step, as a learner with attempts left (a spare one).
    quizzer = client_for(subjects["spare_quiz_user"])
    quiz = urls["quiz"][0]
    with Counter(engine) as counter:
        started = quizzer.post(f"{quiz}/attempts")
    attempt = urlsplit(started.headers["Location"]).path
    take, _response = count(quizzer, "get", attempt)
    with Counter(engine) as submit_counter:
        quizzer.post(f"{attempt}/submit", data={"action": "submit"})
    review, _response = count(quizzer, "get", attempt)
    queries["quiz"] = {"start": counter.count, "take": take, "submit": submit_counter.count,
                       "review": review}
    queries["paced"] = queries["quiz"]

    timings = {}
    with app.app_context():
        from portal.certification.signing import certificate_pdf, sign

        certs = db.session.scalars(
            select(Certificate).options(
                undefer(Certificate.token), selectinload(Certificate.user),
                selectinload(Certificate.course), selectinload(Certificate.version),
                selectinload(Certificate.programme), selectinload(Certificate.facility))
            .order_by(Certificate.id).limit(500)).all()
        sign(certs[0])  # load the key first
        started = time.perf_counter()
        for cert in certs:
            sign(cert)
        timings["sign_500_credentials_s"] = round(time.perf_counter() - started, 3)
        timings["signed"] = len(certs)
        certificate_pdf(certs[0])  # fonts and templates loaded once
        started = time.perf_counter()
        for cert in certs[:100]:
            certificate_pdf(cert)
        timings["render_100_pdfs_s"] = round(time.perf_counter() - started, 3)
        db.session.rollback()
        db.engine.dispose()
    subjects["signing_key_path"] = str(key_path)
    return subjects, urls, {"queries": queries, "timings": timings}


# --------------------------------------------------------------------------- serving


class Server:
    """A gunicorn master with its workers."""

    def __init__(self, name, app_spec, port, env, args, chdir):
        self.name, self.port = name, port
        self.log = open(Path(args.workdir) / f"{name}.log", "w")  # noqa: SIM115
        command = [str(BIN / "gunicorn"), "-w", str(args.workers), "-k", "gthread",
                   "--threads", str(args.threads), "-b", f"127.0.0.1:{port}",
                   "--no-control-socket", "--timeout", "60", "--chdir", str(chdir), app_spec]
        self.command = " ".join(command[1:])
        self.process = subprocess.Popen(command, env=env, stdout=self.log,  # noqa: S603
                                        stderr=subprocess.STDOUT)

    def wait_ready(self, path: str) -> None:
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"{self.name} exited; see {self.log.name}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", path)
                if connection.getresponse().status < 500:
                    return
            except OSError:
                time.sleep(0.3)
        sys.exit(f"{self.name} did not start; see {self.log.name}")

    def workers(self) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == self.process.pid:
                    pids.append(int(entry.name))
        return sorted(pids)

    def cpu_ticks(self) -> dict[int, int]:
        """Return each worker's CPU time so far (user + system, in clock ticks)."""
        ticks = {}
        for pid in self.workers():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks[pid] = int(fields[11]) + int(fields[12])
        return ticks

    def peak_rss_mb(self) -> list[float]:
        """Return each worker's peak resident memory (VmHWM), in MB."""
        peaks = []
        for pid in self.workers():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
            if match:
                peaks.append(round(int(match.group(1)) / 1024, 1))
        return peaks

    def reset_peaks(self) -> None:
        """Reset each worker's VmHWM (Linux: clear_refs 5), to measure from now on."""
        for pid in self.workers():
            try:
                Path(f"/proc/{pid}/clear_refs").write_text("5")
            except OSError:
                pass

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


def http_request(port, method, path, *, cookie=None, body=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookie} if cookie else {}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        body = urlencode(body)
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read().decode("utf-8", "replace")
    cookies = [v for k, v in response.getheaders() if k.lower() == "set-cookie"]
    session = next((c.split(";", 1)[0] for c in cookies if c.startswith("session=")), None)
    return response.status, response.getheader("Location"), data, session


def csrf_in(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', html)
    if not match:
        raise RuntimeError("no csrf_token in the page")
    return match.group(1)


def sign_in(port, email, password, then: str | None = None) -> tuple[str, str | None]:
    """Sign in through the real form (CSRF on); return the session cookie and a CSRF token.

    Like a browser, it follows the sign-in's redirect and keeps the cookie that page sets
    (the new session's CSRF token is in it).

    :param then: a page to open afterwards, whose form's CSRF token is returned
    """
    _status, _location, html, cookie = http_request(port, "GET", "/login")
    status, location, _html, new = http_request(
        port, "POST", "/login", cookie=cookie,
        body={"email": email, "password": password, "csrf_token": csrf_in(html)})
    if status != 302 or not new:
        raise RuntimeError(f"sign-in failed for {email}: {status}")
    cookie, token = new, None
    if location:
        _status, _location, _html, newer = http_request(
            port, "GET", urlsplit(location).path, cookie=cookie)
        cookie = newer or cookie
    if then:
        _status, _location, html, newer = http_request(port, "GET", then, cookie=cookie)
        cookie, token = newer or cookie, csrf_in(html)
    return cookie, token


class CpuMeter:
    """How much CPU the machine spent on things other than the benchmark during a run.

    The box is shared (other people's tests and scans run on it too): every wrk run records
    the CPU time of the whole machine (/proc/stat) and of the benchmark's own processes (the
    two gunicorn trees, the database server's processes, wrk itself); the difference is
    *foreign* load, reported per run so that a disturbed figure can be seen as such.
    """

    def __init__(self, roots: list[int]):
        self.roots = roots  # parent pids: gunicorn masters, the PostgreSQL postmaster

    @staticmethod
    def _busy() -> int:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
        user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[:8])
        return user + nice + system + irq + softirq + steal

    def _ours(self) -> int:
        total = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            pid, ppid = int(entry.name), int(fields[1])
            if pid in self.roots or ppid in self.roots:
                total += int(fields[11]) + int(fields[12])
        return total

    def start(self) -> None:
        self._t0 = time.monotonic()
        self._busy0, self._ours0 = self._busy(), self._ours()
        self._children0 = os.times().children_user + os.times().children_system

    def stop(self) -> float:
        """Return the foreign CPU load, in percent of the machine, since :meth:`start`."""
        hz = os.sysconf("SC_CLK_TCK")
        wall = time.monotonic() - self._t0
        busy = (self._busy() - self._busy0) / hz
        ours = (self._ours() - self._ours0) / hz
        wrk = os.times().children_user + os.times().children_system - self._children0
        foreign = max(0.0, busy - ours - wrk)
        return round(100 * foreign / (wall * (os.cpu_count() or 1)), 1)


METER: CpuMeter | None = None


def wait_for_quiet(args) -> float:
    """Wait (up to --quiet-wait seconds) until other processes use < --quiet-below % CPU.

    :return: the seconds waited
    """
    started = time.monotonic()
    while METER and time.monotonic() - started < args.quiet_wait:
        METER.start()
        time.sleep(2)
        if METER.stop() < args.quiet_below:
            break
    return round(time.monotonic() - started, 1)


#: A run in which one worker did less than this share of the work is repeated (below).
BALANCED_SHARE = 0.25
BALANCE_TRIES = 4


def balanced_wrk(server, args, url, script, env_extra, *, discard=None, tries=BALANCE_TRIES,
                 **kwargs) -> dict:
    """Run wrk against *server* until its workers shared the load; return that run.

    wrk opens all its connections at once and keeps them; gunicorn's workers race to accept
    them, and now and then one worker wins them all while the other idles, which halves the
    figure (seen on the ceiling and the portal alike). Such a run says nothing about the
    page, so it is repeated, up to BALANCE_TRIES times; the run records each worker's share.

    :param env_extra: the script's environment, or a function of the try's number giving it
    :param discard: called with the try's number when a try is set aside
    :param tries: at most this many (1: take the first run; for a run that does not
        saturate the server, where one worker may well do most of the little work there is)
    """
    for attempt in range(1, tries + 1):
        before = server.cpu_ticks()
        env = env_extra(attempt) if callable(env_extra) else env_extra
        data = run_wrk(args, url, script, env, **kwargs)
        after = server.cpu_ticks()
        used = [after[pid] - before.get(pid, 0) for pid in after]
        total = sum(used) or 1
        data["worker_shares"] = [round(u / total, 2) for u in used]
        data["tries"] = attempt
        data["balanced"] = len(used) < 2 or min(used) / total >= BALANCED_SHARE
        if data["balanced"] or attempt == tries:
            break
        log(f"  {server.name}: one worker took {max(used) / total:.0%} of the work; again")
        if discard:
            discard(attempt)
    return data


def run_wrk(args, url, script, env_extra, *, threads=None, connections=None, seconds=None):
    env = dict(os.environ, BENCH_LUA=str(LUA), **env_extra)
    command = [shutil.which("wrk"), "-t", str(threads or args.wrk_threads), "-c",
               str(connections or args.connections), "-d", f"{seconds or args.duration}s",
               "--timeout", "10s", "--latency", "-s", str(LUA / script), url]
    if METER:
        METER.start()
    done = subprocess.run(command, env=env, capture_output=True, text=True,  # noqa: S603
                          timeout=(seconds or args.duration) + 60)
    foreign = METER.stop() if METER else None
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            data = json.loads(line[len("BENCH_JSON "):])
            data["rps"] = round(data["requests"] / (data["duration_us"] / 1e6), 1)
            data["error_count"] = sum(data["errors"].values())
            data["foreign_cpu_pct"] = foreign
            return data
    raise RuntimeError(f"wrk gave no result:\n{done.stdout}\n{done.stderr}")


def read_quiz_log(folder: Path) -> dict:
    """Return per-step latencies and the attempt ids the quiz flow's threads logged."""
    steps: dict[str, list[float]] = {"start": [], "take": [], "submit": [], "review": []}
    started, submitted, exhausted = [], [], 0
    for path in sorted(folder.glob("**/thread-*.log")):
        # A try set aside (balanced_wrk) still started attempts: they count for the
        # database check, not for the timings.
        timed = "discarded-" not in str(path)
        for line in path.read_text().splitlines():
            step, micros, status, note = line.split()
            if note == "exhausted":
                exhausted += 1
                continue  # no attempt left to start: not part of the flow's timing
            if timed:
                steps[step].append(int(micros) / 1000)
            if step == "start" and note != "-":
                started.append(int(note))
            elif step == "submit" and note != "-":
                submitted.append(int(note))

    def figures(values):
        values = sorted(values)
        if not values:
            return {"count": 0, "p50_ms": 0, "p90_ms": 0, "p99_ms": 0, "max_ms": 0}
        at = lambda p: values[min(len(values) - 1, max(0, math.ceil(len(values) * p) - 1))]  # noqa: E731
        return {"count": len(values), "p50_ms": round(at(0.5), 1), "p90_ms": round(at(0.9), 1),
                "p99_ms": round(at(0.99), 1), "max_ms": round(values[-1], 1)}

    return {"steps": {step: figures(values) for step, values in steps.items()},
            "started": started, "submitted": submitted, "exhausted": exhausted}


def sequential_ms(port, paths, cookie, count) -> dict:
    """Time *count* requests one after another (one visitor): the page time."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Cookie": cookie} if cookie else {}
    times = []
    for index in range(count + 2):
        started = time.perf_counter()
        connection.request("GET", paths[index % len(paths)], headers=headers)
        response = connection.getresponse()
        response.read()
        if index >= 2:  # two warm-up requests
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"p50": round(statistics.median(times), 1),
            "p90": round(times[max(0, int(len(times) * 0.9) - 1)], 1),
            "max": round(times[-1], 1)}


# --------------------------------------------------------------------------- checks


def check_attempts(args, subjects, before: int, result: dict) -> dict:
    """Compare the attempts wrk started and submitted with the database."""
    from sqlalchemy import func, select

    from portal import create_app
    from portal.extensions import db
    from portal.quizzes.models import Attempt, AttemptQuestion

    started, submitted = result["started"], result["submitted"]
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url})
    with app.app_context():
        users = subjects["quiz_user_ids"]
        rows = db.session.execute(
            select(Attempt.id, Attempt.user_id, Attempt.course_id, Attempt.quiz_slug,
                   Attempt.submitted_at.is_not(None), Attempt.score.is_not(None))
            .where(Attempt.user_id.in_(users))).all()
        ungraded = db.session.scalar(
            select(func.count()).select_from(AttemptQuestion)
            .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
            .where(Attempt.id.in_(submitted or [0]), AttemptQuestion.fraction.is_(None)))
        db.engine.dispose()
    found = {row[0]: row for row in rows}
    open_per_quiz: dict[tuple, int] = {}
    for row in rows:
        if not row[4]:
            key = (row[1], row[2], row[3])
            open_per_quiz[key] = open_per_quiz.get(key, 0) + 1
    lost = [i for i in started if i not in found]
    # Reopened: a start that found the learner's attempt still open (left so by the end of a
    # previous run, or of the previous scenario) and went back to it, as it should; not a
    # new attempt.
    before, highest_before = before
    new = {i for i in started if i > highest_before}
    reopened = len(started) - len(new)
    # In flight: attempts whose start wrk sent but whose answer it had not read at the end.
    in_flight = len(rows) - before - len(new)
    doubled = sum(n - 1 for n in open_per_quiz.values() if n > 1) + (
        len(submitted) - len(set(submitted)))
    not_graded = sum(1 for i in submitted if not (found.get(i) and found[i][4] and found[i][5]))
    return {
        "attempts_started": len(new), "attempts_submitted": len(set(submitted)),
        "reopened": reopened, "rows_created": len(rows) - before,
        "in_flight_at_the_end": in_flight, "lost": len(lost), "doubled": doubled,
        "submitted_not_graded": not_graded + ungraded,
        "ok": not lost and not doubled and not not_graded and not ungraded
        and 0 <= in_flight <= args.connections * args.rounds,
    }


def attempts_of(args, users) -> tuple[int, int]:
    """Return how many attempts *users* have, and the highest attempt id there is."""
    from sqlalchemy import func, select

    from portal import create_app
    from portal.extensions import db
    from portal.quizzes.models import Attempt

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url})
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Attempt)
                                  .where(Attempt.user_id.in_(users)))
        highest = db.session.scalar(select(func.max(Attempt.id))) or 0
        db.engine.dispose()
    return count, highest


# --------------------------------------------------------------------------- the run


def environment(args) -> dict:
    env = dict(os.environ)
    env.update({"FLASK_APP": "app.py", "DATABASE_URL": args.database_url,
                "PORTAL_INSTANCE_PATH": str(Path(args.workdir) / "instance"),
                "PYTHONDONTWRITEBYTECODE": "1"})
    env.pop("PORTAL_ENV", None)
    return env


def machine() -> dict:
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in
                   Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = Path("/proc/meminfo").read_text().split()[1]
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory_gb": round(int(memory) / 2**20, 1),
            "python": platform.python_version(), "platform": platform.platform()}


def postmaster(url: str) -> list[int]:
    """Return the PostgreSQL server's main pid (its processes are the benchmark's), if local."""
    if url.startswith("sqlite"):
        return []
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        backend = connection.execute("SELECT pg_backend_pid()").fetchone()[0]
    try:
        fields = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return []  # not on this machine
    return [int(fields[1])]


def database_version(url: str) -> str:
    if url.startswith("sqlite"):
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        return connection.execute("SHOW server_version").fetchone()[0].join(
            ("PostgreSQL ", ""))


def verdict(name, row, db_kind) -> str:
    ratio, p99 = row.get("ratio"), row["p99_ms"]
    if name in ("course", "lesson"):
        return "met" if ratio >= 0.5 and p99 < 100 else "MISSED"
    if name == "verify":
        return "met" if ratio >= 0.5 else "MISSED"
    if name in QUIZ_FLOWS:
        steps = row["steps"]
        ok = steps["submit"]["p99_ms"] < 150 and row["errors"] == 0 and row["integrity"]["ok"]
        return "met" if ok else "MISSED"
    if name in ("facility", "overview"):
        limit = 300 if db_kind == "postgres" else 1000
        return "met" if row["single_ms"]["p90"] < limit else "MISSED"
    return "-"


def print_table(result: dict) -> None:
    header = (f"{'scenario':<10} {'req/s':>8} {'ceiling':>8} {'ratio':>6} {'p50 ms':>7} "
              f"{'p90 ms':>7} {'p99 ms':>7} {'errors':>6} {'queries':>8} "
              f"{'1 visitor p50/p90 ms':>21} {'foreign':>8}  target")
    print()
    print(f"Benchmark {result['date']} · {result['database']} · {result['size']} · "
          f"gunicorn {result['gunicorn']} · wrk {result['wrk']}")
    print(header)
    print("-" * len(header))
    for name, row in result["scenarios"].items():
        queries = row["queries"]
        if isinstance(queries, dict):
            queries = "/".join(str(queries[k]) for k in ("start", "take", "submit", "review"))
        single = row.get("single_ms")
        single = f"{single['p50']}/{single['p90']}" if single else "-"
        print(f"{name:<10} {row['rps']:>8.1f} {row['ceiling_rps']:>8.1f} {row['ratio']:>6.2f} "
              f"{row['p50_ms']:>7.1f} {row['p90_ms']:>7.1f} {row['p99_ms']:>7.1f} "
              f"{row['errors']:>6} {queries!s:>8} {single:>21} {row['foreign_cpu_pct']:>7.0f}%"
              f"  {row['verdict']}")
        if name in QUIZ_FLOWS:
            for step, figures in row["steps"].items():
                print(f"  {step:<8} {figures['count']:>6} requests   p50 {figures['p50_ms']:.1f}"
                      f"  p90 {figures['p90_ms']:.1f}  p99 {figures['p99_ms']:.1f} ms")
            print(f"  attempts: {row['integrity']}")
    extra = result["extra"]
    print(f"peak RSS per worker (MB) serving the scenarios: portal {extra['rss_mb']['portal']}, "
          f"ceiling {extra['rss_mb']['ceiling']} (target < 200); during the sign-ins: "
          f"portal {extra['rss_mb_after_sign_in']['portal']}")
    print(f"sign 500 credentials: {extra['timings']['sign_500_credentials_s']} s · "
          f"render 100 PDFs: {extra['timings']['render_100_pdfs_s']} s")
    if result.get("seed"):
        print(f"seed: {result['seed']['wall_seconds']} s wall ({result['seed']['phases']})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--database-url", help="default: SQLite in --workdir")
    parser.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "dha-bench"))
    parser.add_argument("--facilities", type=int, default=10_000)
    parser.add_argument("--learners", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sign", default="1000", help="certificates to sign when seeding")
    parser.add_argument("--reuse", action="store_true", help="keep the database as it is")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=2,
                        help="ceiling/portal pairs per scenario (medians are reported)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per scenario")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--quiz-users", type=int, default=192,
                        help="learners signed in for the quiz flow (27 attempts each)")
    parser.add_argument("--think-ms", type=int, default=500,
                        help="the paced quiz flow: each learner's pause before each step")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--quiet-below", type=float, default=15,
                        help="before each pair of runs, wait until other processes use less "
                             "than this share of the CPU (percent)…")
    parser.add_argument("--quiet-wait", type=float, default=30,
                        help="…for at most this many seconds (0: never wait)")
    parser.add_argument("--sequential", type=int, default=20,
                        help="requests for the one-visitor page time")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--out", default=str(BENCH / "results"))
    args = parser.parse_args()
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    if not args.database_url:
        if args.db == "postgres":
            sys.exit("--db postgres needs --database-url (bench/postgres.sh gives one)")
        args.database_url = f"sqlite:///{workdir / 'bench.db'}"
    kind = "sqlite" if args.database_url.startswith("sqlite") else "postgres"
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install -y wrk")
    env = environment(args)
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "PORTAL_INSTANCE_PATH")})
    sys.path.insert(0, str(ROOT))

    seed = None
    if not args.reuse:
        seed = prepare_database(args, env)
    log("counting queries, timing signatures and PDFs")
    subjects, urls, extra = in_process(args)
    names = [n for n in args.scenarios.split(",") if n in SCENARIOS]

    serve_env = dict(env, PORTAL_ENV="production", SECRET_KEY=secrets.token_urlsafe(48),
                     PORTAL_SIGNING_KEY=subjects["signing_key_path"],
                     PORTAL_BASE_URL=f"http://127.0.0.1:{PORTAL_PORT}")
    ceiling_env = dict(env, CEILING_USER_ID=str(subjects["learner_id"]))
    portal = Server("portal", "bench.wsgi:app", PORTAL_PORT, serve_env, args, ROOT)
    ceiling = Server("ceiling", "app:app", CEILING_PORT, ceiling_env, args, BENCH / "ceiling")
    scenarios = {}
    try:
        portal.wait_ready("/healthz")
        ceiling.wait_ready("/")
        global METER
        METER = CpuMeter([portal.process.pid, ceiling.process.pid,
                          *postmaster(args.database_url)])
        from portal.seedscale import SCALE_PASSWORD

        log("signing in")
        cookies = {role: sign_in(PORTAL_PORT, subjects[role], SCALE_PASSWORD)[0]
                   for role in ("learner", "manager", "admin")}
        quiz_file = workdir / "quiz-users.tsv"
        with ThreadPoolExecutor(4) as pool:
            signed = list(pool.map(lambda email: sign_in(
                PORTAL_PORT, email, SCALE_PASSWORD, urls["quiz"][0]), subjects["quiz_users"]))
        quiz_file.write_text("".join(f"{cookie}\t{token}\n" for cookie, token in signed))
        who = {"catalogue": None, "course": "learner", "lesson": "learner",
               "facility": "manager", "overview": "admin", "verify": None, "api": None}
        ceiling_url = f"http://127.0.0.1:{CEILING_PORT}/"
        portal_url = f"http://127.0.0.1:{PORTAL_PORT}"
        run_wrk(args, ceiling_url, "page.lua", {}, seconds=args.warmup)
        extra["rss_mb_after_sign_in"] = {"portal": portal.peak_rss_mb(),
                                         "ceiling": ceiling.peak_rss_mb()}
        portal.reset_peaks()
        ceiling.reset_peaks()
        for name in names:
            log(f"{name}: {', '.join(urls[name][:2])}{' …' if len(urls[name]) > 2 else ''}")
            ceiling_runs, portal_runs, waited = [], [], 0.0
            if name in QUIZ_FLOWS:
                before = attempts_of(args, subjects["quiz_user_ids"])
                quiz_log = workdir / "quiz-log"
                shutil.rmtree(quiz_log, ignore_errors=True)
                quiz_env = {"BENCH_QUIZ_USERS": str(quiz_file),
                            "BENCH_THREADS": str(args.connections),
                            "BENCH_QUIZZES": " ".join(urls["quiz"]),
                            "BENCH_THINK_MS": str(args.think_ms if name == "paced" else 0)}
                flow = dict(threads=args.connections, connections=args.connections)
                if name == "paced":  # a light load: three times as long, for enough samples
                    flow.update(seconds=args.duration * 3, tries=1)
                for number in range(args.rounds):
                    folder = quiz_log / f"round-{number + 1}"

                    def try_env(attempt, folder=folder, base=quiz_env):
                        (folder / f"try-{attempt}").mkdir(parents=True)
                        return dict(base, BENCH_QUIZ_LOG=str(folder / f"try-{attempt}"))

                    def set_aside(attempt, folder=folder):
                        (folder / f"try-{attempt}").rename(folder / f"discarded-{attempt}")

                    waited += wait_for_quiet(args)
                    ceiling_runs.append(balanced_wrk(ceiling, args, ceiling_url, "page.lua",
                                                     {}))
                    portal_runs.append(balanced_wrk(portal, args, portal_url, "quiz.lua",
                                                    try_env, discard=set_aside, **flow))
                flow_log = read_quiz_log(quiz_log)
            else:
                page_env = {"BENCH_PATHS": " ".join(urls[name])}
                if who[name]:
                    page_env["BENCH_COOKIE"] = cookies[who[name]]
                run_wrk(args, portal_url, "page.lua", page_env, seconds=args.warmup)
                for _number in range(args.rounds):
                    waited += wait_for_quiet(args)
                    ceiling_runs.append(balanced_wrk(ceiling, args, ceiling_url, "page.lua",
                                                     {}))
                    portal_runs.append(balanced_wrk(portal, args, portal_url, "page.lua",
                                                    page_env))

            # A round whose runs stayed lopsided after every try is left out of the figures
            # when another round is not (it is still in "rounds" below).
            even = [(p, c) for p, c in zip(portal_runs, ceiling_runs, strict=True)
                    if p.get("balanced", True) and c.get("balanced", True)]
            every_round = list(zip(portal_runs, ceiling_runs, strict=True))
            if even and name not in QUIZ_FLOWS:
                portal_runs, ceiling_runs = [p for p, _c in even], [c for _p, c in even]

            def median(runs, *keys):
                values = []
                for run in runs:
                    value = run
                    for key in keys:
                        value = value[key]
                    values.append(value)
                return statistics.median(values)

            row = {
                "what": SCENARIOS[name][0], "target": SCENARIOS[name][1],
                "url": urls[name][0] if len(urls[name]) == 1 else
                f"{urls[name][0]} (+{len(urls[name]) - 1} more)",
                "rps": round(median(portal_runs, "rps"), 1),
                "ceiling_rps": round(median(ceiling_runs, "rps"), 1),
                "ratio": round(statistics.median(
                    p["rps"] / c["rps"] for p, c in zip(portal_runs, ceiling_runs, strict=True)
                    if c["rps"]), 3),
                "p50_ms": median(portal_runs, "latency_us", "p50") / 1000,
                "p90_ms": median(portal_runs, "latency_us", "p90") / 1000,
                "p99_ms": median(portal_runs, "latency_us", "p99") / 1000,
                "errors": sum(run["error_count"] for run in portal_runs),
                "error_detail": [run["errors"] for run in portal_runs],
                "requests": sum(run["requests"] for run in portal_runs),
                "rounds": [{"rps": p["rps"], "ceiling_rps": c["rps"],
                            "p99_ms": p["latency_us"]["p99"] / 1000,
                            "worker_shares": [c["worker_shares"], p["worker_shares"]],
                            "tries": [c["tries"], p["tries"]],
                            "counted": any(p is q for q in portal_runs),
                            "foreign_cpu_pct": [c["foreign_cpu_pct"], p["foreign_cpu_pct"]]}
                           for p, c in every_round],
                "foreign_cpu_pct": max(r["foreign_cpu_pct"] or 0
                                       for r in portal_runs + ceiling_runs),
                "waited_for_quiet_s": waited,
                "queries": extra["queries"][name],
                "ceiling": {"p50_ms": median(ceiling_runs, "latency_us", "p50") / 1000,
                            "p99_ms": median(ceiling_runs, "latency_us", "p99") / 1000,
                            "errors": sum(run["error_count"] for run in ceiling_runs)},
            }
            if name in QUIZ_FLOWS:
                row["steps"] = flow_log["steps"]
                row["exhausted_quizzes"] = flow_log["exhausted"]
                row["flows_per_s"] = round(flow_log["steps"]["submit"]["count"]
                                           / (flow.get("seconds", args.duration) * args.rounds),
                                           1)
                row["integrity"] = check_attempts(args, subjects, before, flow_log)
            else:
                row["waited_for_quiet_s"] += wait_for_quiet(args)
                row["single_ms"] = sequential_ms(PORTAL_PORT, urls[name],
                                                 cookies.get(who[name]) if who[name] else None,
                                                 args.sequential)
            row["verdict"] = verdict(name, row, kind)
            scenarios[name] = row
            log(f"{name}: {row['rps']} req/s (ceiling {row['ceiling_rps']}), p99 "
                f"{row['p99_ms']} ms, errors {row['errors']} → {row['verdict']}")
        extra["rss_mb"] = {"portal": portal.peak_rss_mb(), "ceiling": ceiling.peak_rss_mb()}
    finally:
        portal.stop()
        ceiling.stop()

    wrk_version = subprocess.run([shutil.which("wrk"), "-v"], capture_output=True,  # noqa: S603
                                 text=True).stdout.split()
    result = {
        "date": dt.date.today().isoformat(), "database": database_version(args.database_url),
        "db": kind, "size": f"{args.facilities:,} facilities / {args.learners:,} learners "
                            f"(seed {args.seed})",
        "machine": machine(),
        "gunicorn": f"-w {args.workers} -k gthread --threads {args.threads}",
        "wrk": f"{wrk_version[1] if len(wrk_version) > 1 else '?'} -t{args.wrk_threads} "
               f"-c{args.connections} -d{args.duration}s ×{args.rounds} (quiz: "
               f"-t{args.connections} -c{args.connections})",
        "seed": seed, "subjects": {k: v for k, v in subjects.items()
                                   if k not in ("codes", "licences", "quiz_users",
                                                "quiz_user_ids", "signing_key_path")},
        "scenarios": scenarios, "extra": extra,
        "rss_target_met": all(v < 200 for v in extra["rss_mb"]["portal"]),
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{result['date']}-{kind}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print_table(result)
    print(f"\nwritten: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


if __name__ == "__main__":
    main()
