"""The Third Turn end to end on the real parts: the wiki replay of the recorded pages → a real Celery worker →
Redis → PostgreSQL. Both complete series crawls of `racing-museum/` (Wisconsin Challenge Series, Badger Mod Tour)
and NASCAR's 1949 season; what is asked of the wiki (only hub, season and race pages, each once, robots.txt
honoured, the User-Agent); a re-crawl writing nothing; bad arguments refused before any request.

Expected counts come from the recorded pages (SOURCES.md, and the pages read here with BeautifulSoup), never from
the workers' parser."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest
from bs4 import BeautifulSoup

from harness.recordings import REPO, THIRDTURN_DIR
from harness.tables import RACING_AND_WORKER_TABLES, content_hash, row_versions

pytestmark = pytest.mark.integration

WCS = "Wisconsin_Challenge_Series"
BADGER = "Custom_Windows_Plus_Badger_Mod_Tour_presented_by_Gandrud_Chevrolet"
NASCAR = "NASCAR_Cup_Series_Central"
RACE = 6
COMPLETED, SCHEDULED = 2, 0


def empty_all(db) -> None:
    db.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in RACING_AND_WORKER_TABLES) + " CASCADE")


def count(db, query: str, *params) -> int:
    return db.execute(query, params).fetchone()[0]


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")


def listed_races(season_file: Path) -> list[str]:
    """Race page titles a season page's race listings link (first cell of each line), read independently."""
    table = soup(season_file).select_one("table.resultdiv")
    titles = []
    for row in table.find_all("tr"):
        link = row.find("td") and row.find("td").find("a", href=True)
        if link and link["href"].startswith("/wiki/"):
            titles.append(unquote(link["href"].removeprefix("/wiki/")))
    return titles


def pages_asked(stats: dict) -> list[str]:
    return [e["path"] for e in stats["log"]]


def wiki_titles(stats: dict) -> list[str]:
    return [unquote(e["path"].removeprefix("/wiki/")) for e in stats["log"] if e["path"].startswith("/wiki/")]


@pytest.fixture()
def fresh(db, wiki_replay, redis_flushed):
    import redis

    empty_all(db)
    wiki_replay.reset()
    redis.Redis.from_url(redis_flushed).delete(*redis.Redis.from_url(redis_flushed).keys("parcferme:thirdturn:*")
                                               or ["none"])
    return db


