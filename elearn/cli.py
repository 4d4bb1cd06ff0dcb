"""The `elearn` command (also `flask --app elearn ...`)."""
from __future__ import annotations

import os
import secrets
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from elearn.content.parse import CourseErrors, parse_collection
from elearn.db import close_session, db_session, transactional
from elearn.models import STAFF_ROLES


def _problem_exit(problems) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)
    click.echo(f"{len(problems)} problem(s) found.", err=True)
    sys.exit(1)


@click.group("courses", help=(
    "Courses live in the database. `sync` loads the bundled courses folder, `export` and `import` move "
    "one course as a .zip file; trainers edit courses on the web (/trainer/courses)."))
def courses_cli():
    pass


@courses_cli.command("check", help="Validate course files; report every problem as file:line: message.")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@with_appcontext
def courses_check(path: Path | None):
    path = path or Path(current_app.config["COURSES_PATH"])
    courses, problems = parse_collection(path)
    if problems:
        _problem_exit(problems)
    from elearn.content.stats import course_stats, format_stats

    click.echo(format_stats([course_stats(c) for c in courses]))
    readme = path / "README.md"
    if readme.is_file():
        _check_framework_map(readme, courses)
    click.echo(f"OK: {len(courses)} course(s) checked in {path}")


def _check_framework_map(readme: Path, courses) -> None:
    """The folder's README maps every required lesson to a basic skill and a framework area."""
    from elearn.content.framework import (BASIC_SKILLS, FRAMEWORK_AREAS, mapping_problems, read_mapping,
                                          required_lessons)

    rows, problems = read_mapping(readme.read_text(encoding="utf-8"))
    problems += mapping_problems(rows, required_lessons(courses))
    if problems:
        _problem_exit([f"{readme}:{line}: {message}" if line else f"{readme}: {message}"
                       for line, message in problems])
    click.echo(f"framework map ({readme.name}): {len(rows)} required lesson(s) cover the {len(BASIC_SKILLS)} "
               f"basic skills and the {len(FRAMEWORK_AREAS)} framework areas")


@courses_cli.command("sync", help=(
    "Load the bundled courses folder into the database, all or nothing. Only courses that came from the "
    "folder are touched; one changed on the web since its last sync is left as it is and listed; one gone "
    "from the folder is archived. Courses made on the web or imported from a .zip are never changed."))
@click.argument("path", required=False, type=click.Path(path_type=Path))
@with_appcontext
@transactional
def courses_sync(path: Path | None):
    from elearn.content.sync import sync_folder

    path = path or Path(current_app.config["COURSES_PATH"])
    try:
        report = sync_folder(db_session(), path)
    except CourseErrors as errors:
        click.echo("Nothing was changed in the database.", err=True)
        _problem_exit(errors.problems)
    click.echo(report.summary())


@courses_cli.command("export", help=(
    "Write a course from the database as SLUG.zip, to share with another commune. By default the newest "
    "revision (what trainers are editing, published or not); --published writes the one residents see."))
@click.argument("slug")
@click.option("--output", "-o", type=click.Path(path_type=Path), help="Where to write (default: ./SLUG.zip).")
@click.option("--published", is_flag=True, help="The published revision instead of the newest one.")
@with_appcontext
def courses_export(slug: str, output: Path | None, published: bool):
    from sqlalchemy import select

    from elearn.content.authoring import export_archive
    from elearn.models import Course

    course = db_session().scalar(select(Course).where(Course.slug == slug))
    found = export_archive(db_session(), course, published=published) if course is not None else None
    if found is None:
        click.echo(f"No course '{slug}'{' with a published revision' if course else ''} in the database.", err=True)
        sys.exit(1)
    target = output or Path(found[0])
    target.write_bytes(found[1])
    click.echo(f"Exported {slug} (revision {course.published_revision if published else course.latest_revision}) "
               f"to {target}")


