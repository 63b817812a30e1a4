"""Formula 1 history from Jolpica (the Ergast API) on the real parts: the replay of the Ergast export → Redis →
Celery worker → PostgreSQL; and SPEC §6's bridge: history and OpenF1 end in the same rows whichever is synced
first (Hamilton one driver, Red Bull one team, Sakhir one circuit)."""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from harness.recordings import JOLPICA_DIR
from harness.tables import RACING_AND_WORKER_TABLES, content_hash

pytestmark = pytest.mark.integration


def ergast(name: str) -> list[dict[str, str]]:
    with open(JOLPICA_DIR / "ergast_csv_dump" / f"{name}.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def empty_all(db) -> None:
    db.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in RACING_AND_WORKER_TABLES) + " CASCADE")


def count(db, query: str, *params) -> int:
    return db.execute(query, params).fetchone()[0]


@pytest.fixture()
def fresh(db, history_replay, replay_log):
    empty_all(db)
    history_replay.reset()
    return db


def test_a_1950s_season_syncs_from_history_with_its_shared_drives_quarantined(worker, fresh, history_replay):
    db = fresh
    run = worker.run("sync_season", 1955, include_results=True)
    races = [r for r in ergast("races") if r["year"] == "1955"]
    race_ids = {r["raceId"] for r in races}
    rows = [r for r in ergast("results") if r["raceId"] in race_ids]
    shared = Counter((r["raceId"], r["driverId"], r["constructorId"]) for r in rows)
    extra = sum(n - 1 for n in shared.values() if n > 1)  # the second car of a shared drive: one result only
    assert run["status"] == "succeeded" and run["rounds_done"] == len(races), run
    assert count(db, 'SELECT count(*) FROM "Rounds"') == len(races)
    assert count(db, 'SELECT count(*) FROM "Results" x JOIN "Sessions" s ON s."Id" = x."SessionId" '
                     'WHERE s."Type" = 6') == len(rows) - extra
    reasons = [r for (r,) in db.execute('SELECT "Reason" FROM "QuarantinedRecords" WHERE "Source" = \'jolpica\'')]
    assert extra > 0 and sum("shared drive" in r for r in reasons) == extra
    # one schedule, the results pages, and the bridge seasons' schedules and result pages (landed once)
    endpoints = {e["path"].split("/ergast/f1/")[-1] for e in history_replay.stats()["log"]}
    assert endpoints == {"1955.json", "1955/results.json", "2023.json", "2023/results.json", "2024.json",
                         "2024/results.json"}


def test_history_and_openf1_end_in_the_same_rows_whichever_is_synced_first(worker, fresh):
    db = fresh
    orders = {"openf1 first": [2023, 2022], "history first": [2022, 2023]}
    hashes = {}
    for name, years in orders.items():
        empty_all(db)
        runs = [worker.run("sync_season", year, include_results=True) for year in years]
        assert [r["status"] for r in runs] == ["succeeded", "succeeded"], (name, runs)
        hashes[name] = content_hash(db)
    assert hashes["openf1 first"] == hashes["history first"]

    one = 'SELECT count(DISTINCT {col}), count(DISTINCT y."Year") FROM "Entrants" e JOIN "Rounds" r ON r."Id" = ' \
          'e."RoundId" JOIN "Seasons" y ON y."Id" = r."SeasonId" JOIN "{table}" x ON x."Id" = e.{col} WHERE {where}'
    assert db.execute(one.format(col='"DriverId"', table="Drivers", where='x."LastName" = \'Hamilton\'')).fetchone() \
        == (1, 2)
    assert db.execute(one.format(col='"TeamId"', table="Teams", where='x."Name" ILIKE \'Red Bull%%\'')).fetchone() \
        == (1, 2)
    assert db.execute('SELECT x."Slug" FROM "Teams" x WHERE x."Name" ILIKE \'Red Bull%%\'').fetchall() \
        == [("red-bull-racing",)]  # the newer source's row and attributes
    bahrain = db.execute('SELECT count(DISTINCT r."CircuitId"), min(c."Slug") FROM "Rounds" r JOIN "Circuits" c '
                         'ON c."Id" = r."CircuitId" WHERE r."Name" = \'Bahrain Grand Prix\'').fetchone()
    assert bahrain == (1, "sakhir")
    assert count(db, 'SELECT count(*) FROM "Drivers" WHERE "Abbreviation" = \'HAM\' AND "DriverNumber" = 44') == 1


def test_a_complete_history_season_is_not_asked_for_again_unless_refreshed(worker, fresh, history_replay):
    first = worker.run("sync_season", 1988, include_results=True)
    history_replay.reset()
    again = worker.run("sync_season", 1988, include_results=True)
    assert first["status"] == again["status"] == "succeeded"
    assert again["requests"] == 0 and history_replay.stats()["requests"] == 0  # younger than JOLPICA_REFRESH_AFTER
    assert again["rows_written"] == 0
    refreshed = worker.run("sync_season", 1988, include_results=True, refresh=True)
    assert refreshed["status"] == "succeeded" and refreshed["requests"] > 0 and refreshed["rows_written"] == 0
