"""The `flask` commands: facilities, users, seed (more are added by each domain)."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from portal.extensions import db

facilities_cli = AppGroup("facilities", help="Manage facilities.")
users_cli = AppGroup("users", help="Manage user accounts.")
seed_cli = AppGroup("seed", help="Load demo or benchmark data.")
courses_cli = AppGroup("courses", help="Check, import and export course files.")


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@facilities_cli.command("create")
@click.option("--licence", required=True, help="Operating licence number (unique).")
@click.option("--name", required=True, help="Facility name.")
@click.option("--type", "type_", required=True, help="clinic, polyclinic, dental, pharmacy, …")
@click.option("--province", required=True, help='Province name ("Hà Nội", "Huế") or code.')
@click.option("--address", default="", help="Street address.")
def facilities_create(licence, name, type_, province, address):
    """Add a facility."""
    from portal.facilities.services import FacilityError, create_facility

    try:
        facility = create_facility(
            licence=licence, name=name, type=type_, province=province, address=address
        )
    except FacilityError as exc:
        db.session.rollback()
        _fail(str(exc))
    db.session.commit()
    click.echo(
        f"Created facility {facility.licence_number}: {facility.name} ({facility.province.name})"
    )


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option(
    "--role", required=True, type=click.Choice(["learner", "manager", "trainer", "admin"])
)
@click.option("--facility", "licence", default=None, help="Licence number of the facility.")
@click.option("--job-role", default=None, help="doctor, nurse, midwife, pharmacist, …")
def users_create(email, name, role, licence, job_role):
    """Add a user; the password is asked for, or read from standard input."""
    from portal.accounts.services import AccountError, create_user
    from portal.facilities.services import get_facility_by_licence

    facility = None
    if licence:
        facility = get_facility_by_licence(licence)
        if facility is None:
            _fail(f"no facility has licence number {licence}")
    password = _read_password()
    try:
        user = create_user(
            email=email,
            name=name,
            password=password,
            role=role,
            facility=facility,
            job_role=job_role,
        )
    except AccountError as exc:
        db.session.rollback()
        _fail(str(exc))
    db.session.commit()
    click.echo(f"Created {user.role} {user.email}")


@seed_cli.command("demo")
def seed_demo():
    """Load the demo facilities and accounts (idempotent)."""
    from portal.seed import seed_demo as run

    created = run()
    db.session.commit()
    click.echo(f"Demo data ready ({created} new records).")


@seed_cli.command("scale")
@click.option("--facilities", type=click.IntRange(min=1), default=10_000, show_default=True,
              help="How many facilities.")
@click.option("--learners", type=click.IntRange(min=1), default=200_000, show_default=True,
              help="How many learner accounts (managers come on top).")
@click.option("--seed", "seed", type=int, default=1, show_default=True,
              help="Random seed: the same seed and anchor give the same data.")
@click.option("--anchor", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The day the data is as of (YYYY-MM-DD); default: today.")
@click.option("--sign", "sign", default="1000", show_default=True,
              help="Sign the credentials of this many certificates, or 'all'.")
def seed_scale(facilities, learners, seed, anchor, sign):
    """Generate national-scale benchmark data (bulk inserts; see docs/performance.md)."""
    import time

    from portal.seedscale import SCALE_PASSWORD, ScaleError
    from portal.seedscale import seed_scale as run

    if sign != "all" and not sign.isdigit():
        _fail("--sign takes a number or 'all'")
    try:
        report = run(facilities, learners, seed, anchor=anchor.date() if anchor else None,
                     sign=None if sign == "all" else int(sign))
    except ScaleError as exc:
        db.session.rollback()
        _fail(str(exc))
    started = time.perf_counter()
    db.session.commit()
    report.seconds["commit"] = round(time.perf_counter() - started, 3)
    for table, count in report.rows.items():
        click.echo(f"{table:>24}: {count:>10,}")
    status = ", ".join(f"{k} {v:,}" for k, v in report.certificate_status.items())
    click.echo(f"certificates by status: {status}; {report.signed:,} signed")
    click.echo("seconds: " + ", ".join(f"{k} {v}" for k, v in report.seconds.items()))
    click.echo(f"Every account's password is {SCALE_PASSWORD!r}.")


@courses_cli.command("check")
@click.argument("folder", type=click.Path(file_okay=False, path_type=str))
def courses_check(folder):
    """Validate a courses/ folder or one course folder; print every problem with file and line."""
    from portal.catalog.loader import load_tree

    result = load_tree(folder)
    for error in result.errors:
        click.echo(str(error), err=True)
    if result.errors:
        click.echo(f"{len(result.errors)} problem(s) found; nothing was changed.", err=True)
        sys.exit(1)
    lessons = sum(1 for c in result.courses for i in c.items if i.kind == "lesson")
    quizzes = sum(1 for c in result.courses for i in c.items if i.kind == "quiz")
    questions = sum(
        len(i.questions.get("vi", ())) for c in result.courses for i in c.items if i.kind == "quiz"
    )
    click.echo(
        f"OK: {len(result.courses)} course(s), {lessons} lesson(s), {quizzes} quiz(zes) "
        f"with {questions} question(s), {len(result.programmes)} programme(s)."
    )


@courses_cli.command("import")
@click.argument("folder", type=click.Path(file_okay=False, path_type=str))
@click.option("--draft", is_flag=True, help="Keep new versions as drafts (do not publish).")
def courses_import(folder, draft):
    """Load a courses/ folder or one course folder into the database, all or nothing."""
    from portal.catalog.importer import import_specs, known_course_slugs
    from portal.catalog.loader import load_tree

    result = load_tree(folder, known_slugs=known_course_slugs())
    for error in result.errors:
        click.echo(str(error), err=True)
    if result.errors:
        click.echo(f"{len(result.errors)} problem(s) found; nothing was imported.", err=True)
        sys.exit(1)
    report = import_specs(result, draft=draft)
    db.session.commit()
    for label, slugs in (("new", report.created), ("new version", report.updated),
                         ("published", report.published), ("unchanged", report.unchanged)):
        for slug in slugs:
            click.echo(f"{slug}: {label}")
    click.echo(
        f"Imported {len(result.courses)} course(s): {len(report.created)} new, "
        f"{len(report.updated)} with a new version, {len(report.unchanged)} unchanged; "
        f"{report.programmes} programme(s) changed."
    )


@courses_cli.command("export")
@click.argument("folder", type=click.Path(file_okay=False, path_type=str))
@click.option("--course", "slugs", multiple=True, help="Only this course (repeatable).")
def courses_export(folder, slugs):
    """Write the latest version of each course (and the programmes) as course files."""
    from portal.catalog.importer import export_specs
    from portal.catalog.writer import write_course, write_programmes

    courses, programmes = export_specs(slugs or None)
    if slugs and len(courses) != len(set(slugs)):
        missing = sorted(set(slugs) - {c.slug for c in courses})
        _fail(f"no such course: {', '.join(missing)}")
    for spec in courses:
        write_course(spec, folder)
    if not slugs:
        write_programmes(programmes, folder)
    click.echo(f"Exported {len(courses)} course(s) to {folder}.")


def _certs_group():
    """Return ``flask certs``: the credential commands plus ``revoke``."""
    from portal.certification.cli import certs_cli

    if "revoke" not in certs_cli.commands:
        certs_cli.add_command(certs_revoke)
    return certs_cli


@click.command("revoke")
@click.argument("code")
@click.option("--reason", required=True, help="Why (shown on the verification page).")
def certs_revoke(code, reason):
    """Revoke the certificate with verification CODE (or serial number)."""
    from sqlalchemy import or_, select

    from portal.certification.models import Certificate
    from portal.certification.services import CertificationError, revoke_certificate

    cert = db.session.scalar(select(Certificate).where(
        or_(Certificate.code == code, Certificate.serial == code.upper())))
    if cert is None:
        _fail(f"no certificate with code or serial {code}")
    try:
        revoke_certificate(cert, reason)
    except CertificationError as exc:
        db.session.rollback()
        _fail(str(exc))
    db.session.commit()
    click.echo(f"Revoked {cert.serial}: {cert.revoke_reason}")


def register(app) -> None:
    """Attach the command groups to *app*."""
    for group in (facilities_cli, users_cli, seed_cli, courses_cli, _certs_group()):
        app.cli.add_command(group)
