"""What Jolpica's module asks for and how it reads what was landed (pure, on real answers): the schedule is the
index; with results, the first page of each results endpoint the season has, then every page its `total` needs;
a round reads every page and merges its race across them."""

from __future__ import annotations

import json
import math
from datetime import datetime, time, timezone
from urllib.parse import parse_qsl

import pytest

from harness import jolpica_data as jd
from workers.errors import PermanentError
from workers.http import Answer
from workers.sources.base import Request, parts
from workers.sources.jolpica import SOURCE, parse_round_key

UTC = timezone.utc


def schedule_landing(body: str, year: int) -> jd.Landing:
    return jd.Landing(SOURCE).land(SOURCE.index_requests(year)[0], body)


def csv_schedule_landing(year: int) -> jd.Landing:
    races = [jd.csv_race(r["raceId"]) for r in jd.table("races") if r["year"] == str(year)]
    return schedule_landing(jd.envelope(year, races, limit=100, offset=0, total=len(races)), year)


def wanted(year: int, landing: jd.Landing, include_results: bool = True) -> list[Request]:
    rounds = SOURCE.rounds(year, landing).rounds
    return SOURCE.content_requests(year, rounds, True, parts(include_results), frozenset(), landing)


def land_until_nothing_new(year: int, landing: jd.Landing, answers: dict[str, str]) -> list[str]:
    """What the dispatcher does (pipeline.dispatch._Landing.land_content): ask, land what is new, ask again."""
    asked: list[str] = []
    while True:
        pending = [r for r in wanted(year, landing) if r.key not in asked]
        if not pending:
            return asked
        for request in pending:
            asked.append(request.key)
            landing.land(request, answers[request.key])


def real_pages(year: int, limit: int = 100) -> dict[str, str]:
    """The requests of a 2021/2022 season and the answers Jolpica would give (real rows, Jolpica's paging)."""
    landing = jd.season_landing(SOURCE, year, limit=limit)
    return {key: body for answers in landing.answers.values() for key, body in answers.items()}


# -- the index ---------------------------------------------------------------------------------------------------


def test_the_index_is_the_seasons_schedule_in_one_page():
    (request,) = SOURCE.index_requests(1999)
    assert (request.key, request.season, request.rounds, request.spoiler) == (
        "1999.json?limit=100&offset=0", 1999, None, False)


@pytest.mark.parametrize("name, part", [("load_schedule", "1999.json"), ("load_schedule", "2018.json")])
def test_rounds_are_keyed_season_slash_round_and_start_at_the_race(name, part):
    body = jd.cassette_body(name, part)
    races = json.loads(body)["MRData"]["RaceTable"]["Races"]
    year = int(races[0]["season"])
    index = SOURCE.rounds(year, schedule_landing(body, year))
    assert index.rejected == []
    assert [r.key for r in index.rounds] == [f"{r['season']}/{r['round']}" for r in races]
    for ref, race in zip(index.rounds, races):
        at = time.fromisoformat(race["time"].rstrip("Z")) if "time" in race else time(0)
        assert ref.start == ref.end == datetime.combine(datetime.fromisoformat(race["date"]).date(), at, tzinfo=UTC)


def test_an_empty_schedule_has_no_rounds():
    body = jd.fixture_text("races/2023@99@races.json")  # total "0", Races [] (HTTP 200)
    assert SOURCE.rounds(2023, schedule_landing(body, 2023)).rounds == []


# -- what a season asks for --------------------------------------------------------------------------------------


def test_without_results_nothing_but_the_schedule_is_asked_for():
    landing = jd.season_landing(SOURCE, 2021)
    assert wanted(2021, landing, include_results=False) == []


@pytest.mark.parametrize("year, endpoints", [
    (1993, ["1993/results.json"]),
    (1994, ["1994/results.json", "1994/qualifying.json"]),
    (2020, ["2020/results.json", "2020/qualifying.json"]),
    (2021, ["2021/results.json", "2021/qualifying.json", "2021/sprint.json"]),
])
def test_with_results_the_first_page_of_each_endpoint_the_season_has_is_asked_for(year, endpoints):
    asked = wanted(year, csv_schedule_landing(year))
    assert [r.key for r in asked] == [f"{e}?limit=100&offset=0" for e in endpoints]
    assert all(r.spoiler and r.rounds is None and r.season == year and not r.fallback for r in asked)


def test_once_the_first_page_is_landed_its_total_says_which_pages_follow():
    answers = real_pages(2021)
    landing = jd.season_landing(SOURCE, 2021, qualifying=False, sprint=False)
    first = json.loads(answers["2021/results.json?limit=100&offset=0"])["MRData"]
    results = [r.key for r in wanted(2021, landing) if r.endpoint == "2021/results.json"]
    assert results == [f"2021/results.json?limit=100&offset={o}" for o in range(0, int(first["total"]), 100)]


def test_a_real_first_page_of_thirty_rows_asks_for_the_rest_thirty_at_a_time():
    body = jd.fixture_text("results/2023@results.json")  # served with Jolpica's default limit, 30
    envelope = json.loads(body)["MRData"]
    landing = jd.Landing(SOURCE).land("2023.json", jd.fixture_text("races/2023.json"), "2023.json?limit=100&offset=0")
    landing.land("2023/results.json", body, "2023/results.json?limit=100&offset=0")
    results = [r for r in wanted(2023, landing) if r.endpoint == "2023/results.json"]
    step, total = int(envelope["limit"]), int(envelope["total"])
    assert [r.key for r in results] == [f"2023/results.json?limit=100&offset={o}" for o in range(0, total, step)]