def test_wisconsin_challenge_series_is_crawled_whole_and_a_recrawl_writes_nothing(worker, fresh, wiki_replay):
    db = fresh
    museum = THIRDTURN_DIR / "racing-museum"
    seasons = sorted((museum / "seasons").glob("*.html"))
    races = [title for season in seasons for title in listed_races(season)]
    assert len(seasons) == 12 and len(races) == 81  # SOURCES.md

    run = worker.run("sync_series", WCS, include_results=True, timeout=300)
    assert run["status"] == "succeeded" and run["rounds_total"] == run["rounds_done"] == 81, run
    stats = wiki_replay.stats()
    titles = wiki_titles(stats)
    season_titles = {t for t in titles if t.endswith("_Central")}
    # hub, seasons and races, each once; robots.txt once before them; nothing else (no driver or track page)
    robots = pages_asked(stats).count("/robots.txt")  # 0 when a worker process read it in an earlier test (a day)
    assert robots <= 1 and pages_asked(stats)[0] == "/robots.txt" if robots else True
    assert len(titles) == len(set(titles)) == 1 + 12 + 81
    assert set(titles) == {WCS} | season_titles | set(races) and len(season_titles) == 12
    assert not any(e["disallowed"] for e in stats["log"])
    agents = {e["user_agent"] for e in stats["log"]}
    assert len(agents) == 1 and "ParcFerme" in agents.pop()
    assert run["requests"] == robots + 1 + 12 + 81

    assert db.execute('SELECT "Name", "Slug" FROM "Series"').fetchall() == [("Wisconsin Challenge Series",
                                                                             "wisconsin-challenge-series")]
    assert [y for (y,) in db.execute('SELECT "Year" FROM "Seasons" ORDER BY 1')] == \
        [2001, 2002, 2003, 2004, 2005, 2006, 2007, 2008, 2009, 2017, 2018, 2019]
    assert count(db, 'SELECT count(*) FROM "Rounds"') == 81
    # each season's rounds are numbered 1..n as its page lists them
    per_season = db.execute('SELECT y."Year", array_agg(r."RoundNumber" ORDER BY r."RoundNumber") FROM "Rounds" r '
                            'JOIN "Seasons" y ON y."Id" = r."SeasonId" GROUP BY 1').fetchall()
    assert all(numbers == list(range(1, len(numbers) + 1)) for _, numbers in per_season)
    assert count(db, 'SELECT count(*) FROM "Sessions" WHERE "Type" = %s', RACE) == 81
    assert count(db, 'SELECT count(*) FROM "Rounds" r WHERE NOT EXISTS (SELECT 1 FROM "Results" x JOIN "Sessions" s '
                     'ON s."Id" = x."SessionId" WHERE s."RoundId" = r."Id")') == 0
    # identities are the page titles: the rounds' keys name the hub and each race page
    keys = {k for (k,) in db.execute('SELECT "SourceKey" FROM "SourceIdentities" WHERE "Source" = \'thirdturn\' '
                                     'AND "Kind" = \'round\'')}
    assert keys == {f"{WCS}|{title}" for title in races}
    # every driver is known by its page title; two titles that differ in case only (Jay_VanDerGeest,
    # Jay_Vandergeest: one man, linked both ways) have one slug, so one row
    assert count(db, 'SELECT count(DISTINCT "RowId") FROM "SourceIdentities" WHERE "Source" = \'thirdturn\' '
                     'AND "Kind" = \'driver\'') == count(db, 'SELECT count(*) FROM "Drivers"')
    # every page landed raw with its revision (the hub's is 7092508, SOURCES.md)
    assert count(db, 'SELECT count(*) FROM "LandedAnswers" WHERE "Source" = \'thirdturn\' AND "Revision" IS NULL') == 0
    assert count(db, 'SELECT "Revision" FROM "LandedAnswers" WHERE "Request" = %s', f"wiki/{WCS}") == 7092508

    from workers import sources
    from workers.db.audit import audit

    assert [(f.check, f.items) for f in audit(db, sources.audit_rules()) if f.severity == "defect"] == []

    before, digest = row_versions(db), content_hash(db)
    wiki_replay.reset()
    again = worker.run("sync_series", WCS, include_results=True, timeout=300)
    assert again["status"] == "succeeded" and again["requests"] == 0, again  # all landed, young enough
    assert wiki_replay.stats()["requests"] == 0
    refreshed = worker.run("sync_series", WCS, include_results=True, refresh=True, timeout=300)
    assert refreshed["status"] == "succeeded" and refreshed["requests"] == 1 + 12 + 81, refreshed  # robots: known
    assert again["rows_written"] == refreshed["rows_written"] == 0
    assert row_versions(db) == before and content_hash(db) == digest  # unchanged pages write no row


def test_badger_mod_tour_with_its_races_of_two_series_and_event_titles(worker, fresh, wiki_replay):
    db = fresh
    folder = THIRDTURN_DIR / "racing-museum" / "badger_modified_tour"
    races = [t for season in sorted(folder.glob("season_*.html")) for t in listed_races(season)]
    assert len(races) == 14
    run = worker.run("sync_series", BADGER, include_results=True, timeout=120)
    assert run["status"] == "succeeded" and run["rounds_done"] == 14, run
    assert run["requests"] == pages_asked(wiki_replay.stats()).count("/robots.txt") + 1 + 2 + 14
    assert [y for (y,) in db.execute('SELECT "Year" FROM "Seasons" ORDER BY 1')] == [2012, 2013]
    assert count(db, 'SELECT count(*) FROM "Rounds"') == 14
    # the race titled by its event is named by it; a numbered race by its round and track
    names = dict(db.execute('SELECT i."SourceKey", r."Name" FROM "Rounds" r JOIN "SourceIdentities" i '
                            'ON i."RowId" = r."Id" AND i."Kind" = \'round\'').fetchall())
    assert names[f"{BADGER}|2012_Clash_at_the_Creek"] == "Clash at the Creek"
    assert names[f"{BADGER}|Badger_Mod_Tour:2012-03"].startswith("Round 3 at ")
    # races that also count for the Modified Nationals are rounds of this series here
    assert {f"{BADGER}|Modified_Nationals:2012-05", f"{BADGER}|Modified_Nationals:2013-04"} <= set(names)


