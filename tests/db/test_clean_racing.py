"""`python -m ingestion.db clean-racing`: racing data goes, user data (and the racing rows it points at) stays
exactly as it was, and a re-sync afterwards brings the season back around the kept rows."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

import psycopg
import pytest

from harness.recordings import REPO
from harness.tables import RACING_AND_WORKER_TABLES, content_hash

pytestmark = pytest.mark.integration

USER_TABLES = ("Users", "Logs", "Reviews", "ListItems", "Grandstands")
LOGGED, LISTED = (9472, 9590), (9662, 9465)  # Bahrain and Monza races; Abu Dhabi race, Bahrain FP1
GRANDSTANDS = ("sakhir", "monte-carlo")  # Monaco's circuit is referenced by a grandstand only


def clean_racing(*args: str, stdin=subprocess.DEVNULL) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ingestion.db", "clean-racing", *args], cwd=REPO, env=os.environ,
                          capture_output=True, text=True, timeout=60, stdin=stdin)


def user_rows(db) -> dict[str, list[tuple]]:
    """Every column of every row of the user tables."""
    return {t: sorted(db.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in USER_TABLES}


def column(db, query: str, *params) -> set:
    return {value for (value,) in db.execute(query, params).fetchall()}


def count(db, table: str) -> int:
    return db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]


def add_user_data(db) -> None:
    """Two users' diaries, lists and a circuit's grandstands, as the Parc Fermé API writes them."""
    db.execute('INSERT INTO "Users" ("Email", "DisplayName") VALUES (\'ana@example.org\', \'Ana\'), '
               '(\'ben@example.org\', \'Ben\')')
    db.execute('INSERT INTO "Logs" ("UserId", "SessionId", "LoggedAt", "Rating") SELECT u."Id", s."Id", '
               'now() - interval \'1 day\', 4.5 FROM "Users" u, "Sessions" s WHERE s."OpenF1SessionKey" = ANY(%s)',
               [list(LOGGED)])
    db.execute('INSERT INTO "Reviews" ("LogId", "Body") SELECT "Id", \'what a race\' FROM "Logs"')
    db.execute('INSERT INTO "ListItems" ("UserId", "SessionId") SELECT u."Id", s."Id" FROM "Users" u, "Sessions" s '
               'WHERE u."Email" = \'ana@example.org\' AND s."OpenF1SessionKey" = ANY(%s)', [list(LISTED)])
    db.execute('INSERT INTO "Grandstands" ("CircuitId", "Name") SELECT "Id", \'Main\' FROM "Circuits" '
               'WHERE "Slug" = ANY(%s)', [list(GRANDSTANDS)])


def racing_state(db) -> dict[str, object]:
    return {
        "sessions": dict(db.execute('SELECT "OpenF1SessionKey", "Id" FROM "Sessions"').fetchall()),
        "rounds": column(db, 'SELECT "Slug" FROM "Rounds"'),
        "circuits": column(db, 'SELECT "Slug" FROM "Circuits"'),
        "counts": {t: count(db, t) for t in ("Series", "Seasons", "Drivers", "Teams", "Entrants", "Results",
                                             "SourceIdentities", "LandedAnswers")},
    }


@pytest.fixture(scope="module")
def cleaned(worker, replay, database):
    """2024 synced with results, user data added, clean-racing run, then 2024 synced again; each state kept."""
    with psycopg.connect(database, autocommit=True) as db:
        empty(db)
        assert worker.run("sync_season", 2024, include_results=True)["status"] == "succeeded"
        add_user_data(db)
        before = {"users": user_rows(db), "racing": racing_state(db), "hash": content_hash(db)}
        outcome = clean_racing("-y")
        after = {"users": user_rows(db), "racing": racing_state(db)}
        resync = worker.run("sync_season", 2024, include_results=True)
        again = {"users": user_rows(db), "racing": racing_state(db), "hash": content_hash(db), "run": resync}
    return before, outcome, after, again


def test_clean_racing_leaves_every_user_row_exactly_as_it_was(cleaned):
    before, outcome, after, _ = cleaned
    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    assert all(before["users"][t] for t in USER_TABLES)  # the test really has user data in every table
    assert after["users"] == before["users"]


def test_clean_racing_keeps_the_sessions_rounds_and_circuits_user_data_points_at(cleaned):
    before, outcome, after, _ = cleaned
    kept = set(LOGGED + LISTED)
    assert after["racing"]["sessions"] == {k: before["racing"]["sessions"][k] for k in kept}  # same ids
    assert after["racing"]["rounds"] == {"2024-bahrain-grand-prix", "2024-italian-grand-prix",
                                         "2024-abu-dhabi-grand-prix"}
    assert after["racing"]["circuits"] == {"sakhir", "monza", "yas-marina-circuit", "monte-carlo"}
    assert "kept 4 Sessions, 3 Rounds, 1 Seasons, 1 Series, 4 Circuits referenced by user data" in outcome.stdout


def test_clean_racing_removes_every_other_racing_row_and_their_identities_but_keeps_the_landing(cleaned):
    before, _, after, _ = cleaned
    assert before["racing"]["counts"]["Results"] > 0 and before["racing"]["counts"]["LandedAnswers"] == 5
    # the identities left are those of the kept rows: 4 sessions, 3 rounds, 4 circuits
    assert after["racing"]["counts"] == {"Series": 1, "Seasons": 1, "Drivers": 0, "Teams": 0, "Entrants": 0,
                                         "Results": 0, "SourceIdentities": 11, "LandedAnswers": 5}


def test_a_resync_after_the_clean_restores_the_season_around_the_kept_sessions(cleaned):
    before, _, _, again = cleaned
    assert again["run"]["status"] == "succeeded"
    assert again["hash"] == before["hash"]
    assert again["users"] == before["users"]
    assert again["racing"]["sessions"].keys() == before["racing"]["sessions"].keys()
    for key in LOGGED + LISTED:  # the kept sessions kept their Id, so user rows still point at them
        assert again["racing"]["sessions"][key] == before["racing"]["sessions"][key]


# -- confirmation, unknown referencing tables, the safety net -----------------------------------------------

def empty(db) -> None:
    """No racing, worker or user row (the test database only)."""
    db.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in RACING_AND_WORKER_TABLES + USER_TABLES) + " CASCADE")


def tiny_season(db) -> None:
    """One round with one session, and a user's log of it."""
    empty(db)
    db.execute('INSERT INTO "Series" ("Name", "Slug") VALUES (\'Formula 1\', \'formula-1\')')
    db.execute('INSERT INTO "Seasons" ("SeriesId", "Year") SELECT "Id", 2024 FROM "Series"')
    db.execute('INSERT INTO "Circuits" ("Name", "Slug", "Location", "Country") VALUES '
               '(\'Sakhir\', \'sakhir\', \'Sakhir\', \'Bahrain\'), (\'Monza\', \'monza\', \'Monza\', \'Italy\')')
    db.execute('INSERT INTO "Rounds" ("SeasonId", "CircuitId", "Name", "Slug", "RoundNumber", "DateStart", '
               '"DateEnd") SELECT y."Id", c."Id", \'Bahrain\', \'2024-bahrain\', 1, \'2024-03-01\', \'2024-03-02\' '
               'FROM "Seasons" y, "Circuits" c WHERE c."Slug" = \'sakhir\'')
    db.execute('INSERT INTO "Sessions" ("RoundId", "Type", "StartTimeUtc", "Status", "OpenF1SessionKey") '
               'SELECT "Id", 6, \'2024-03-02 15:00Z\', 2, 1 FROM "Rounds"')
    db.execute('INSERT INTO "Drivers" ("FirstName", "LastName", "Slug") VALUES (\'Max\', \'Verstappen\', '
               '\'max-verstappen\'), (\'Lando\', \'Norris\', \'lando-norris\')')
    db.execute('INSERT INTO "Users" ("Email", "DisplayName") VALUES (\'ana@example.org\', \'Ana\')')
    db.execute('INSERT INTO "Logs" ("UserId", "SessionId", "LoggedAt") SELECT u."Id", s."Id", now() '
               'FROM "Users" u, "Sessions" s')


