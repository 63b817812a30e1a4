"""Writes of the racing tables, one transaction per round step, on their natural keys (docs/data-model.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import psycopg

from workers.db import changes, identities
from workers.db.tables import RACING_TABLES  # noqa: F401  (the racing tables, as this module has always named them)
from workers.db.upsert import TableSpec, ids_by, insert_row, update_row, upsert_rows
from workers.rows import (SESSION_END, SOURCE_KEY, EntrantInfo, EntrantRows, NaturalKeys, RoundRows, SessionInfo,
                          SessionStatus, SessionType)

# Shared identities (circuits, drivers, teams) take their attributes from the latest round that uses
# them, whatever order rounds are synced in: an earlier round never overwrites a later one's values.
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
ROUND_COLUMNS = ("SeasonId", "CircuitId", "Name", "Slug", "RoundNumber", "DateStart", "DateEnd")
SESSION_COLUMNS = ("RoundId", "Type", "StartTimeUtc", "Status")
DRIVERS_T = TableSpec("Drivers", ("Slug",), ("FirstName", "LastName", "Slug", "Abbreviation", "Nationality",
                                            "HeadshotUrl", "DriverNumber"),
                      guard=_LATER_ROUND_USES.format(col="DriverId", table="Drivers"))
TEAMS_T = TableSpec("Teams", ("Slug",), ("Name", "Slug", "PrimaryColor"),
                    guard=_LATER_ROUND_USES.format(col="TeamId", table="Teams"))
ENTRANTS_T = TableSpec("Entrants", ("RoundId", "DriverId", "TeamId"), ("RoundId", "DriverId", "TeamId", "CarNumber"))
RESULTS_T = TableSpec("Results", ("SessionId", "EntrantId"), ("SessionId", "EntrantId", "Position", "GridPosition",
                                                             "Status", "Points", "Time", "Laps", "FastestLap"))


def rounds_table(keys: NaturalKeys) -> TableSpec:
    """Rounds as a source writes them: on their slug, with the source's own key column when it declares one."""
    return TableSpec("Rounds", ("Slug",), ROUND_COLUMNS + ((keys.round.column,) if keys.round else ()))


def sessions_table(keys: NaturalKeys) -> TableSpec:
    """Sessions as a source writes them: upserted on its own key column when it declares one (unique in the table),
    else found by their identity (`_write_by_identity`), that column left alone."""
    if keys.session is None:
        return TableSpec("Sessions", ("Id",), SESSION_COLUMNS)
    return TableSpec("Sessions", (keys.session.column,), SESSION_COLUMNS + (keys.session.column,))


@dataclass
class WriteCounts:
    written: int = 0
    deleted: int = 0
    changes: int = 0  # rows of "SessionChanges" written (what the app is told changed)


def write_round(conn: psycopg.Connection, source: str, rows: RoundRows, defer: bool = False,
                keys: NaturalKeys = NaturalKeys()) -> tuple[Any, WriteCounts]:
    """Series, season, circuit, round and its sessions, in the caller's one transaction; the round's id. `defer`:
    the source's circuit is another source's row when one of its slug exists (`Source.defers_shared_rows`);
    `keys`: the natural-key columns the source fills (`Source.natural_keys`)."""
    since = {"_since": rows.round["DateStart"]}
    series = rows.series
    written = upsert_rows(conn, SERIES_T, [series])
    series_id = ids_by(conn, "Series", "Slug", [series["Slug"]])[series["Slug"]]
    written += upsert_rows(conn, SEASONS_T, [{"SeriesId": series_id, "Year": rows.year}])
    season_id = conn.execute('SELECT "Id" FROM "Seasons" WHERE "SeriesId" = %s AND "Year" = %s',
                             [series_id, rows.year]).fetchone()[0]
    if series.get(SOURCE_KEY):  # a source naming its series and seasons (a wiki's hub and season pages)
        identities.register(conn, source, "series", {series[SOURCE_KEY]: series_id})
    if rows.season_key:
        identities.register(conn, source, "season", {rows.season_key: season_id})
    circuit_written, circuits = _write_shared(conn, source, "circuit", CIRCUITS_T, [rows.circuit], since, defer)
    written += circuit_written
    circuit_id = circuits[rows.circuit["Slug"]]
    _follow_renamed_round(conn, source, rows.round)
    written += upsert_rows(conn, rounds_table(keys), [{**rows.round, "SeasonId": season_id, "CircuitId": circuit_id}])
    round_id = _register(conn, source, "round", "Rounds", [rows.round])[rows.round["Slug"]]
    session_counts = _write_sessions(conn, source, round_id, rows.sessions, keys)
    return round_id, WriteCounts(written=written + session_counts.written, changes=session_counts.changes)


