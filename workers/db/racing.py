"""Writes of the racing tables (SPEC §1), one transaction per meeting step, on SPEC's keys."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import psycopg

from workers.db.upsert import TableSpec, ids_by, upsert_rows
from workers.mapping import SERIES, EntrantRows, SessionInfo, SessionStatus, SessionType

# Shared identities (circuits, drivers, teams) take their attributes from the latest round that uses
# them, whatever order meetings are synced in: an earlier round never overwrites a later one's values.
_LATER_ROUND_USES_CIRCUIT = (
    'NOT EXISTS (SELECT 1 FROM "Rounds" r WHERE r."CircuitId" = "Circuits"."Id" AND r."DateStart" > %(_since)s)'
)
_LATER_ROUND_USES = (
    'NOT EXISTS (SELECT 1 FROM "Entrants" e JOIN "Rounds" r ON r."Id" = e."RoundId" '
    'WHERE e."{col}" = "{table}"."Id" AND r."DateStart" > %(_since)s)'
)

SERIES_T = TableSpec("Series", ("Slug",), ("Name", "Slug"))
SEASONS_T = TableSpec("Seasons", ("SeriesId", "Year"), ("SeriesId", "Year"))
CIRCUITS_T = TableSpec("Circuits", ("Slug",), ("Name", "Slug", "Location", "Country", "CountryCode", "LayoutMapUrl"),
                       guard=_LATER_ROUND_USES_CIRCUIT)
ROUNDS_T = TableSpec("Rounds", ("Slug",), ("SeasonId", "CircuitId", "Name", "Slug", "RoundNumber", "DateStart",
                                          "DateEnd", "OpenF1MeetingKey"))
SESSIONS_T = TableSpec("Sessions", ("OpenF1SessionKey",), ("RoundId", "Type", "StartTimeUtc", "Status",
                                                            "OpenF1SessionKey"))
DRIVERS_T = TableSpec("Drivers", ("Slug",), ("FirstName", "LastName", "Slug", "Abbreviation", "Nationality",
                                            "HeadshotUrl", "DriverNumber"),
                      guard=_LATER_ROUND_USES.format(col="DriverId", table="Drivers"))
TEAMS_T = TableSpec("Teams", ("Slug",), ("Name", "Slug", "PrimaryColor"),
                    guard=_LATER_ROUND_USES.format(col="TeamId", table="Teams"))
ENTRANTS_T = TableSpec("Entrants", ("RoundId", "DriverId", "TeamId"), ("RoundId", "DriverId", "TeamId", "CarNumber"))
RESULTS_T = TableSpec("Results", ("SessionId", "EntrantId"), ("SessionId", "EntrantId", "Position", "GridPosition",
                                                             "Status", "Points", "Time", "Laps", "FastestLap"))

RACING_TABLES = ("Series", "Seasons", "Circuits", "Rounds", "Sessions", "Drivers", "Teams", "Entrants", "Results")


@dataclass
class WriteCounts:
    written: int = 0
    deleted: int = 0

    def add(self, other: "WriteCounts") -> "WriteCounts":
        return WriteCounts(self.written + other.written, self.deleted + other.deleted)


def write_round(conn: psycopg.Connection, year: int, circuit: dict[str, Any], round_: dict[str, Any],
                sessions: Sequence[dict[str, Any]]) -> WriteCounts:
    """Series, season, circuit, round and its sessions, in the caller's one transaction."""
    since = {"_since": round_["DateStart"]}
    written = upsert_rows(conn, SERIES_T, [SERIES])
    series_id = ids_by(conn, "Series", "Slug", [SERIES["Slug"]])[SERIES["Slug"]]
    written += upsert_rows(conn, SEASONS_T, [{"SeriesId": series_id, "Year": year}])
    season_id = conn.execute('SELECT "Id" FROM "Seasons" WHERE "SeriesId" = %s AND "Year" = %s',
                             [series_id, year]).fetchone()[0]
    written += upsert_rows(conn, CIRCUITS_T, [circuit], extra=since)
    circuit_id = ids_by(conn, "Circuits", "Slug", [circuit["Slug"]])[circuit["Slug"]]
    _follow_renamed_round(conn, round_["OpenF1MeetingKey"], round_["Slug"])
    written += upsert_rows(conn, ROUNDS_T, [{**round_, "SeasonId": season_id, "CircuitId": circuit_id}])
    round_id = ids_by(conn, "Rounds", "Slug", [round_["Slug"]])[round_["Slug"]]
    written += upsert_rows(conn, SESSIONS_T, [{**s, "RoundId": round_id} for s in sessions])
    return WriteCounts(written=written)


