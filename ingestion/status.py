"""`status [--json] [--limit N]`: where each source stands, for an operator.

Per source: its last successful read (the newest answer it gave that the workers kept). For a source whose season
is followed live (OpenF1): the rounds under way, whether it refuses reads now (a session runs and it locks its
free tier out), and what is due next in time order: session starts and ends (each moves a status, no request),
calendar reads, results looks and correction reads (when each read may be sent, and why). Read from the database
only: no request, no broker. Never prints a result."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import Any

from ingestion.arguments import checked_limit
from ingestion.exits import EXIT_OK, command_main
from ingestion.preflight import database


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--limit", type=int, default=12, help="upcoming events shown per source (default 12)")
    parser.add_argument("--json", action="store_true", help="machine output")


def run(args: argparse.Namespace) -> int:
    checked_limit(args.limit)
    from workers import sources
    from workers.db import follow as follow_db
    from workers.pipeline import follow
    from workers.pipeline.resources import utcnow
    from workers.settings import get_settings

    now, rules = utcnow(), follow.Rules.from_settings(get_settings())
    report: dict[str, Any] = {"now": now, "sources": {}}
    with database() as conn:
        for source in sources.all_sources():
            entry: dict[str, Any] = {"label": source.label, "last_read": follow_db.last_landed(conn, source.name),
                                     "follows_live": source.follows_live}
            if source.follows_live:
                entry.update(followed(follow.load(conn, source, rules, now), rules, now, args.limit))
            report["sources"][source.name] = entry
    print(json.dumps(report, indent=2, default=_json) if args.json else text(report))
    return EXIT_OK


def followed(state: Any, rules: Any, now: datetime, limit: int) -> dict[str, Any]:
    """The rounds under way, the lock-out, and the next events (session starts and ends, reads) of a source."""
    from workers.pipeline import follow
    from workers.rows import SessionType

    names = {r.key: r.name for r in state.rounds}
    events = [{"at": s.start if s.start > now else s.end, "event": "session start" if s.start > now else "session end",
               "round": r.key, "name": r.name, "session": SessionType(s.type).name}
              for r in state.rounds for s in r.held if s.end > now]
    events += [{"at": read.at, "event": _read_name(read), "round": read.round_key, "name": names.get(read.round_key),
                "why": read.why} for read in follow.plan(state, rules, now)]
    return {"locked_out": bool(state.locked_while_live and follow.running_sessions(state, now)),
            "under_way": [{"round": r.key, "name": r.name, "start": r.start, "end": r.end}
                          for r in state.rounds if r.held and r.start <= now < r.end],
            "next": sorted(events, key=lambda e: e["at"])[:limit]}


def _read_name(read: Any) -> str:
    if read.what == "calendar":
        return "calendar read"
    return "results look" if read.correction is None else f"correction read {read.correction}"


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _at(moment: datetime | None) -> str:
    return "never" if moment is None else f"{moment:%Y-%m-%d %H:%M:%S}Z"


def text(report: dict[str, Any]) -> str:
    lines = [f"now {_at(report['now'])}"]
    for name, entry in report["sources"].items():
        lines.append(f"{name} ({entry['label']}): last successful read {_at(entry['last_read'])}"
                     + ("" if entry["follows_live"] else "; its season is not followed live"))
        if not entry["follows_live"]:
            continue
        lines.append("  locked out now (a session runs): " + ("yes" if entry["locked_out"] else "no"))
        under_way = ", ".join(f"{r['round']} {r['name']} ({_at(r['start'])} to {_at(r['end'])})"
                              for r in entry["under_way"])
        lines.append(f"  rounds under way: {under_way or 'none'}")
        lines.append("  next:" if entry["next"] else "  next: nothing due")
        for event in entry["next"]:
            what = " ".join(str(part) for part in (event.get("round"), event.get("name"), event.get("session"))
                            if part)
            why = f" ({event['why']})" if event.get("why") else ""
            lines.append(f"    {_at(event['at'])}  {event['event']:<20} {what}{why}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    return command_main(sys.modules[__name__], argv)


if __name__ == "__main__":
    sys.exit(main())
