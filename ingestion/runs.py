"""`python -m ingestion runs [--limit N] [--json]`: the latest sync runs, newest first, with their round
counts, requests, rows written and deleted, quarantined records and error (counts only, never a result)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from typing import Any

from ingestion.follow import EXIT_OK, command_main, database, run_seconds
from workers.errors import BadArgument

HELP = "list the latest sync runs"
ERROR_WIDTH = 60
COLUMNS = ("id", "kind", "source", "arguments", "status", "started", "duration", "rounds d/f/t", "requests",
           "rows w/d", "quarantined", "retries/throttles/resent", "error")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--limit", type=int, default=20, help="how many runs (default 20, at most 1000)")
    parser.add_argument("--json", action="store_true", help="machine output: a JSON list of runs")


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.limit <= 1000:
        raise BadArgument(f"--limit must be between 1 and 1000, got {args.limit}")
    from workers.db.runs import list_runs

    with database() as conn:
        found = list_runs(conn, args.limit)
    print(json.dumps([as_json(r) for r in found], indent=2) if args.json else table(found))
    return EXIT_OK


def as_json(run: dict[str, Any]) -> dict[str, Any]:
    return {**{k: v.isoformat(timespec="seconds") if isinstance(v, datetime) else v for k, v in run.items()},
            "duration_seconds": round(run_seconds(run), 3)}


def table(found: list[dict[str, Any]]) -> str:
    if not found:
        return "no sync run recorded yet"
    rows = [COLUMNS] + [row_of(r) for r in found]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows)


def row_of(run: dict[str, Any]) -> tuple[str, ...]:
    total = "?" if run["rounds_total"] is None else str(run["rounds_total"])
    return (run["id"], run["kind"], run["source"], arguments_text(run["arguments"]), run["status"],
            run["started_at"].astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ"), duration(run),
            f"{run['rounds_done']}/{run['rounds_failed']}/{total}", str(run["requests"]),
            f"{run['rows_written']}/{run['rows_deleted']}", str(run["quarantined"]),
            f"{run['retries']}/{run['throttles']}/{run['resent']}", truncate(notes(run)))


def notes(run: dict[str, Any]) -> str:
    """The run's error, else its first round's; and the endpoints that fell back to per-round requests."""
    text = run["error"] or run["first_round_error"] or ""
    if run["fallbacks"]:
        text = f"fallback per round: {', '.join(run['fallbacks'])}" + (f"; {text}" if text else "")
    return text


def arguments_text(arguments: dict[str, Any] | None) -> str:
    return " ".join(f"{k}={json.dumps(v)}" for k, v in (arguments or {}).items())


def duration(run: dict[str, Any]) -> str:
    seconds = run_seconds(run)
    text = f"{seconds:.1f}s" if seconds < 120 else f"{seconds / 60:.1f}min"
    return text if run["finished_at"] else f"{text}+"


def truncate(text: str, width: int = ERROR_WIDTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def main(argv: list[str] | None = None) -> int:
    return command_main(sys.modules[__name__], argv)


if __name__ == "__main__":
    sys.exit(main())
