"""`python -m ingestion verify [--year Y | --series HUB_TITLE [--season Y]] [--json]`: what the database holds
(rows per racing table, rounds per season, sessions per type, the latest session that has started) and whether
each Formula 1 season (or each season of a series of The Third Turn) is complete against what its source lists
now. A series: its hub page and each season page fetched afresh through the wiki's fleet limit (one page per
5 s by default: 1 + seasons requests), their races against the rounds held here under that hub (its
identities). The year picks the source, as a sync does; the source says what to fetch afresh
(`Source.verify_requests`: its index by default, OpenF1's `/meetings?year=` and `/sessions?year=`, Jolpica's
`/{season}.json`) and what it lists (`Source.listed`: its rounds, and OpenF1's sessions), each compared with the
keys it holds here (its identities, docs/identity.md). So an OpenF1 season costs two requests and a history
season one, within the source's fleet limit. Missing rounds are named by their key (an OpenF1 meeting key, a
Jolpica `season/round`). Exit 0 when every season
checked is complete, 1 when something is missing (or when the database holds no season and none was asked for).
Never prints a result."""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--year", help="the championship's season to check (default: every one in the database)")
    which.add_argument("--series", metavar="HUB_TITLE", help="a series of the scope source, by its hub page's title")
    parser.add_argument("--season", help="with --series: one season (default: every season its hub lists)")
    parser.add_argument("--json", action="store_true", help="machine output")


def run(args: argparse.Namespace) -> int:
    from workers import sources
    from workers.db import audit
    from workers.errors import BadArgument
    from workers.pipeline.arguments import validate_series_season, validate_year

    if args.season is not None and args.series is None:
        raise BadArgument("--season goes with --series (a season of the championship is --year)")
    year = validate_year(args.year) if args.year is not None else None
    season = validate_series_season(args.season) if args.season is not None else None
    title = series_title(args.series) if args.series is not None else None
    with database() as conn:
        report = {"tables": audit.racing_counts(conn), "latest_session": audit.latest_session(conn, year)}
        if title is not None:
            report["seasons"] = series_seasons(conn, title, season)
        else:
            championship = sources.default_championship()  # the year picks its source, as a sync's does
            years = [year] if year is not None else audit.season_years(conn, championship)
            report["seasons"] = {y: {**audit.season_inventory(conn, y, championship), **compare(conn, y)}
                                 for y in years}
    report["complete"] = bool(report["seasons"]) and all(s["complete"] for s in report["seasons"].values())
    print(json.dumps(report, indent=2, default=str) if args.json else text(report))
    return EXIT_OK if report["complete"] else EXIT_FAILED


def series_seasons(conn: "psycopg.Connection", title: str, season: int | str | None) -> dict[int, dict[str, Any]]:
    """Each season of a series of the scope source (`title` as series_title read it): what its pages list now
    (fetched afresh) against the keys held here under that series."""
    from workers import sources
    from workers.db import audit
    from workers.pipeline.arguments import LATEST

    source = sources.scope_source().scoped(title, latest=season == LATEST)
    answers = FreshAnswers(source)
    answers.fetch(source.catalog_requests())
    slug = source.series_slug(answers)
    report = {}
    for year in source.seasons(answers, (season,) if isinstance(season, int) else ()):
        report[year] = {**audit.season_inventory(conn, year, slug), **against(conn, source, year, answers)}
    return report


def season_source(year: int) -> "Source | None":
    """The source a sync of the year reads (None: no source covers it, e.g. a season written by hand)."""
    from workers import sources
    from workers.errors import BadArgument

    try:
        return sources.for_season(year)
    except BadArgument:
        return None


def compare(conn: "psycopg.Connection", year: int) -> dict[str, Any]:
    """The season as its source lists it now against what is held here."""
    source = season_source(year)
    if source is None:
        return {"source": None, "compared": [], "complete": False,
                "error": f"no source covers the {year} season: nothing to compare it with"}
    return against(conn, source, year, FreshAnswers(source))


def against(conn: "psycopg.Connection", source: "Source", year: int, answers: "FreshAnswers") -> dict[str, Any]:
    """What the source lists of the season (`Source.listed`, from its `verify_requests` fetched afresh) against
    the identities it holds here, one comparison per list (rounds; OpenF1's sessions too)."""
    from workers.db import audit

    answers.fetch(source.verify_requests(year, answers))
    found = {}
    for listed in source.listed(year, answers):
        keys = audit.identity_keys(conn, source.name, listed.kind, year)
        held = {k for k in keys if k.startswith(listed.held_prefix)}
        found[listed.name] = comparison(set(listed.keys), held)
    return {"source": source.name, "compared": list(found), **found,
            "complete": not any(f["missing"] for f in found.values())}


def comparison(listed: set[Any], present: set[Any]) -> dict[str, Any]:
    return {"upstream": len(listed), "present": len(listed & present), "missing": in_order(listed - present),
            "not_upstream": in_order(present - listed)}


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