def test_nascar_1949_keeps_the_rounds_whose_race_page_does_not_exist_without_results(worker, fresh, wiki_replay):
    db = fresh
    season = THIRDTURN_DIR / "season_1949_nascar_strictly_stock_central.html"
    races = listed_races(season)
    assert len(races) == 8
    run = worker.run("sync_series", NASCAR, season=1949, include_results=True, timeout=120)
    assert run["status"] == "succeeded" and run["rounds_done"] == 8, run
    stats = wiki_replay.stats()
    assert sorted(wiki_titles(stats)) == sorted([NASCAR, "1949_NASCAR_Strictly_Stock_Central", *races])
    assert sum(e["status"] == 404 for e in stats["log"]) == 7  # only NASCAR_Strictly_Stock:1949-01 is recorded
    statuses = dict(db.execute('SELECT r."RoundNumber", s."Status" FROM "Sessions" s JOIN "Rounds" r '
                               'ON r."Id" = s."RoundId"').fetchall())
    assert statuses == {1: COMPLETED, **{n: SCHEDULED for n in range(2, 9)}}
    table = soup(THIRDTURN_DIR / "nascar_strictly_stock_1949_01.html").select("table.racetable")
    finishers = [row for t in table for row in t.find_all("tr") if row.find("th") and row.find("a", href=True)
                 and len(row.find_all(["td", "th"])) == 10]
    assert count(db, 'SELECT count(*) FROM "Results"') + count(
        db, 'SELECT count(*) FROM "QuarantinedRecords" WHERE "Endpoint" = \'race\' AND "Reason" NOT LIKE '
            '\'missing page%%\'') == len(finishers)
    missing = count(db, 'SELECT count(*) FROM "QuarantinedRecords" WHERE "Reason" LIKE \'missing page%%\'')
    assert missing == 7  # counted, not failed
    # namesakes stay apart: the identity is the linked title, and the 1949 drivers are keyed by it
    assert count(db, 'SELECT count(*) FROM "SourceIdentities" WHERE "Kind" = \'driver\' AND "SourceKey" = '
                     '\'Jim_Roper\'') == 1


def test_no_results_writes_entrants_but_no_result_and_results_later_need_no_request(worker, fresh, wiki_replay):
    db = fresh
    run = worker.run("sync_series", WCS, season=2007, include_results=False, timeout=120)
    assert run["status"] == "succeeded" and run["rounds_done"] == 11, run
    assert count(db, 'SELECT count(*) FROM "Results"') == 0
    assert count(db, 'SELECT count(*) FROM "Entrants"') > 0
    wiki_replay.reset()
    later = worker.run("sync_series", WCS, season=2007, include_results=True, timeout=120)
    assert later["status"] == "succeeded" and later["requests"] == 0, later
    assert count(db, 'SELECT count(*) FROM "Results"') > 0


def test_an_unknown_series_fails_once_with_a_clear_error(worker, fresh, wiki_replay):
    run = worker.run("sync_series", "No_Such_Series_Central", timeout=60)
    assert run["status"] == "failed" and "has no page No_Such_Series_Central" in run["error"], run
    assert wiki_titles(wiki_replay.stats()) == ["No_Such_Series_Central"]


