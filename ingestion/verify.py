"""`python -m ingestion verify [--year Y] [--json]`: what the database holds (rows per racing table, rounds
per season, sessions per type, the latest session that has started) and whether each season is complete
against what OpenF1 lists now (`/meetings?year=` and `/sessions?year=`, two requests per season), naming
the missing keys. Exit 0 when every season checked is complete, 1 when something is missing (or when the
database holds no season and none was asked for). Never prints a result."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ingestion.follow import EXIT_FAILED, EXIT_OK, command_main, database
from ingestion.record import fetch

HELP = "check each season against what OpenF1 lists, with counts per table, round and session type"
SHOWN_KEYS = 20


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--year", help="the season to check (default: every season in the database)")
    parser.add_argument("--json", action="store_true", help="machine output")


def run(args: argparse.Namespace) -> int:
    from workers.db import audit
    from workers.pipeline.arguments import validate_year

    year = validate_year(args.year) if args.year is not None else None
    with database() as conn:
        report = {"tables": audit.racing_counts(conn), "latest_session": audit.latest_session(conn, year)}
        years = [year] if year is not None else audit.season_years(conn)
        here = {y: (audit.season_inventory(conn, y), audit.season_keys(conn, y)) for y in years}
    report["seasons"] = {y: {**inventory, **compare(y, *keys)} for y, (inventory, keys) in here.items()}
    report["complete"] = bool(years) and all(s["complete"] for s in report["seasons"].values())
    print(json.dumps(report, indent=2, default=str) if args.json else text(report))
    return EXIT_OK if report["complete"] else EXIT_FAILED


def compare(year: int, meetings_here: set[int], sessions_here: set[int]) -> dict[str, Any]:
    """The season's meetings and sessions as OpenF1 lists them against the keys present here."""
    listed = {"meetings": keys_of(fetch("meetings", year=year), "meeting_key"),
              "sessions": keys_of(fetch("sessions", year=year), "session_key")}
    present = {"meetings": meetings_here, "sessions": sessions_here}
    found = {kind: {"upstream": len(listed[kind]), "present": len(listed[kind] & present[kind]),
                    "missing": sorted(listed[kind] - present[kind]),
                    "not_upstream": sorted(present[kind] - listed[kind])} for kind in listed}
    return {**found, "complete": not any(found[kind]["missing"] for kind in found)}


def keys_of(records: list[Any], field: str) -> set[int]:
    return {r[field] for r in records if isinstance(r, dict) and isinstance(r.get(field), int)}


def text(report: dict[str, Any]) -> str:
    lines = ["racing tables: " + ", ".join(f"{t} {n}" for t, n in report["tables"].items())]
    latest = report["latest_session"]
    lines.append("latest session: " + (
        f"{latest['year']} round {latest['round_number']} {latest['round']}, {latest['type']} "
        f"(session {latest['session_key']}), started {latest['start_time_utc']:%Y-%m-%d %H:%M}Z, {latest['status']}"
        if latest else "none has started"))
    if not report["seasons"]:
        lines.append("no season in the database: nothing to verify (sync one, or name one with --year)")
    for year, season in report["seasons"].items():
        lines += season_text(year, season)
    return "\n".join(lines)


def season_text(year: int, season: dict[str, Any]) -> list[str]:
    types = ", ".join(f"{name} {n}" for name, n in season["sessions_by_type"].items()) or "none"
    lines = [f"season {year}: {season['rounds']} rounds ({season['championship_rounds']} championship), "
             f"sessions: {types}"]
    for kind in ("meetings", "sessions"):
        found = season[kind]
        line = f"  {kind} listed by OpenF1 {found['upstream']}, present here {found['present']}"
        if found["missing"]:
            line += f"; missing {len(found['missing'])}: {shown(found['missing'])}"
        if found["not_upstream"]:
            line += f"; here but no longer listed upstream {len(found['not_upstream'])}: {shown(found['not_upstream'])}"
        lines.append(line)
    lines.append(f"  season {year}: " + ("complete" if season["complete"] else "INCOMPLETE"))
    return lines


def shown(keys: list[int]) -> str:
    head = ", ".join(map(str, keys[:SHOWN_KEYS]))
    return head + (f" … and {len(keys) - SHOWN_KEYS} more" if len(keys) > SHOWN_KEYS else "")


def main(argv: list[str] | None = None) -> int:
    return command_main(sys.modules[__name__], argv)


if __name__ == "__main__":
    sys.exit(main())