def test_an_empty_first_page_needs_no_other():
    landing = jd.season_landing(SOURCE, 2021, sprint=False)
    landing.land("2021/sprint.json", jd.cassette_body("load_sprint", "2021/11/sprint.json"),
                 "2021/sprint.json?limit=100&offset=0")
    assert [r.key for r in wanted(2021, landing) if r.endpoint == "2021/sprint.json"] == [
        "2021/sprint.json?limit=100&offset=0"]


def result_rows_of_season(year: int) -> list[int]:
    """Rows of results, qualifying and sprint of a season, counted in the real data."""
    rounds = [jd.race_id(year, int(r["round"])) for r in jd.schedule_races(year)]
    return [sum(len(r["Results"]) for r in jd.gridview(year)["races"]),
            sum(len(jd.rows_of_race("qualifying").get(r, [])) for r in rounds),
            sum(len(jd.rows_of_race("sprint_results").get(r, [])) for r in rounds)]


@pytest.mark.parametrize("year", [2021, 2022])
def test_a_season_costs_its_schedule_and_one_request_per_hundred_rows_of_each_endpoint(year):
    answers = real_pages(year)
    asked = land_until_nothing_new(year, schedule_landing(answers[f"{year}.json?limit=100&offset=0"], year), answers)
    assert len(asked) == sum(math.ceil(n / 100) for n in result_rows_of_season(year))
    assert sorted(asked) == sorted(k for k in answers if not k.startswith(f"{year}.json"))


def test_no_request_ever_names_a_parameter_like_cache():
    answers = real_pages(2021)
    asked = land_until_nothing_new(2021, schedule_landing(answers["2021.json?limit=100&offset=0"], 2021), answers)
    for key in asked + [r.key for r in SOURCE.index_requests(2021)]:
        names = [name for name, _ in parse_qsl(key.partition("?")[2])]
        assert names == ["limit", "offset"]


# -- reading the pages back ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [100, 30])
def test_a_race_cut_by_a_page_is_merged_whole_across_pages(limit):
    landing = jd.season_landing(SOURCE, 2021, limit=limit)
    for race in jd.gridview(2021)["races"]:
        weekend = SOURCE.weekend(landing, f"2021/{race['round']}")
        assert weekend.results == race["Results"]
        assert weekend.qualifying == jd.csv_qualifying(jd.race_id(2021, int(race["round"])))


def test_pages_that_overlap_count_each_row_once():
    races = jd.gridview(2021)["races"]
    total = sum(len(r["Results"]) for r in races)
    landing = jd.season_landing(SOURCE, 2021, results=False, qualifying=False, sprint=False)
    # the first page served 30 rows, so 30 is the step; the next ones were asked with limit=100 and hold 100
    landing.land_pages("2021/results.json", jd.paged(2021, races, "Results", 30, offsets=[0]))
    landing.land_pages("2021/results.json", jd.paged(2021, races, "Results", 100, offsets=range(30, total, 30)))
    for race in races:
        assert SOURCE.weekend(landing, f"2021/{race['round']}").results == race["Results"]


def test_a_real_page_holds_the_part_of_a_race_it_cut():
    body = jd.fixture_text("results/2023@results.json")
    races = json.loads(body)["MRData"]["RaceTable"]["Races"]
    landing = jd.Landing(SOURCE).land("2023.json", jd.fixture_text("races/2023.json"), "2023.json?limit=100&offset=0")
    landing.land("2023/results.json", body, "2023/results.json?limit=100&offset=0")
    for race in races:
        assert SOURCE.weekend(landing, f"2023/{race['round']}").results == race["Results"]
    assert SOURCE.weekend(landing, "2023/3").results == []


def test_pages_beyond_a_newer_first_pages_total_are_left_over_and_ignored():
    races = jd.gridview(2021)["races"]
    landing = jd.season_landing(SOURCE, 2021, qualifying=False, sprint=False)
    landing.land_pages("2021/results.json", jd.paged(2021, races[:10], "Results", 100))  # the season shrank
    assert [len(SOURCE.weekend(landing, f"2021/{r['round']}").results) for r in races] == (
        [len(r["Results"]) for r in races[:10]] + [0] * (len(races) - 10))


def test_an_answer_decodes_to_one_page_with_its_paging_and_races_as_received():
    body = jd.cassette_body("load_schedule", "1999.json")
    (page,) = SOURCE.decode("1999.json", Answer(200, body))
    envelope = json.loads(body)["MRData"]
    assert (page.limit, page.offset, page.total) == tuple(int(envelope[k]) for k in ("limit", "offset", "total"))
    assert page.races == envelope["RaceTable"]["Races"]


def test_an_answer_that_is_not_a_page_is_refused():
    with pytest.raises(PermanentError, match="not a page"):
        SOURCE.decode("2021/results.json", Answer(200, '{"MRData": {"limit": "100"}}'))


def test_a_round_missing_from_the_schedule_is_refused():
    with pytest.raises(PermanentError, match="not in its season's landed schedule"):
        SOURCE.weekend(jd.season_landing(SOURCE, 2021), "2021/23")
    with pytest.raises(PermanentError, match="not a Jolpica round key"):
        parse_round_key("1250")