def _write_sessions(conn: psycopg.Connection, source: str, round_id: Any, sessions: Sequence[dict[str, Any]],
                    natural: NaturalKeys) -> WriteCounts:
    """Sessions carrying the source's own key column (`natural.session`) are upserted on it; the others are found
    by their identity in "SourceIdentities", inserted and registered the first time. Their end times are kept,
    their statuses set from the clock where the end is known, and every change of a session that existed before
    is recorded for the app (docs/season-in-motion.md)."""
    keys = [s[SOURCE_KEY] for s in sessions if s.get(SOURCE_KEY)]
    before = changes.session_states(conn, source, keys, lock=True)
    column = natural.session.column if natural.session else None
    rows = [{**s, "RoundId": round_id} for s in sessions]
    keyed = [s for s in rows if column is not None and s.get(column) is not None]
    written = upsert_rows(conn, sessions_table(natural), keyed)
    if column is not None:
        _register(conn, source, "session", "Sessions", keyed, key=column)
    others = [s for s in rows if column is None or s.get(column) is None]
    for session in sorted(others, key=lambda s: s[SOURCE_KEY]):
        written += _write_by_identity(conn, source, "session", sessions_table(NaturalKeys()), session)
    after = changes.session_states(conn, source, keys)
    ends = {after[s[SOURCE_KEY]].id: s[SESSION_END] for s in sessions
            if s.get(SESSION_END) is not None and s.get(SOURCE_KEY) in after}
    written += changes.write_ends(conn, source, ends)
    written += len(changes.statuses_from_clock(conn, list(ends)))
    found = changes.compare(before, changes.session_states(conn, source, keys))
    return WriteCounts(written=written, changes=changes.record(conn, found))


def _write_by_identity(conn: psycopg.Connection, source: str, kind: str, spec: TableSpec, row: dict[str, Any]) -> int:
    """Update the row the identity names, or insert it and register the identity; 1 when written."""
    key = row[SOURCE_KEY]
    identities.lock(conn, source, kind, key)  # two writers of one new identity insert it once
    row_id = identities.row_of(conn, source, kind, key)
    if row_id is not None:
        return update_row(conn, spec, row_id, row)
    identities.register(conn, source, kind, {key: insert_row(conn, spec, row)})
    return 1


def _write_shared(conn: psycopg.Connection, source: str, kind: str, spec: TableSpec, rows: Sequence[dict[str, Any]],
                  since: dict[str, Any], defer: bool = False) -> tuple[int, dict[str, Any]]:
    """Circuits, drivers and teams, shared across rounds and sources; written rows and slug → id. A row that a
    bridge made another source's row (docs/identity.md: its identity names a row of another slug) is that row, left as
    its own source wrote it; the others are upserted on their slug (the latest round's attributes win)."""
    tied = identities.bridged(conn, source, kind, {r[SOURCE_KEY]: r["Slug"] for r in rows if r.get(SOURCE_KEY)})
    own = [r for r in rows if r.get(SOURCE_KEY) not in tied]
    deferred = _held_by_others(conn, source, spec.name, own) if defer else set()
    written = upsert_rows(conn, spec, [r for r in own if r["Slug"] not in deferred], extra=since)
    ids = _register(conn, source, kind, spec.name, own)
    ids.update({r["Slug"]: tied[r[SOURCE_KEY]] for r in rows if r.get(SOURCE_KEY) in tied})
    return written, ids