@courses_cli.command("import", help=(
    "Check a course .zip and put it into the database (never into the courses folder), published so that "
    "residents see it. A course with any problem is refused whole, each problem named as file:line. "
    "--draft stores it unpublished, for a trainer to review and publish on the web. A course of the same "
    "name is replaced only with --replace (its earlier revisions stay in its history)."))
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Replace a course of the same name.")
@click.option("--draft", is_flag=True, help="Store it as a draft instead of publishing it.")
@with_appcontext
@transactional
def courses_import(archive: Path, replace: bool, draft: bool):
    from elearn.content.archive import ArchiveRefused
    from elearn.content.authoring import import_archive
    from elearn.problems import Refused

    try:
        with archive.open("rb") as stream:
            imported = import_archive(db_session(), stream, archive.name, None, replace=replace,
                                      publish_now=not draft, refuse_problems=True)
    except ArchiveRefused as refused:
        for line in refused.lines():
            click.echo(line, err=True)
        click.echo("Nothing was imported.", err=True)
        sys.exit(1)
    except CourseErrors as errors:
        click.echo("Nothing was imported.", err=True)
        _problem_exit(errors.problems)
    except Refused as refused:
        click.echo(f"{refused.problems[0].values['slug']}: a course with this name exists; use --replace to "
                   "update it. Nothing was imported.", err=True)
        sys.exit(1)
    state = "published" if imported.course.is_published else "draft"
    click.echo(f"Imported {imported.course.slug} ({state}, revision {imported.course.latest_revision})"
               f"{'' if imported.changed else ': the same files were there already'}.")


@click.group("users", help="Accounts.")
def users_cli():
    pass


@users_cli.command("create", help="Create a trainer, official or admin account (residents register themselves).")
@click.option("--role", type=click.Choice(STAFF_ROLES), required=True)
@click.option("--phone", required=True, help="Vietnamese mobile number, e.g. 0912 345 678.")
@click.option("--name", "full_name", required=True)
@click.option("--unit", "unit_id", type=int,
              help="Id of the unit the account looks after (a village for a trainer, a commune or province for "
                   "an official); required except for an admin.")
@click.password_option(help="Asked for when not given (at least 8 characters).")
@with_appcontext
@transactional
def users_create(role: str, phone: str, full_name: str, unit_id: int | None, password: str):
    from elearn.admin.services import create_staff
    from elearn.problems import Refused

    try:
        create_staff(db_session(), role=role, phone=phone, full_name=full_name, unit_id=unit_id, password=password)
    except Refused as refused:
        for problem in refused.problems:
            click.echo(_staff_problem(problem, phone, role, unit_id), err=True)
        sys.exit(1)
    click.echo(f"Created {role} account for {phone}.")


def _staff_problem(problem, phone: str, role: str, unit_id: int | None) -> str:
    """One refusal of create_staff in the words of this command's options."""
    from elearn.units import ROLE_UNIT_KINDS

    values, taken = problem.values, "an account with this phone number exists"
    unknown_unit = f" (no unit has id {unit_id})" if unit_id is not None else ""
    return {
        "phone_invalid": f"'{phone}' is not a Vietnamese mobile number",
        "phone_taken_by_staff": taken,
        "phone_taken_by_resident": taken,
        "password_refused": f"password refused: {values.get('reason', '').replace('_', ' ')}",
        "unit_missing": f"a {role} needs --unit: the id of the village, commune or province they look after"
                        + unknown_unit,
        "unit_wrong_kind": f"a {role} looks after a {' or a '.join(ROLE_UNIT_KINDS.get(role, ()))}, "
                           f"not a {values.get('kind')}",
        "unit_merged": f"unit {unit_id} was merged into unit {values.get('merged_into_id')}",
    }.get(problem.code, problem.code)


@users_cli.command("reset-2fa", help=(
    "Remove a staff member's second factor (authenticator app and recovery codes), for an admin who "
    "lost both: they add the app again at their next sign-in. Every session of theirs ends."))
