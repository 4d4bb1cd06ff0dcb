"""Server time of the officials' pages on a commune of 100,000 residents (SQLite) and a province of
1,000,000 (PostgreSQL): the dashboard, the period report (page and XLSX), open data and the API.

Budget (ARCHITECTURE.md and issue 6): each under one second of server time. The data comes from
`elearn demo` (two years of learning, population figures, erased residents); requests go through
Flask's test client in this process, so the time is the app's own (no network, no client), after
one warm-up request; each page is asked for RUNS times, interleaved, and the median printed.

    .venv/bin/python benchmarks/reports.py [--sqlite-residents 100000] [--postgres-residents 1000000]
        [--postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/test] [--runs 3] [--skip-sqlite]
        [--skip-postgres] [--keep DIR [--reuse]]

The generated data is large (about 0.3 GB on SQLite; a few GB on PostgreSQL): it goes to a
temporary folder and to a schema `bench_reports` that are removed afterwards (kept with --keep).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
BUDGET_SECONDS = 1.0
ADMIN_PHONE, ADMIN_PASSWORD = "0900000000", "benchmark admin password 2026"
SCHEMA = "bench_reports"


def elearn(env: dict, *args: str) -> str:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", "from elearn.cli import main; main()", *args], cwd=PROJECT_ROOT,
                          env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"elearn {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    print(f"  elearn {' '.join(args)}: {time.perf_counter() - started:.0f} s", flush=True)
    return done.stdout


def prepare(database_url: str, instance: Path, residents: int, province: bool) -> int:
    env = {**os.environ, "ELEARN_INSTANCE_PATH": str(instance), "ELEARN_DATABASE_URL": database_url,
           "ELEARN_ADMIN_PHONE": ADMIN_PHONE, "ELEARN_ADMIN_PASSWORD": ADMIN_PASSWORD}
    elearn(env, "prepare")
    output = elearn(env, "demo", "--residents", str(residents), "--seed", "1",
                    *(["--province"] if province else []))
    return int(re.search(r"\(unit (\d+)\)", output).group(1))


def publish_as_real(database_url: str) -> None:
    """Open data leaves demo units out; in this throwaway database they stand in for real ones."""
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE units SET is_demo = false"))
    engine.dispose()


def existing_root(database_url: str, province: bool) -> int:
    """The newest demo commune or province of a kept run (--reuse)."""
    engine = create_engine(database_url)
    with engine.connect() as connection:
        found = connection.execute(text(
            "SELECT max(id) FROM units WHERE kind = :kind AND parent_id "
            + ("IS NULL" if province else "IS NOT NULL")), {"kind": "province" if province else "commune"}).scalar()
    engine.dispose()
    if found is None:
        raise SystemExit("--reuse: no demo data was kept there")
    return found


def measure(database_url: str, instance: Path, root_id: int, runs: int) -> dict[str, float]:
    from elearn import create_app
    from elearn.db import db_session
    from elearn.models import Unit
    from elearn.models.types import utcnow
    from elearn.reports.tokens import create_token

    app = create_app({"DATABASE_URL": database_url, "INSTANCE_PATH": str(instance), "SECRET_KEY": "benchmark",
                      "RATELIMIT_ENABLED": False})
    with app.app_context():
        session = db_session()
        unit = session.get(Unit, root_id)
        _token, bearer = create_token(session, name="benchmark", unit=unit, days=1, actor_id=None, now=utcnow())
        session.commit()
        year = utcnow().year
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/sign-in", data={"phone": ADMIN_PHONE, "password": ADMIN_PASSWORD,
                                         "csrf_token": csrf}).status_code == 302
    export_csrf = re.search(r'name="csrf_token" value="([^"]+)"',
                            client.get("/privacy").get_data(as_text=True)).group(1)
    requests = {
        "dashboard": lambda: client.get(f"/reports/{root_id}"),
        "period report page": lambda: client.get(f"/reports/{root_id}/period?kind=h1&year={year}"),
        "period report XLSX": lambda: client.post(f"/reports/{root_id}/period.xlsx", data={
            "csrf_token": export_csrf, "start": f"{year}-01-01", "end": f"{year}-06-30"}),
        "open data JSON": lambda: client.get("/open-data/completion.json"),
        "API report": lambda: client.get(f"/api/v1/units/{root_id}/report",
                                         headers={"Authorization": f"Bearer {bearer}"}),
    }
    times: dict[str, list[float]] = {name: [] for name in requests}
    for name, ask in requests.items():  # warm-up: templates compiled, connections open
        response = ask()
        assert response.status_code == 200, (name, response.status_code, response.get_data(as_text=True)[:300])
    for _ in range(runs):
        for name, ask in requests.items():
            started = time.perf_counter()
            response = ask()
            times[name].append(time.perf_counter() - started)
            assert response.status_code == 200
    app.extensions["elearn_engine"].dispose()
    return {name: statistics.median(values) for name, values in times.items()}


def data_size(database_url: str, instance: Path) -> str:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        counts = {table: connection.execute(select(func.count()).select_from(text(table))).scalar()
                  for table in ("users", "trained_residents", "units", "population_figures", "lesson_views",
                                "quiz_attempts", "course_activity", "question_stats", "survey_responses")}
        erased = connection.execute(text("SELECT count(*) FROM trained_residents WHERE user_id IS NULL")).scalar()
        if engine.dialect.name == "postgresql":
            size = connection.execute(text(
                "SELECT sum(pg_total_relation_size(quote_ident(schemaname) || '.' || quote_ident(tablename))) "
                "FROM pg_tables WHERE schemaname = current_schema()")).scalar()
        else:
            size = sum(path.stat().st_size for path in instance.glob("elearn.sqlite*"))
    engine.dispose()
    listed = ", ".join(f"{table} {count:,}" for table, count in counts.items())
    return f"{listed}; erased residents still counted: {erased:,}; database {size / 2**20:,.0f} MiB"


def report(title: str, size: str, medians: dict[str, float]) -> bool:
    print(f"\n{title}\n  data: {size}")
    fine = True
    for name, seconds in medians.items():
        verdict = "OK" if seconds < BUDGET_SECONDS else "OVER BUDGET"
        fine &= seconds < BUDGET_SECONDS
        print(f"  {name:20} {seconds * 1000:8.0f} ms  (median of the runs; budget {BUDGET_SECONDS:.0f} s)  {verdict}")
    return fine


def run_sqlite(residents: int, runs: int, keep: Path | None, reuse: bool = False) -> bool:
    folder = keep or Path(tempfile.mkdtemp(prefix="bench-reports-"))
    folder.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{folder / 'elearn.sqlite'}"
    try:
        print(f"SQLite: a demo commune of {residents:,} residents in {folder}", flush=True)
        root = existing_root(url, False) if reuse else prepare(url, folder, residents, province=False)
        publish_as_real(url)
        return report(f"Commune of {residents:,} residents on SQLite", data_size(url, folder),
                      measure(url, folder, root, runs))
    finally:
        if keep is None:
            shutil.rmtree(folder, ignore_errors=True)


def run_postgres(base_url: str, residents: int, runs: int, keep: Path | None, reuse: bool = False) -> bool:
    engine = create_engine(base_url)
    if not reuse:
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    separator = "&" if "?" in base_url else "?"
    url = f"{base_url}{separator}options=-csearch_path%3D{SCHEMA}"
    folder = keep or Path(tempfile.mkdtemp(prefix="bench-reports-pg-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        print(f"PostgreSQL: a demo province of {residents:,} residents in schema {SCHEMA}", flush=True)
        root = existing_root(url, True) if reuse else prepare(url, folder, residents, province=True)
        publish_as_real(url)
        # What autovacuum does to a freshly loaded database within minutes: statistics, and the
        # visibility map that lets the reports' covering indexes be read without the tables.
        with create_engine(url, isolation_level="AUTOCOMMIT").connect() as connection:
            connection.execute(text("VACUUM ANALYZE"))
        return report(f"Province of {residents:,} residents on PostgreSQL", data_size(url, folder),
                      measure(url, folder, root, runs))
    finally:
        if keep is None:
            with engine.begin() as connection:
                connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            shutil.rmtree(folder, ignore_errors=True)
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sqlite-residents", type=int, default=100_000)
    parser.add_argument("--postgres-residents", type=int, default=1_000_000)
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--keep", type=Path, help="Keep the generated data in this folder (and schema).")
    parser.add_argument("--reuse", action="store_true", help="Measure the data kept by an earlier --keep run.")
    args = parser.parse_args()
    fine = True
    if not args.skip_sqlite:
        fine &= run_sqlite(args.sqlite_residents, args.runs, args.keep and args.keep / "sqlite", args.reuse)
    if not args.skip_postgres:
        fine &= run_postgres(args.postgres_url, args.postgres_residents, args.runs, args.keep and args.keep / "pg",
                             args.reuse)
    print("\nOK: every page under one second" if fine else "\nOVER BUDGET")
    sys.exit(0 if fine else 1)


if __name__ == "__main__":
    main()