def _held_by_others(conn: psycopg.Connection, source: str, table: str, rows: Sequence[dict[str, Any]]) -> set[str]:
    """Slugs of these rows that exist and that another source registered: a deferring source's row of that slug
    is that row, left as the other source wrote it (docs/identity.md: one person, one row; the richer source's
    attributes stay)."""
    if not rows:
        return set()
    found = conn.execute(f'SELECT t."Slug" FROM "{table}" t WHERE t."Slug" = ANY(%s) AND EXISTS (SELECT 1 FROM '
                         '"SourceIdentities" i WHERE i."RowId" = t."Id" AND i."Source" <> %s)',
                         [[r["Slug"] for r in rows], source]).fetchall()
    return {slug for (slug,) in found}


def _register(conn: psycopg.Connection, source: str, kind: str, table: str, rows: Sequence[dict[str, Any]],
              key: str = "Slug") -> dict[Any, Any]:
    """Natural key → id of the rows just written, each registered under its source key (docs/identity.md)."""
    ids = ids_by(conn, table, key, [r[key] for r in rows])
    identities.register(conn, source, kind, {r[SOURCE_KEY]: ids[r[key]] for r in rows if r.get(SOURCE_KEY)})
    return ids


def _follow_renamed_round(conn: psycopg.Connection, source: str, round_: dict[str, Any]) -> None:
    """Upstream renamed a round: move the existing row to the new slug instead of adding a second one."""
    known = identities.row_of(conn, source, "round", round_[SOURCE_KEY]) if round_.get(SOURCE_KEY) else None
    if known is not None:
        conn.execute('UPDATE "Rounds" SET "Slug" = %(slug)s WHERE "Id" = %(id)s AND "Slug" <> %(slug)s '
                     'AND NOT EXISTS (SELECT 1 FROM "Rounds" WHERE "Slug" = %(slug)s)',
                     {"slug": round_["Slug"], "id": known})


def round_of(conn: psycopg.Connection, source: str, round_key: str) -> tuple[Any, Any] | None:
    """(round id, DateStart) of the round this source's key names, if written."""
    return conn.execute('SELECT r."Id", r."DateStart" FROM "Rounds" r JOIN "SourceIdentities" i ON i."RowId" = r."Id" '
                        'WHERE i."Source" = %s AND i."Kind" = \'round\' AND i."SourceKey" = %s',
                        [source, round_key]).fetchone()


def write_entrants(conn: psycopg.Connection, source: str, round_id: Any, round_start: Any,
                   rows: EntrantRows, defer: bool = False) -> WriteCounts:
    since = {"_since": round_start}
    driver_written, drivers = _write_shared(conn, source, "driver", DRIVERS_T, rows.drivers, since, defer)
    team_written, teams = _write_shared(conn, source, "team", TEAMS_T, rows.teams, since, defer)
    written = driver_written + team_written
    entrants = [{"RoundId": round_id, "DriverId": drivers[e["DriverSlug"]], "TeamId": teams[e["TeamSlug"]],
                 "CarNumber": e["CarNumber"]} for e in rows.entrants]
    written += upsert_rows(conn, ENTRANTS_T, entrants)
    return WriteCounts(written=written)


def session_starts(conn: psycopg.Connection, source: str, round_id: Any) -> dict[str, Any]:
    """Source key → start time of the round's sessions this source knows."""
    return {key: start for _, key, start in _sessions(conn, source, round_id, '"StartTimeUtc"') if key is not None}


def sessions_of_round(conn: psycopg.Connection, source: str, round_id: Any) -> list[SessionInfo]:
    rows = _sessions(conn, source, round_id, 's."Type", s."Status"')
    return [SessionInfo(row_id, key, SessionType(kind), SessionStatus(status)) for row_id, key, kind, status in rows]


