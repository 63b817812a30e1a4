"""`db migrate | check | audit [--strict] [--json] | clean-racing [-y]`: the database's upkeep.

migrate       create the role/database when possible and apply pending migrations
check         check that the unique indexes the workers rely on exist
audit         duplicates, empty parents and incomplete rounds/sessions, each a defect (a writer bug or a hand
              left it) or a notice (a fact of the sport or an upstream gap); exit 1 with a defect, 0 otherwise;
              --strict: exit 1 with any finding, notices included; --json: the findings as one JSON object
clean-racing  remove the racing data for a clean re-sync, keeping every row user data references
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Callable

from ingestion.exits import EXIT_FAILED, EXIT_OK, EXIT_USAGE, exit_code_table, run_command
from ingestion.preflight import database

if TYPE_CHECKING:
    import psycopg

    from workers.db.audit import Finding

EXIT_FINDINGS = EXIT_FAILED
EXIT_DECLINED = EXIT_FAILED
SHOWN_PER_CHECK = 10
AUDIT_DESCRIPTION = ("A defect is what a writer bug or a careless hand leaves: duplicates, empty parents, rows that "
                     "contradict each other or upstream. A notice is a fact of the sport or an upstream gap that looks "
                     "like one: a driver who missed a session, a team with one car, a session without results in "
                     "OpenF1. Exit 0 without a defect, 1 with one (--strict: with any finding).")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="{migrate,check,audit,clean-racing}")
    sub.add_parser("migrate", help="create the role/database when possible and apply pending migrations")
    sub.add_parser("check", help="check that the unique indexes the workers rely on exist")
    audit = sub.add_parser("audit", help="report duplicates, empty parents and incomplete data as defects and "
                                         "notices (exit 1 with a defect)", description=AUDIT_DESCRIPTION)
    audit.add_argument("--strict", action="store_true", help="notices count too: exit 1 with any finding")
    audit.add_argument("--json", action="store_true", help="machine output: the findings and their counts")
    clean = sub.add_parser("clean-racing", help="delete racing data for a clean re-sync; user data is never touched")
    clean.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")


def run(args: argparse.Namespace) -> int:
    from workers.settings import get_settings

    commands: dict[str, Callable[[str, argparse.Namespace], int]] = {
        "migrate": run_migrate, "check": run_check, "audit": run_audit, "clean-racing": run_clean}
    return commands[args.action](get_settings().DATABASE_URL, args)


def build_parser() -> argparse.ArgumentParser:
    from ingestion.arguments import Parser

    parser = Parser(prog="python -m ingestion.db", description=__doc__, epilog=exit_code_table(),
                    formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    """`python -m ingestion.db …` (the seed's spelling): the same command as `parcferme db …`."""
    return run_command(run, build_parser().parse_args(argv))


def run_migrate(url: str, args: argparse.Namespace) -> int:
    from workers.db.schema import migrate
    from workers.redaction import redact_url

    applied = migrate(url)
    print(f"migrations applied to {redact_url(url)}: {', '.join(applied) or 'none pending'}")
    return EXIT_OK


def run_check(url: str, args: argparse.Namespace) -> int:
    from workers.redaction import redact_url

    with database():
        pass
    print(f"schema OK on {redact_url(url)}")
    return EXIT_OK


def run_audit(url: str, args: argparse.Namespace) -> int:
    from workers import sources
    from workers.db.audit import DEFECT, audit, check_count
    from workers.redaction import redact_url

    rules = sources.audit_rules()  # each source's rules: the engine names none
    with database() as conn:
        findings = audit(conn, rules)
    defects = sum(len(f.items) for f in findings if f.severity == DEFECT)
    notices = sum(len(f.items) for f in findings) - defects
    failed = bool(defects or (args.strict and notices))
    if args.json:
        print(json.dumps({"database": redact_url(url), "checks": check_count(rules), "defects": defects,
                          "notices": notices, "strict": args.strict, "ok": not failed,
                          "findings": [{"severity": f.severity, "category": f.category, "check": f.check,
                                        "count": len(f.items), "items": list(f.items)} for f in findings]},
                         indent=2, default=str))
        return EXIT_FINDINGS if failed else EXIT_OK
    for finding in findings:
        print_finding(finding)
    print(f"audit of {redact_url(url)}: {check_count(rules)} checks, "
          + (f"{plural(defects, 'defect')}, {plural(notices, 'notice')}" if findings else "no finding")
          + (" (--strict: notices count)" if args.strict and notices else ""))
    return EXIT_FINDINGS if failed else EXIT_OK


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

    with database() as conn:
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


def show_racing_data(conn: "psycopg.Connection", url: str) -> None:
    from workers.db.audit import racing_counts
    from workers.db.clean import active_runs
    from workers.redaction import redact_url

    counts, running = racing_counts(conn), active_runs(conn)
    print(f"racing data in {redact_url(url)}: " + ", ".join(f"{t} {n}" for t, n in counts.items()))
    if running:
        print(f"warning: {running} sync run(s) still running; they may write racing rows again")


def unconfirmed() -> int | None:
    """None when the operator typed yes on a terminal; else the exit code (2: no terminal to ask on)."""
    if not sys.stdin.isatty():
        print("error: refusing to delete without confirmation: stdin is not a terminal; pass -y to confirm",
              file=sys.stderr)
        return EXIT_USAGE
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
