"""`runs [--limit N] [--json]`: the latest sync runs, newest first, with their round counts, requests, rows
written and deleted, quarantined records and error. `runs show RUN_ID [--json]`: one run whole: its rounds (state,
counts, retries, error each), its errors, why it last retried, and the records it quarantined (their reasons,
never their payload). Counts and keys only, never a result."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from typing import Any

from ingestion.arguments import checked_limit, run_id
from ingestion.exits import EXIT_OK, command_main, program
from ingestion.preflight import database
from ingestion.progress import run_seconds

ERROR_WIDTH = 60
SHOWN_QUARANTINED = 50  # quarantined records listed by `runs show` (--json lists every one)
COLUMNS = ("id", "kind", "source", "arguments", "status", "started", "duration", "rounds d/f/t", "requests",
           "rows w/d", "quarantined", "retries/throttles/resent", "error")
ROUND_COLUMNS = ("season", "round", "status", "requests", "rows w/d", "quarantined", "retries/throttles/resent",
                 "error")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--limit", type=int, default=20, help="how many runs (default 20, at most 1000)")
    parser.add_argument("--json", action="store_true", help="machine output: a JSON list of runs")
    actions = parser.add_subparsers(dest="action", metavar="show RUN_ID")
    show = actions.add_parser("show", help="one run: its rounds, errors, retries and quarantined records",
                              description=__doc__)
    show.add_argument("run_id", type=run_id, help="the run's id, as `sync` printed it or `runs` lists it")
    show.add_argument("--json", action="store_true", help="machine output: the run, its rounds and quarantined "
                                                          "records")


def run(args: argparse.Namespace) -> int:
    if getattr(args, "action", None) == "show":
        return show(args.run_id, args.json)
    from workers.db.runs import list_runs

    checked_limit(args.limit)
    with database() as conn:
        found = list_runs(conn, args.limit)
    print(json.dumps([as_json(r) for r in found], indent=2) if args.json else table(found))
    return EXIT_OK


def show(wanted: str, as_json: bool) -> int:
    from workers.db.runs import get_run, run_quarantined, run_rounds
    from workers.errors import BadArgument

    with database() as conn:
        found = get_run(conn, wanted)
        if found is None:
            raise BadArgument(f"no run {wanted} is recorded here (`{program()} runs` lists them)")
        rounds, quarantined = run_rounds(conn, wanted), run_quarantined(conn, wanted)
    if as_json:
        print(json.dumps({**as_json_run(found), "rounds": [stamped(r) for r in rounds], "quarantined": quarantined},
                         indent=2))
    else:
        print(shown(found, rounds, quarantined))
    return EXIT_OK


def shown(found: dict[str, Any], rounds: list[dict[str, Any]], quarantined: list[dict[str, Any]]) -> str:
    """A run as `runs show` prints it: the run, its rounds (a table), errors and quarantined records."""
    lines = [f"run {found['id']}: {found['kind']} of {found['source']} ({arguments_text(found['arguments'])}), "
             f"{found['status']}, started {found['started_at'].astimezone(timezone.utc):%Y-%m-%d %H:%M:%S}Z, "
             f"{duration(found)}",
             f"rounds {found['rounds_done']} done, {found['rounds_failed']} failed of "
             f"{'?' if found['rounds_total'] is None else found['rounds_total']}; {found['requests']} requests; "
             f"{found['rows_written']} rows written, {found['rows_deleted']} deleted; {found['quarantined']} "
             f"quarantined; {found['retries']} retries, {found['throttles']} rate-limit waits, {found['resent']} "
             "resent"]
    if found["fallbacks"]:
        lines.append(f"fell back to one request per round: {', '.join(found['fallbacks'])}")
    if found["error"]:
        lines.append(f"error: {found['error']}")
    if found["last_retry"]:
        lines.append(f"last retry ({found['last_retry_at'].astimezone(timezone.utc):%Y-%m-%d %H:%M:%S}Z): "
                     f"{found['last_retry']}")
    lines += ["", rounds_table(rounds) if rounds else "no round planned yet"]
    errors = [r for r in rounds if r["error"]]
    if errors:
        lines += ["", f"round errors ({len(errors)}):"] + [f"  {r['round']}: {r['error']}" for r in errors]
    lines += ["", f"quarantined records ({len(quarantined)}):" if quarantined else "no quarantined record"]
    lines += [f"  {q['round'] or '(index)'} {q['endpoint']}" + (f" {q['record_key']}" if q["record_key"] else "")
              + f": {q['reason']}" for q in quarantined[:SHOWN_QUARANTINED]]
    if len(quarantined) > SHOWN_QUARANTINED:
        lines.append(f"  … and {len(quarantined) - SHOWN_QUARANTINED} more (--json lists every one)")
    return "\n".join(lines)


def rounds_table(rounds: list[dict[str, Any]]) -> str:
    rows = [ROUND_COLUMNS] + [(str(r["season"] if r["season"] is not None else ""), r["round"], r["status"],
                               str(r["requests"]), f"{r['rows_written']}/{r['rows_deleted']}", str(r["quarantined"]),
                               f"{r['retries']}/{r['throttles']}/{r['resent']}", truncate(r["error"] or ""))
                              for r in rounds]
    return aligned(rows)


def aligned(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows)


def stamped(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat(timespec="seconds") if isinstance(v, datetime) else v for k, v in values.items()}


def as_json_run(found: dict[str, Any]) -> dict[str, Any]:
    return {**stamped(found), "duration_seconds": round(run_seconds(found), 3)}


def as_json(found: dict[str, Any]) -> dict[str, Any]:
    return as_json_run(found)


def table(found: list[dict[str, Any]]) -> str:
    if not found:
        return "no sync run recorded yet"
    return aligned([COLUMNS] + [row_of(r) for r in found])


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