def _sessions(conn: psycopg.Connection, source: str, round_id: Any, columns: str) -> list[tuple]:
    return conn.execute(f'SELECT s."Id", i."SourceKey", {columns} FROM "Sessions" s LEFT JOIN "SourceIdentities" i '
                        'ON i."RowId" = s."Id" AND i."Source" = %s AND i."Kind" = \'session\' WHERE s."RoundId" = %s',
                        [source, round_id]).fetchall()


def entrants_of_round(conn: psycopg.Connection, source: str, round_id: Any) -> list[EntrantInfo]:
    """The round's entrants with their car numbers and the keys this source registered for their driver and team."""
    rows = conn.execute(
        'SELECT e."Id", e."CarNumber", d."SourceKey", t."SourceKey" FROM "Entrants" e '
        'LEFT JOIN "SourceIdentities" d '
        'ON d."RowId" = e."DriverId" AND d."Source" = %(source)s AND d."Kind" = \'driver\' '
        'LEFT JOIN "SourceIdentities" t ON t."RowId" = e."TeamId" AND t."Source" = %(source)s AND t."Kind" = \'team\' '
        'WHERE e."RoundId" = %(round)s', {"source": source, "round": round_id}).fetchall()
    return [EntrantInfo(entrant_id, number, driver_key, team_key) for entrant_id, number, driver_key, team_key in rows]


def replace_results(conn: psycopg.Connection, rows: Sequence[dict[str, Any]],
                    run_started: Any = None) -> WriteCounts:
    """Each session present in `rows` ends with exactly these results: upsert, then drop the others. A session
    whose results changed, and that existed before the run began (`run_started`; None: before this transaction),
    gets a "SessionChanges" row saying so, with counts only."""
    sessions = sorted({r["SessionId"] for r in rows}, key=str)
    had = result_counts(conn, sessions)
    counts, found = WriteCounts(), []
    for session_id in sessions:
        keep = [r for r in rows if r["SessionId"] == session_id]
        written = upsert_rows(conn, RESULTS_T, keep)
        cur = conn.execute('DELETE FROM "Results" WHERE "SessionId" = %s AND "EntrantId" <> ALL(%s)',
                           [session_id, [r["EntrantId"] for r in keep]])
        deleted = max(cur.rowcount, 0)
        counts.written, counts.deleted = counts.written + written, counts.deleted + deleted
        if written or deleted:
            found.append(changes.results_change(session_id, had.get(session_id, 0), len(keep), written + deleted))
    announced = changes.existed_before(conn, [c.session_id for c in found], run_started)
    counts.changes = changes.record(conn, [c for c in found if c.session_id in announced])
    return counts


def result_counts(conn: psycopg.Connection, session_ids: Sequence[Any]) -> dict[Any, int]:
    """Session id → how many results it holds (a count: no result value is read)."""
    if not session_ids:
        return {}
    return dict(conn.execute('SELECT "SessionId", count(*) FROM "Results" WHERE "SessionId" = ANY(%s) '
                             'GROUP BY 1', [list(session_ids)]).fetchall())


def bridge_targets(conn: psycopg.Connection, source: str, seasons: Sequence[int]) -> list[tuple]:
    """(season, round name, circuit id, car number, driver id, team id) of every entrant of the rounds `source`
    wrote in these seasons (a round without entrants once, with NULLs): what another source's rows are matched to."""
    return conn.execute(
        'SELECT y."Year", r."Name", r."CircuitId", e."CarNumber", e."DriverId", e."TeamId" FROM "Rounds" r '
        'JOIN "Seasons" y ON y."Id" = r."SeasonId" JOIN "SourceIdentities" i ON i."RowId" = r."Id" '
        'AND i."Source" = %s AND i."Kind" = \'round\' LEFT JOIN "Entrants" e ON e."RoundId" = r."Id" '
        'WHERE y."Year" = ANY(%s) ORDER BY 1, 2', [source, list(seasons)]).fetchall()
