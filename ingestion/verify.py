"""`python -m ingestion verify [--year Y] [--json]`: what the database holds (rows per racing table, rounds
per season, sessions per type, the latest session that has started) and whether each season is complete
against what its source lists now. The year picks the source, as a sync does: the rounds of the source's index
(OpenF1 `/meetings?year=`, Jolpica `/{season}.json`), fetched afresh and read by the source, against the rounds
the source holds here (its identities, SPEC §6); for OpenF1 also `/sessions?year=` against the session keys
here. So an OpenF1 season costs two requests and a history season one, within the source's fleet limit. Missing
rounds are named by their key (an OpenF1 meeting key, a Jolpica `season/round`). Exit 0 when every season
checked is complete, 1 when something is missing (or when the database holds no season and none was asked for).
Never prints a result."""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

from ingestion.follow import EXIT_FAILED, EXIT_OK, command_main, database
from ingestion.record import fetch, fetch_answer

if TYPE_CHECKING:
    import psycopg

    from workers.http import Answer
    from workers.sources.base import Source

HELP = "check each season against what its source lists, with counts per table, round and session type"
SHOWN_KEYS = 20
# What each source calls its rounds: the name of the comparison in the report ("meetings listed by OpenF1").
ROUNDS_CALLED = {"openf1": "meetings", "jolpica": "races"}


@dataclass
class Held:
    """What the database holds of one season for its source: round keys (identities) and, for OpenF1, session keys."""

    source: "Source"
    rounds: set[str] = field(default_factory=set)
    sessions: set[int] = field(default_factory=set)


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
        here = {y: (audit.season_inventory(conn, y), held_here(conn, y)) for y in years}
    report["seasons"] = {y: {**inventory, **compare(y, held)} for y, (inventory, held) in here.items()}
    report["complete"] = bool(years) and all(s["complete"] for s in report["seasons"].values())
    print(json.dumps(report, indent=2, default=str) if args.json else text(report))
    return EXIT_OK if report["complete"] else EXIT_FAILED


def season_source(year: int) -> "Source | None":
    """The source a sync of the year reads (None: no source covers it, e.g. a season written by hand)."""
    from workers import sources
    from workers.errors import BadArgument

    try:
        return sources.for_season(year)
    except BadArgument:
        return None


def held_here(conn: "psycopg.Connection", year: int) -> Held | None:
    from workers.db import audit

    source = season_source(year)
    if source is None:
        return None
    sessions = audit.openf1_session_keys(conn, year) if source.name == "openf1" else set()
    return Held(source, audit.round_keys(conn, source.name, year), sessions)


def compare(year: int, held: Held | None) -> dict[str, Any]:
    """The season's rounds (and OpenF1's sessions) as its source lists them now against those held here."""
    if held is None:
        return {"source": None, "compared": [], "complete": False,
                "error": f"no source covers the {year} season: nothing to compare it with"}
    source = held.source
    found = {rounds_called(source.name): comparison(upstream_rounds(source, year), held.rounds)}
    if source.name == "openf1":  # OpenF1 lists every session of a season too (one request more)
        found["sessions"] = comparison(keys_of(fetch("sessions", year=year), "session_key"), held.sessions)
    return {"source": source.name, "compared": list(found), **found,
            "complete": not any(f["missing"] for f in found.values())}


def rounds_called(source: str) -> str:
    return ROUNDS_CALLED.get(source, "listed_rounds")


def comparison(listed: set[Any], present: set[Any]) -> dict[str, Any]:
    return {"upstream": len(listed), "present": len(listed & present), "missing": in_order(listed - present),
            "not_upstream": in_order(present - listed)}


def upstream_rounds(source: "Source", year: int) -> set[str]:
    """The round keys the source's index of the season lists now: its index requests fetched afresh (through
    its client and fleet limit), decoded and read by the source as a sync reads them."""
    answers = FreshAnswers(source)
    for request in source.index_requests(year):
        answers.add(request.endpoint, fetch_answer(source, request.key))
    return {r.key for r in source.rounds(year, answers).rounds}


class FreshAnswers:
    """Answers just fetched, read as a sync reads landed ones (`workers.sources.base.Landed`); they all cover the
    whole season, and an endpoint's newest answer is the last one added."""

    def __init__(self, source: "Source") -> None:
        self.source = source
        self.answers: dict[str, list["Answer"]] = defaultdict(list)

    def add(self, endpoint: str, answer: "Answer") -> None:
        self.answers[endpoint].append(answer)

    def records(self, endpoint: str, round_key: str | None = None) -> list[Any]:
        found = self.answers.get(endpoint)
        return self.source.decode(endpoint, found[-1]) if found else []

    def all_records(self, endpoint: str, round_key: str | None = None) -> list[Any]:
        return [r for answer in self.answers.get(endpoint, []) for r in self.source.decode(endpoint, answer)]


def keys_of(records: list[Any], key: str) -> set[int]:
    return {r[key] for r in records if isinstance(r, dict) and isinstance(r.get(key), int)}


def in_order(keys: Iterable[Any]) -> list[Any]:
    """Keys in natural order: numbers as numbers, `1988/5` before `1988/12`."""
    def parts(key: Any) -> tuple:
        return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in str(key).split("/"))
    return sorted(keys, key=parts)


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
    if season["source"] is None:
        lines.append(f"  {season['error']}")
    for kind in season["compared"]:
        found = season[kind]
        label = source_label(season["source"])
        line = f"  {kind} listed by {label} {found['upstream']}, present here {found['present']}"
        if found["missing"]:
            line += f"; missing {len(found['missing'])}: {shown(found['missing'])}"
        if found["not_upstream"]:
            line += f"; here but no longer listed upstream {len(found['not_upstream'])}: {shown(found['not_upstream'])}"
        lines.append(line)
    lines.append(f"  season {year}: " + ("complete" if season["complete"] else "INCOMPLETE"))
    return lines


def source_label(name: str) -> str:
    from workers import sources

    return sources.get(name).label


def shown(keys: list[Any]) -> str:
    head = ", ".join(map(str, keys[:SHOWN_KEYS]))
    return head + (f" … and {len(keys) - SHOWN_KEYS} more" if len(keys) > SHOWN_KEYS else "")


def main(argv: list[str] | None = None) -> int:
    return command_main(sys.modules[__name__], argv)


if __name__ == "__main__":
    sys.exit(main())