@click.argument("phone")
@with_appcontext
@transactional
def users_reset_second_factor(phone: str):
    from sqlalchemy import select

    from elearn.access import is_staff
    from elearn.auth.second_factor import reset
    from elearn.models import User
    from elearn.training.phones import InvalidPhone, normalize_phone

    try:
        user = db_session().scalar(select(User).where(User.phone == normalize_phone(phone)))
    except InvalidPhone:
        user = None
    if user is None or not is_staff(user):
        click.echo("No staff account has this phone number.", err=True)
        sys.exit(1)
    reset(db_session(), user, actor_id=None, via="cli")
    click.echo("Second factor removed: at the next sign-in, the password and then a new authenticator app.")


@click.group("privacy", help="Personal data: retention.")
def privacy_cli():
    pass


@privacy_cli.command("purge", help=(
    "Remove what is past its retention period (RETENTION_DAYS; README \"Retention\"): old audit entries, "
    "expired one-time codes, accounts whose consent was withdrawn long ago, accounts opened in person and "
    "never used. One transaction; safe to run daily from cron (a second run removes nothing more). Prints "
    "counts only, never anyone's data."))
@with_appcontext
@transactional
def privacy_purge():
    from elearn.models.types import utcnow
    from elearn.privacy import purge

    removed = purge(db_session(), utcnow(), current_app.config["RETENTION_DAYS"])
    click.echo("Removed: " + ", ".join(f"{key.replace('_', ' ')} {count}" for key, count in removed.items()))


@click.group("db", help="Database schema.")
def db_cli():
    pass


@db_cli.command("upgrade", help="Apply every migration.")
@with_appcontext
def db_upgrade():
    from elearn.migrate import upgrade

    upgrade(current_app.config["DATABASE_URL"])
    click.echo("Database is up to date.")


@click.command("serve", help="Prepare the database and serve with gunicorn (production).")
@click.option("--host", default=lambda: os.environ.get("ELEARN_HOST", "127.0.0.1"), show_default="127.0.0.1")
@click.option("--port", default=lambda: int(os.environ.get("ELEARN_PORT", "8000")), type=int, show_default="8000")
@click.option("--workers", type=int, default=lambda: os.environ.get("ELEARN_WORKERS"),
              help="Processes (ELEARN_WORKERS; default: 1 per core on SQLite, 2 on PostgreSQL, at least 2, at "
              "most 8). They share the "
              "rate limits and sign-in slowdowns through ELEARN_REDIS_URL, or without it a file in the "
              "instance folder.")
@click.option("--threads", default=8, type=int, show_default=True)
@click.option("--keepalive", type=int, default=lambda: os.environ.get("ELEARN_KEEPALIVE"),
              help="Seconds an idle connection stays open (ELEARN_KEEPALIVE; default 75): behind a proxy, "
              "longer than the proxy keeps its idle connections to the app.")
@with_appcontext
def serve(host: str, port: int, workers: int | None, threads: int, keepalive: int | None):
    app = current_app._get_current_object()  # type: ignore[attr-defined] # the proxy's own method
    from elearn.network import allow_bound_host

    advice = allow_bound_host(app, host)
    if advice:
        click.echo(advice, err=True)
    transactional(prepare)(app)
    close_session()  # no connection may cross the fork into gunicorn's workers
    from elearn.wsgi_server import KEEPALIVE, cores, default_workers, run

    workers = workers or default_workers(cores(), app.config["DATABASE_URL"])
    click.echo(f"Học số is serving on http://{host}:{port}/ with {workers} worker processes")
    run(app, host, port, workers, threads, KEEPALIVE if keepalive is None else keepalive)


@click.command("prepare", help="Apply migrations, load units and bundled courses, create the admin.")
@with_appcontext
@transactional
def prepare_command():
    prepare(current_app._get_current_object())  # type: ignore[attr-defined] # the proxy's own method


