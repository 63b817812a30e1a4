"""`python -m ingestion.db migrate | check | audit [--strict] | clean-racing [-y]`: the database's upkeep.

migrate       create the role/database when possible and apply pending migrations
check         check that the unique indexes the workers rely on exist
audit         duplicates, empty parents and incomplete rounds/sessions, each a defect (a writer bug or a hand
              left it) or a notice (a fact of the sport or an upstream gap); exit 1 with a defect, 0 otherwise;
              --strict: exit 1 with any finding, notices included
clean-racing  remove the racing data for a clean re-sync, keeping every row user data references
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Callable

import psycopg

from workers.db.schema import check_schema, migrate
from workers.errors import IngestionError
from workers.redaction import redact, redact_url, url_passwords
from workers.settings import SettingsError, get_settings

if TYPE_CHECKING:
    from workers.db.audit import Finding

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
EXIT_DECLINED = 1
SHOWN_PER_CHECK = 10
AUDIT_DESCRIPTION = ("A defect is what a writer bug or a careless hand leaves: duplicates, empty parents, rows that "
                     "contradict each other or upstream. A notice is a fact of the sport or an upstream gap that looks "
                     "like one: a driver who missed a session, a team with one car, a session without results in "
                     "OpenF1. Exit 0 without a defect, 1 with one (--strict: with any finding), 2 on an error.")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ingestion.db", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="create the role/database when possible and apply pending migrations")
    sub.add_parser("check", help="check that the unique indexes the workers rely on exist")
    audit = sub.add_parser("audit", help="report duplicates, empty parents and incomplete data as defects and "
                                         "notices (exit 1 with a defect)", description=AUDIT_DESCRIPTION)
    audit.add_argument("--strict", action="store_true", help="notices count too: exit 1 with any finding")
    clean = sub.add_parser("clean-racing", help="delete racing data for a clean re-sync; user data is never touched")
    clean.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    commands: dict[str, Callable[[str, argparse.Namespace], int]] = {
        "migrate": run_migrate, "check": run_check, "audit": run_audit, "clean-racing": run_clean}
    url = ""
    try:
        url = get_settings().DATABASE_URL
        return commands[args.command](url, args)
    except (SettingsError, IngestionError) as exc:
        print(f"error: {exc}", file=sys.stderr)
    except psycopg.OperationalError as exc:
        print(f"error: cannot reach PostgreSQL at {redact_url(url)}: {error_text(exc, url)}", file=sys.stderr)
    except psycopg.Error as exc:
        print(f"error: PostgreSQL refused ({type(exc).__name__}): {error_text(exc, url)}", file=sys.stderr)
    return EXIT_ERROR


def error_text(exc: psycopg.Error, url: str) -> str:
    """psycopg's message, without the password of the database URL (or any other credential)."""
    return redact(str(exc).strip(), url_passwords(url))


def run_migrate(url: str, args: argparse.Namespace) -> int:
    applied = migrate(url)
    print(f"migrations applied to {redact_url(url)}: {', '.join(applied) or 'none pending'}")
    return EXIT_OK


def run_check(url: str, args: argparse.Namespace) -> int:
    with psycopg.connect(url) as conn:
        check_schema(conn)
    print(f"schema OK on {redact_url(url)}")
    return EXIT_OK


def run_audit(url: str, args: argparse.Namespace) -> int:
    from workers.db.audit import DEFECT, audit, check_count

    with psycopg.connect(url) as conn:
        check_schema(conn)
        findings = audit(conn)
    for finding in findings:
        print_finding(finding)
    defects = sum(len(f.items) for f in findings if f.severity == DEFECT)
    notices = sum(len(f.items) for f in findings) - defects
    print(f"audit of {redact_url(url)}: {check_count()} checks, "
          + (f"{plural(defects, 'defect')}, {plural(notices, 'notice')}" if findings else "no finding")
          + (" (--strict: notices count)" if args.strict and notices else ""))
    return EXIT_FINDINGS if defects or (args.strict and notices) else EXIT_OK


def print_finding(finding: Finding) -> None:
    print(f"{finding.severity}: {finding.category}: {finding.check}: {len(finding.items)}")
    for item in finding.items[:SHOWN_PER_CHECK]:
        print(f"  {item}")
    if len(finding.items) > SHOWN_PER_CHECK:
        print(f"  … and {len(finding.items) - SHOWN_PER_CHECK} more")


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def run_clean(url: str, args: argparse.Namespace) -> int:
    from workers.db.clean import clean_racing

    with psycopg.connect(url) as conn:
        check_schema(conn)
        show_racing_data(conn, url)
        conn.rollback()  # no transaction (and no lock) stays open while the operator reads the prompt
        refusal = None if args.yes else unconfirmed()
        if refusal is not None:
            return refusal
        with conn.transaction():
            report = clean_racing(conn)
    print("deleted " + ", ".join(f"{n} {t}" for t, n in report.deleted.items()))
    kept = [f"{n} {t}" for t, n in report.kept.items() if n]
    print(f"kept {', '.join(kept)} referenced by user data ({', '.join(report.protected)})" if kept
          else "kept no racing row: no user data references one")
    return EXIT_OK


def show_racing_data(conn: psycopg.Connection, url: str) -> None:
    from workers.db.audit import racing_counts
    from workers.db.clean import active_runs

    counts, running = racing_counts(conn), active_runs(conn)
    print(f"racing data in {redact_url(url)}: " + ", ".join(f"{t} {n}" for t, n in counts.items()))
    if running:
        print(f"warning: {running} sync run(s) still running; they may write racing rows again")


def unconfirmed() -> int | None:
    """None when the operator typed yes on a terminal; else the exit code (2: no terminal to ask on)."""
    if not sys.stdin.isatty():
        print("refusing to delete without confirmation: stdin is not a terminal; pass -y to confirm", file=sys.stderr)
        return EXIT_ERROR
    if not confirmed():
        print("nothing deleted")
        return EXIT_DECLINED
    return None


def confirmed() -> bool:
    try:
        answer = input("Delete the racing data above (rows user data references are kept)? Type 'yes' to confirm: ")
    except EOFError:
        return False
    return answer.strip().lower() == "yes"


if __name__ == "__main__":
    sys.exit(main())