def _follow_renamed_round(conn: psycopg.Connection, meeting_key: int, slug: str) -> None:
    """Upstream renamed a meeting: move the existing round to the new slug instead of adding a second one."""
    conn.execute(
        'UPDATE "Rounds" SET "Slug" = %(slug)s WHERE "OpenF1MeetingKey" = %(key)s AND "Slug" <> %(slug)s '
        'AND NOT EXISTS (SELECT 1 FROM "Rounds" WHERE "Slug" = %(slug)s)',
        {"slug": slug, "key": meeting_key},
    )


def round_of_meeting(conn: psycopg.Connection, meeting_key: int) -> tuple[Any, Any] | None:
    """(round id, DateStart) of the round written for this OpenF1 meeting, if any."""
    return conn.execute('SELECT "Id", "DateStart" FROM "Rounds" WHERE "OpenF1MeetingKey" = %s ORDER BY "Slug" LIMIT 1',
                        [meeting_key]).fetchone()


def write_entrants(conn: psycopg.Connection, round_id: Any, round_start: Any, rows: EntrantRows) -> WriteCounts:
    since = {"_since": round_start}
    written = upsert_rows(conn, DRIVERS_T, rows.drivers, extra=since)
    written += upsert_rows(conn, TEAMS_T, rows.teams, extra=since)
    drivers = ids_by(conn, "Drivers", "Slug", [d["Slug"] for d in rows.drivers])
    teams = ids_by(conn, "Teams", "Slug", [t["Slug"] for t in rows.teams])
    entrants = [{"RoundId": round_id, "DriverId": drivers[e["DriverSlug"]], "TeamId": teams[e["TeamSlug"]],
                 "CarNumber": e["CarNumber"]} for e in rows.entrants]
    written += upsert_rows(conn, ENTRANTS_T, entrants)
    return WriteCounts(written=written)


def session_starts(conn: psycopg.Connection, round_id: Any) -> dict[int, Any]:
    """OpenF1 session key → start time of the round's sessions."""
    return dict(conn.execute('SELECT "OpenF1SessionKey", "StartTimeUtc" FROM "Sessions" WHERE "RoundId" = %s '
                             'AND "OpenF1SessionKey" IS NOT NULL', [round_id]).fetchall())


def sessions_of_round(conn: psycopg.Connection, round_id: Any) -> list[SessionInfo]:
    rows = conn.execute('SELECT "OpenF1SessionKey", "Type", "Status" FROM "Sessions" WHERE "RoundId" = %s '
                        'AND "OpenF1SessionKey" IS NOT NULL', [round_id]).fetchall()
    return [SessionInfo(key, SessionType(kind), SessionStatus(status)) for key, kind, status in rows]


def entrants_by_car_number(conn: psycopg.Connection, round_id: Any) -> dict[int, Any]:
    """Car number → entrant of the round; a number shared by two entrants maps to none (ambiguous)."""
    rows = conn.execute('SELECT "CarNumber", "Id" FROM "Entrants" WHERE "RoundId" = %s AND "CarNumber" IS NOT NULL',
                        [round_id]).fetchall()
    found: dict[int, Any] = {}
    ambiguous = set()
    for number, entrant_id in rows:
        if number in found:
            ambiguous.add(number)
        found[number] = entrant_id
    return {n: i for n, i in found.items() if n not in ambiguous}


def replace_results(conn: psycopg.Connection, rows: Sequence[dict[str, Any]]) -> WriteCounts:
    """Each session present in `rows` ends with exactly these results: upsert, then drop the others."""
    session_ids = ids_by(conn, "Sessions", "OpenF1SessionKey", {r["OpenF1SessionKey"] for r in rows})
    resolved = [{**r, "SessionId": session_ids[r["OpenF1SessionKey"]]} for r in rows]
    written = upsert_rows(conn, RESULTS_T, resolved)
    deleted = 0
    for session_id in sorted(session_ids.values(), key=str):
        keep = [r["EntrantId"] for r in resolved if r["SessionId"] == session_id]
        cur = conn.execute('DELETE FROM "Results" WHERE "SessionId" = %s AND "EntrantId" <> ALL(%s)', [session_id, keep])
        deleted += max(cur.rowcount, 0)
    return WriteCounts(written=written, deleted=deleted)