@pytest.mark.parametrize("args, kwargs, message", [
    (["Bad|Title"], {}, "not a wiki page title"),
    ([""], {}, "hub page's title"),
    ([WCS], {"season": "20x7"}, "season must be"),
    ([WCS], {"include_results": "yes"}, "include_results"),
    ([WCS], {"season": 1999}, "lists no season 1999"),
])
def test_bad_arguments_are_refused_before_any_page(worker, fresh, wiki_replay, args, kwargs, message):
    run = worker.run("sync_series", *args, timeout=60, **kwargs)
    assert run["status"] == "failed" and message in run["error"], run
    asked = wiki_titles(wiki_replay.stats())
    assert asked == ([WCS] if kwargs.get("season") == 1999 else [])  # only the hub, which lists the seasons


def test_a_driver_formula_1_already_holds_is_that_row_left_as_formula_1_wrote_it(worker, fresh, wiki_replay):
    """One person, one row (SPEC §6): a wiki driver whose slug a Formula 1 source holds is that row, and the wiki
    (a name and a page title) overwrites none of its attributes, even in a later round."""
    db = fresh
    row_id = db.execute('INSERT INTO "Drivers" ("Id", "FirstName", "LastName", "Slug", "Abbreviation", "DriverNumber", '
                        '"HeadshotUrl") VALUES (gen_random_uuid(), \'Jim\', \'Roper\', \'jim-roper\', \'ROP\', 34, '
                        '\'https://example.org/roper.png\') RETURNING "Id"').fetchone()[0]
    db.execute('INSERT INTO "SourceIdentities" ("Source", "Kind", "SourceKey", "RowId") VALUES '
               '(\'openf1\', \'driver\', \'Jim Roper\', %s)', [row_id])
    run = worker.run("sync_series", NASCAR, season=1949, include_results=True, timeout=120)
    assert run["status"] == "succeeded", run
    assert db.execute('SELECT "Id", "Abbreviation", "DriverNumber", "HeadshotUrl" FROM "Drivers" WHERE "LastName" = '
                      '\'Roper\'').fetchall() == [(row_id, "ROP", 34, "https://example.org/roper.png")]
    assert count(db, 'SELECT count(*) FROM "SourceIdentities" WHERE "RowId" = %s', row_id) == 2  # both sources
    assert count(db, 'SELECT count(*) FROM "Entrants" WHERE "DriverId" = %s', row_id) == 1


