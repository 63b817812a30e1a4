"""`python -m ingestion.db migrate|check`: apply the schema migrations, or check the required indexes."""

from __future__ import annotations

import argparse
import sys

import psycopg

from workers.db.schema import check_schema, migrate
from workers.errors import IngestionError
from workers.settings import SettingsError, get_settings, redact_url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingestion.db", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="create the role/database when possible and apply pending migrations")
    sub.add_parser("check", help="check that the unique indexes the workers rely on exist")
    args = parser.parse_args(argv)
    try:
        url = get_settings().DATABASE_URL
        if args.command == "migrate":
            applied = migrate(url)
            print(f"migrations applied to {redact_url(url)}: {', '.join(applied) or 'none pending'}")
        else:
            with psycopg.connect(url) as conn:
                check_schema(conn)
            print(f"schema OK on {redact_url(url)}")
    except (SettingsError, IngestionError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except psycopg.OperationalError as exc:
        print(f"error: cannot reach PostgreSQL at {redact_url(url)}: {str(exc).strip()}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