def prepare(app: Flask) -> None:
    from elearn.content.sync import sync_folder
    from elearn.migrate import upgrade
    from elearn.setup_data import ensure_admin, load_units

    phone, password = _admin_settings()  # checked before anything is created
    upgrade(app.config["DATABASE_URL"])
    session = db_session()
    added = load_units(session)
    if added:
        click.echo(f"Loaded {added} demo administrative units (edit them as data).")
    try:
        report = sync_folder(session, Path(app.config["COURSES_PATH"]))
        click.echo(f"Courses: {report.summary()}")
    except CourseErrors as errors:
        click.echo("Bundled courses have problems; the database keeps the courses it had:", err=True)
        for problem in errors.problems:
            click.echo(f"  {problem}", err=True)
    from elearn.content.publish import resanitize_stored_html

    cleaned = resanitize_stored_html(session)  # what an older renderer let into stored course HTML
    if cleaned:
        click.echo(f"Course HTML: {cleaned} stored text(s) cleaned by today's allow-list.")
    generated = ensure_admin(session, phone, password)
    if generated:
        from elearn.training.phones import display_phone
        from elearn.setup_data import DEFAULT_ADMIN_PHONE

        click.echo("=" * 60)
        click.echo("An admin account was created. This password is shown only once:")
        click.echo(f"  phone:    {display_phone(phone or DEFAULT_ADMIN_PHONE)}")
        click.echo(f"  password: {generated}")
        click.echo("Set ELEARN_ADMIN_PHONE and ELEARN_ADMIN_PASSWORD to choose them yourself.")
        click.echo("At the first sign-in, add the second factor: scan the QR code with an authenticator app.")
        click.echo("=" * 60)


def _admin_settings() -> tuple[str | None, str | None]:
    """ELEARN_ADMIN_PHONE and ELEARN_ADMIN_PASSWORD, refused (exit 1) when the phone is not a mobile
    number or the password breaks the rules every password follows (elearn.training.passwords)."""
    from elearn.setup_data import ADMIN_NAME, DEFAULT_ADMIN_PHONE
    from elearn.training.passwords import MIN_LENGTH, password_problem
    from elearn.training.phones import InvalidPhone, normalize_phone

    phone, password = os.environ.get("ELEARN_ADMIN_PHONE"), os.environ.get("ELEARN_ADMIN_PASSWORD")
    try:
        phone = normalize_phone(phone) if phone else None
    except InvalidPhone:
        click.echo("ELEARN_ADMIN_PHONE is not a Vietnamese mobile number (e.g. 0912 345 678). Nothing was created.",
                   err=True)
        sys.exit(1)
    problem = password_problem(password, phone=phone or DEFAULT_ADMIN_PHONE, full_name=ADMIN_NAME) if password else None
    if problem:
        reasons = {"too_short": f"shorter than {MIN_LENGTH} characters", "too_long": "longer than 128 characters",
                   "too_common": "one of the most common passwords", "example": "the example shown on the pages",
                   "personal": "the admin's own phone number or name"}
        click.echo(f"ELEARN_ADMIN_PASSWORD refused: {reasons[problem]}. Choose a long phrase only you know, "
                   "or unset it to have a strong one generated and printed once. Nothing was created.", err=True)
        sys.exit(1)
    return phone, password


@click.command("demo", help=(
    "Add a made-up commune (or, with --province, a province) with two years of residents' learning, for "
    "demonstrations and benchmarks. Every unit and resident is marked as demo data. Needs the courses loaded "
    "(`elearn prepare`). Per-choice quiz answers (AttemptAnswer) are not generated; the per-question counters "
    "are. One transaction: all or nothing."))
@click.option("--residents", type=click.IntRange(1, 10_000_000), required=True,
              help="Residents registered on the platform (about 1% more are generated and then erased).")
@click.option("--province", is_flag=True,
              help="A demo province of about one commune per 10,000 residents, instead of one commune.")
@click.option("--seed", type=int, default=1, show_default=True,
              help="The same seed gives the same data on the same day.")