def test_without_y_it_refuses_with_exit_2_when_stdin_is_not_a_terminal(clean_db):
    tiny_season(clean_db)
    outcome = clean_racing()
    assert outcome.returncode == 2 and "pass -y" in outcome.stderr
    assert count(clean_db, "Drivers") == 2 and count(clean_db, "Circuits") == 2


@pytest.mark.parametrize("answer, code, drivers_left", [("no", 1, 2), ("yes", 0, 0)])
def test_on_a_terminal_it_asks_and_deletes_only_on_yes(answer, code, drivers_left, clean_db):
    tiny_season(clean_db)
    primary, secondary = pty.openpty()
    try:
        os.write(primary, f"{answer}\n".encode())
        outcome = clean_racing(stdin=secondary)
    finally:
        os.close(primary)
        os.close(secondary)
    assert outcome.returncode == code, outcome.stdout + outcome.stderr
    assert "Type 'yes' to confirm" in outcome.stdout
    assert count(clean_db, "Drivers") == drivers_left and count(clean_db, "Logs") == 1


def test_a_table_the_workers_do_not_know_keeps_the_racing_rows_it_references(clean_db):
    tiny_season(clean_db)
    clean_db.execute('CREATE TABLE "FavoriteDrivers" ("Id" uuid PRIMARY KEY DEFAULT gen_random_uuid(), '
                     '"DriverId" uuid NOT NULL REFERENCES "Drivers" ("Id") ON DELETE CASCADE)')
    try:
        clean_db.execute('INSERT INTO "FavoriteDrivers" ("DriverId") SELECT "Id" FROM "Drivers" '
                         'WHERE "Slug" = \'lando-norris\'')
        favourites = clean_db.execute('SELECT * FROM "FavoriteDrivers"').fetchall()
        outcome = clean_racing("-y")
        assert outcome.returncode == 0, outcome.stderr
        assert clean_db.execute('SELECT * FROM "FavoriteDrivers"').fetchall() == favourites
        assert column(clean_db, 'SELECT "Slug" FROM "Drivers"') == {"lando-norris"}
        assert column(clean_db, 'SELECT "Slug" FROM "Circuits"') == {"sakhir"}
        assert "FavoriteDrivers" in outcome.stdout
    finally:
        clean_db.execute('DROP TABLE IF EXISTS "FavoriteDrivers"')


def test_the_clean_rolls_back_whole_if_a_delete_would_reach_user_data(clean_db, database, monkeypatch):
    from psycopg import sql

    from workers.db import clean
    from workers.errors import PermanentError

    tiny_season(clean_db)
    before = user_rows(clean_db), count(clean_db, "Drivers")
    monkeypatch.setattr(clean, "_unreferenced", lambda key: sql.SQL("true"))  # a bug that ignores references
    with psycopg.connect(database) as conn:
        with pytest.raises(PermanentError, match="would have changed user data"):
            with conn.transaction():
                clean.clean_racing(conn)
    assert (user_rows(clean_db), count(clean_db, "Drivers")) == before
