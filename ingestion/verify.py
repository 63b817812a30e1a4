"""`python -m ingestion verify [--year Y | --series HUB_TITLE [--season Y]] [--json]`: what the database holds
(rows per racing table, rounds per season, sessions per type, the latest session that has started) and whether
each Formula 1 season (or each season of a series of The Third Turn) is complete against what its source lists
now. A series: its hub page and each season page fetched afresh through the wiki's fleet limit (one page per
5 s by default: 1 + seasons requests), their races against the rounds held here under that hub (its
identities). The year picks the source, as a sync does: the rounds of the source's index
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

from ingestion.arguments import series_title
from ingestion.exits import EXIT_FAILED, EXIT_OK, command_main
from ingestion.fetching import fetch_answer
from ingestion.preflight import database

if TYPE_CHECKING:
    import psycopg

    from workers.http import Answer
    from workers.sources.base import Request, Source

SHOWN_KEYS = 20
# What each source calls its rounds: the name of the comparison in the report ("meetings listed by OpenF1").
ROUNDS_CALLED = {"openf1": "meetings", "jolpica": "races", "thirdturn": "races"}
FORMULA_1 = "formula-1"  # without --series, the Formula 1 seasons are verified (the year picks their source)


@dataclass
class Held:
    """What the database holds of one season for its source: round keys (identities) and, for OpenF1, session keys."""

    source: "Source"
    rounds: set[str] = field(default_factory=set)
    sessions: set[int] = field(default_factory=set)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--year", help="the Formula 1 season to check (default: every one in the database)")
    which.add_argument("--series", metavar="HUB_TITLE", help="a series of The Third Turn, by its hub page's title")
    parser.add_argument("--season", help="with --series: one season (default: every season its hub lists)")
    parser.add_argument("--json", action="store_true", help="machine output")


def run(args: argparse.Namespace) -> int:
    from workers.db import audit
    from workers.errors import BadArgument
    from workers.pipeline.arguments import validate_series_season, validate_year

    if args.season is not None and args.series is None:
        raise BadArgument("--season goes with --series (a Formula 1 season is --year)")
    year = validate_year(args.year) if args.year is not None else None
    season = validate_series_season(args.season) if args.season is not None else None
    title = series_title(args.series) if args.series is not None else None
    with database() as conn:
        report = {"tables": audit.racing_counts(conn), "latest_session": audit.latest_session(conn, year)}
        if title is not None:
            report["seasons"] = series_seasons(conn, title, season)
        else:
            years = [year] if year is not None else audit.season_years(conn, FORMULA_1)
            here = {y: (audit.season_inventory(conn, y, FORMULA_1), held_here(conn, y)) for y in years}
            report["seasons"] = {y: {**inventory, **compare(y, held)} for y, (inventory, held) in here.items()}
    report["complete"] = bool(report["seasons"]) and all(s["complete"] for s in report["seasons"].values())
    print(json.dumps(report, indent=2, default=str) if args.json else text(report))
    return EXIT_OK if report["complete"] else EXIT_FAILED


def series_seasons(conn: "psycopg.Connection", title: str, season: int | str | None) -> dict[int, dict[str, Any]]:
    """Each season of a series of The Third Turn (`title` as series_title read it): the races its season page lists
    now (hub and season pages fetched afresh) against the rounds held here under that hub."""
    from workers import sources
    from workers.db import audit
    from workers.pipeline.arguments import LATEST
    from workers.rows import slugify

    source = sources.get(sources.SERIES_SOURCE).scoped(title, latest=season == LATEST)
    answers = FreshAnswers(source)
    answers.fetch(source.catalog_requests())
    slug = slugify(source.hub(answers, source.series).name)
    report = {}
    for year in source.seasons(answers, (season,) if isinstance(season, int) else ()):
        answers.fetch(source.index_requests(year, answers))
        listed = {r.key for r in source.rounds(year, answers).rounds}
        present = {k for k in audit.round_keys(conn, source.name, year) if k.startswith(f"{source.series}|")}
        found = comparison(listed, present)
        report[year] = {**audit.season_inventory(conn, year, slug), "source": source.name, "compared": ["races"],
                        "races": found, "complete": not found["missing"]}
    return report


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
        listed = source.decode("sessions", fetch_answer(source, f"sessions?year={year}"))
        found["sessions"] = comparison(keys_of(listed, "session_key"), held.sessions)
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
    answers.fetch(source.index_requests(year))
    return {r.key for r in source.rounds(year, answers).rounds}


class FreshAnswers:
    """Answers just fetched, read as a sync reads landed ones (`workers.sources.base.Landed`); they all cover the
    whole season, and an endpoint's newest answer is the last one added."""

    season = None

    def __init__(self, source: "Source") -> None:
        self.source = source
        self.answers: dict[str, list["Answer"]] = defaultdict(list)

    def fetch(self, requests: list["Request"]) -> None:
        """Each request fetched afresh through the source's client and fleet limit, kept under its endpoint."""
        for request in requests:
            self.answers[request.endpoint].append(fetch_answer(self.source, request.key))

    def records(self, endpoint: str, round_key: str | None = None) -> list[Any]:
        found = self.answers.get(endpoint)
        return self.source.decode(endpoint, found[-1]) if found else []

    def all_records(self, endpoint: str, round_key: str | None = None) -> list[Any]:
        return [r for answer in self.answers.get(endpoint, []) for r in self.source.decode(endpoint, answer)]

    def request(self, key: str) -> list[Any]:
        return self.records(key)  # a request without a query is its endpoint (a wiki page)


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
        lines.append("no season to verify (sync one, or name one with --year or --series)")
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