@click.option("--password", help="The password of every demo resident (default: a new one, printed).")
@with_appcontext
@transactional
def demo_command(residents: int, province: bool, seed: int, password: str | None):
    from elearn.auth.services import hash_password
    from elearn.demo import DemoRefused, DemoRequest, generate
    from elearn.training.passwords import password_problem

    password = password or f"mau-{secrets.token_hex(4)}"
    problem = password_problem(password)
    if problem:
        click.echo(f"password refused: {problem.replace('_', ' ')}", err=True)
        sys.exit(1)
    now = datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))
    request = DemoRequest(
        residents=residents, province=province, seed=seed, today=now.date(), utc_offset=now.utcoffset(),
        password_hash=hash_password(password),
        notice_version=current_app.config["PRIVACY_NOTICE_VERSION"])
    click.echo(f"Generating a demo {'province' if province else 'commune'} of {residents:,} residents "
               f"(seed {seed})...")
    try:
        summary = generate(db_session(), request, progress=click.echo)
    except DemoRefused as refused:
        click.echo(str(refused), err=True)
        sys.exit(1)
    _print_demo_summary(summary, password, province)


def _print_demo_summary(summary, password: str, province: bool) -> None:
    from elearn.training.phones import display_phone

    kind = "province" if province else "commune"
    click.echo(f"Demo {kind} \"{summary.root_name}\" (unit {summary.root_id}): {summary.communes:,} commune(s), "
               f"{summary.villages:,} village(s).")
    click.echo(f"  residents: {summary.residents:,} registered, {summary.erased:,} erased "
               f"(their trained rows, counters and survey answers stay)")
    click.echo(f"  trained: {summary.trained:,}, of labour age today: {summary.trained_labour_age:,} = "
               f"{summary.rate:.1%} of a labour-age population of {summary.population:,}")
    click.echo(f"  course completions: {summary.completions:,} (+ {summary.erased_completions:,} by erased "
               f"residents), lessons opened: {summary.lessons_opened:,}, quiz attempts: {summary.attempts:,}, "
               f"survey answers: {summary.surveys:,}")
    click.echo(f"  generated in {summary.seconds:.1f} s; saving...")
    click.echo("Next:")
    click.echo(f"  dashboard: /reports/{summary.root_id} (sign in as an admin, or an official of the unit)")
    if summary.sample_phone:
        click.echo(f"  sign in as a demo resident: phone {display_phone(summary.sample_phone)}, "
                   f"password: {password} (every demo resident has it)")
    click.echo(f"  to remove it: an admin removes demo unit {summary.root_id} (everything under it goes too).")


@click.command("backup", help=(
    "Write a backup of the whole database to FILE while the app keeps serving: SQLite's online backup "
    "(a consistent copy, never a copy of the live file), or pg_dump's custom format for PostgreSQL. The file "
    "holds personal data: it is made readable by its owner only; keep it as safe as the database."))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file: Path):
    from elearn.backup import BackupProblem, backup

    try:
        revision = backup(current_app.config["DATABASE_URL"], file)
    except BackupProblem as problem:
        click.echo(str(problem), err=True)
        sys.exit(1)
    click.echo(f"Backed up to {file} ({file.stat().st_size:,} bytes, migration {revision}).")


@click.command("restore", help=(
    "Restore a backup made by `elearn backup` into this instance's database, which must be empty (stop "
    "`elearn serve` first). --force replaces everything in a database that is not empty. A backup made "
    "before the latest migrations is upgraded after the restore."))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace whatever the database holds.")
@with_appcontext
def restore_command(file: Path, force: bool):
    from elearn.backup import BackupProblem, restore

    try:
        restored = restore(current_app.config["DATABASE_URL"], file, force=force)
    except BackupProblem as problem:
        click.echo(str(problem), err=True)
        sys.exit(1)
    upgraded = f", upgraded to {restored.upgraded_to}" if restored.upgraded_to else ""
    click.echo(f"Restored {file}: {restored.tables} tables, {restored.rows:,} rows "
               f"(migration {restored.revision}{upgraded}).")


def register_commands(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(courses_cli)
    app.cli.add_command(db_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(privacy_cli)
    app.cli.add_command(serve)
    app.cli.add_command(prepare_command)
    app.cli.add_command(demo_command)


def _create_app():
    from elearn import create_app

    return create_app()


main = FlaskGroup(create_app=_create_app, add_default_commands=True, help="Học số: the elearn command.")