def ingestion(*args: str, **env: str) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([sys.executable, "-m", "ingestion", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=180, env={**os.environ, **env})


def test_sync_series_on_the_command_line_follows_the_crawl_to_its_end_without_a_spoiler(worker, fresh, wiki_replay):
    db = fresh
    done = ingestion("sync", "--series", "Wisconsin Challenge Series", "--season", "2007", "--no-results")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "sync_series('Wisconsin_Challenge_Series',)" in done.stdout and "rounds 11/11" in done.stdout
    assert count(db, 'SELECT count(*) FROM "Results"') == 0
    assert count(db, 'SELECT "Arguments"->>\'season\' FROM "SyncRuns"') == "2007"
    for refused in (["--series", "Bad|Title"], ["--series", WCS, "--season", "07x"], ["--season", "2007"]):
        outcome = ingestion("sync", *refused)
        assert outcome.returncode == 2 and "error" in outcome.stderr.lower(), (refused, outcome.stderr)
    assert count(db, 'SELECT count(*) FROM "SyncRuns"') == 1  # nothing sent for the refused ones


def test_a_race_page_whose_structure_changed_is_quarantined_and_the_rest_of_the_series_written(worker, fresh,
                                                                                              wiki_replay):
    """The wiki edits its templates: one race page loses its results table. That page is quarantined with the
    reason, its round is kept from the season page (no entrant, no result), every other race is written."""
    from dataclasses import replace

    db = fresh
    broken = "Badger_Mod_Tour:2012-03"
    page = wiki_replay.pages[broken]
    html = BeautifulSoup(page.body.decode(), "lxml")
    for table in html.select("table.racetable"):
        table.decompose()
    wiki_replay.pages[broken] = replace(page, body=str(html).encode())
    try:
        run = worker.run("sync_series", BADGER, include_results=True, timeout=120)
    finally:
        wiki_replay.pages[broken] = page
    assert run["status"] == "succeeded" and run["rounds_done"] == 14 and run["quarantined"] == 1, run
    (reason, key), = db.execute('SELECT "Reason", "RecordKey" FROM "QuarantinedRecords"').fetchall()
    assert key == broken and broken in reason and "FEATURE RESULTS" in reason
    rounds = dict(db.execute('SELECT i."SourceKey", (SELECT count(*) FROM "Entrants" e WHERE e."RoundId" = r."Id") '
                             'FROM "Rounds" r JOIN "SourceIdentities" i ON i."RowId" = r."Id" AND i."Kind" = '
                             '\'round\'').fetchall())
    assert rounds.pop(f"{BADGER}|{broken}") == 0 and len(rounds) == 13 and all(rounds.values())


def test_a_series_under_way_gets_results_for_its_past_seasons_only(worker, fresh, wiki_replay):
    """SPEC §3 per season: with no word on results, a season whose races have all been run is synced with them
    and the season under way without (here 2019, one of its races moved to 2099)."""
    from dataclasses import replace

    db = fresh
    title = "2019_Wisconsin_Challenge_Series_Central"
    page = wiki_replay.pages[title]
    html = BeautifulSoup(page.body.decode(), "lxml")
    cell = html.select_one("table.resultdiv").find(string=lambda s: s.strip().endswith(" 2019"))
    cell.replace_with(cell.replace(" 2019", " 2099"))
    wiki_replay.pages[title] = replace(page, body=str(html).encode())
    try:
        run = worker.run("sync_series", WCS, timeout=300)
    finally:
        wiki_replay.pages[title] = page
    assert run["status"] == "succeeded" and run["rounds_done"] == 81 and run["include_results"] is True, run
    with_results = dict(db.execute(
        'SELECT y."Year", count(x."Id") FROM "Seasons" y JOIN "Rounds" r ON r."SeasonId" = y."Id" JOIN "Sessions" s '
        'ON s."RoundId" = r."Id" LEFT JOIN "Results" x ON x."SessionId" = s."Id" GROUP BY 1').fetchall())
    assert with_results.pop(2019) == 0 and len(with_results) == 11 and all(with_results.values())
    assert count(db, 'SELECT count(*) FROM "Entrants" e JOIN "Rounds" r ON r."Id" = e."RoundId" WHERE r."Slug" LIKE '
                     '\'wisconsin-challenge-series-2019-%%\'') > 0  # its entrants are no spoiler
    flags = dict(db.execute('SELECT "Season", bool_and("IncludeResults") FROM "SyncRunRounds" GROUP BY 1').fetchall())
    assert flags.pop(2019) is False and all(flags.values())


def test_verify_compares_a_series_season_with_its_pages_now_and_names_a_missing_race(worker, fresh, wiki_replay):
    db = fresh
    assert worker.run("sync_series", WCS, season=2007, include_results=False, timeout=120)["status"] == "succeeded"
    wiki_replay.reset()
    wiki = {"THIRDTURN_BASE_URL": wiki_replay.base_url}
    done = ingestion("verify", "--series", WCS, "--season", "2007", **wiki)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "races listed by The Third Turn 11, present here 11" in done.stdout
    assert "season 2007: complete" in done.stdout
    assert sorted(wiki_titles(wiki_replay.stats())) == sorted([WCS, "2007_Wisconsin_Challenge_Series_Central"])
    gone = f"{WCS}|2007_Pepsi_100"
    db.execute('DELETE FROM "Rounds" WHERE "Id" = (SELECT "RowId" FROM "SourceIdentities" WHERE "SourceKey" = %s)',
               [gone])
    missing = ingestion("verify", "--series", WCS, "--season", "2007", **wiki)
    assert missing.returncode == 1 and gone in missing.stdout and "INCOMPLETE" in missing.stdout
    # Formula 1's verify leaves the series alone: their seasons are no Formula 1 season
    alone = ingestion("verify")
    assert alone.returncode == 1 and "no season to verify" in alone.stdout
