"""Jolpica's race, sprint and qualifying rows → Results (SPEC §5), each matched to its entrant by driverId and
constructorId, on the real rows that show each case: Jolpica's 2021/2022 race results, its recorded answers
(2003 retirements, 2004 Q1-only qualifying, 2015 cancelled Q3, 2021 Belgian half points) and the Ergast CSV
(status letters R D E W F N, grid 0, qualifying segments, 1950s shared drives, shared car numbers)."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import timedelta

import pytest

from harness import jolpica_data as jd
from workers.rows import SOURCE_KEY, EntrantInfo, SessionInfo, SessionStatus, SessionType, entrants_by_car_number
from workers.sources.jolpica import SOURCE
from workers.sources.jolpica import results as jresults
from workers.sources.jolpica.mapping import Weekend
from workers.sources.jolpica.models import QualifyingResult, Race, RaceResult

FINISHED, DNF, DNS, DSQ, NC = range(5)  # SPEC §1, written out
STATUS_OF_LETTER = {"R": DNF, "D": DSQ, "E": DSQ, "W": DNS, "F": DNS, "N": NC}  # SPEC §5


def written(landing: jd.Landing, round_key: str):
    """What the steps would hand the results mapping: the round's sessions and entrants as written, each keyed as
    the writer registers them (session source key; entrant by its driver's and team's source keys)."""
    rows = SOURCE.round_rows(landing, round_key, None)
    sessions = [SessionInfo(s[SOURCE_KEY], s[SOURCE_KEY], SessionType(s["Type"]), SessionStatus(s["Status"]))
                for s in rows.sessions]
    entrant_rows = SOURCE.entrant_rows(landing, round_key, {})
    driver_key = {d["Slug"]: d[SOURCE_KEY] for d in entrant_rows.drivers}
    team_key = {t["Slug"]: t[SOURCE_KEY] for t in entrant_rows.teams}
    entrants = [EntrantInfo((e["DriverSlug"], e["TeamSlug"]), e["CarNumber"], driver_key[e["DriverSlug"]],
                            team_key[e["TeamSlug"]]) for e in entrant_rows.entrants]
    return sessions, entrants


def mapped(landing: jd.Landing, round_key: str):
    sessions, entrants = written(landing, round_key)
    return SOURCE.result_rows(landing, round_key, sessions, entrants)


def of_session(rows, round_key: str, name: str) -> list[dict]:
    return [r for r in rows if r["SessionId"] == f"{round_key}/{name}"]


def expected_race_row(row: dict) -> dict:
    """SPEC §5, computed from a real row independently of the mapping."""
    classified = row["positionText"].isdigit()
    return {
        "Position": int(row["positionText"]) if classified else None,
        "GridPosition": int(row["grid"]) or None,
        "Status": FINISHED if classified else STATUS_OF_LETTER[row["positionText"]],
        "Points": float(row["points"]),
        "Time": timedelta(milliseconds=int(row["Time"]["millis"])) if "Time" in row else None,
        "Laps": int(row["laps"]),
        "FastestLap": row.get("FastestLap", {}).get("rank") == "1",
    }


def key_of(row: dict) -> tuple[str, str]:
    return (row["Driver"]["driverId"], row["Constructor"]["constructorId"])


# -- race results ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("year", [2021, 2022])
def test_every_race_result_of_a_season_maps_as_spec_says(year):
    landing = jd.season_landing(SOURCE, year)
    for race in jd.gridview(year)["races"]:
        key = f"{year}/{race['round']}"
        result = mapped(landing, key)
        assert result.rejected == []
        rows = of_session(result.rows, key, "race")
        assert len(rows) == len(race["Results"])
        by_entrant = {r["EntrantId"]: r for r in rows}
        for row in race["Results"]:
            driver = row["Driver"]
            entrant = (jd.slug(f"{driver['givenName']} {driver['familyName']}"), jd.slug(row["Constructor"]["name"]))
            got = {k: v for k, v in by_entrant[entrant].items() if k not in ("SessionId", "EntrantId")}
            assert got == expected_race_row(row)


def test_exactly_one_race_winner_a_season_holds_the_fastest_lap_per_race():
    landing = jd.season_landing(SOURCE, 2021)
    for race in jd.gridview(2021)["races"]:
        key = f"2021/{race['round']}"
        rows = of_session(mapped(landing, key).rows, key, "race")
        expected = sum(r.get("FastestLap", {}).get("rank") == "1" for r in race["Results"])
        assert sum(r["FastestLap"] for r in rows) == expected


def test_half_points_of_the_2021_belgian_gp_are_floats():
    body = json.loads(jd.cassette_body("load_results", "2021/12/results.json"))
    (race,) = body["MRData"]["RaceTable"]["Races"]
    halves = [r for r in race["Results"] if float(r["points"]) % 1]
    assert halves
    for row in race["Results"]:
        assert jresults.race_row(RaceResult.model_validate(row))["Points"] == float(row["points"])


def test_2003_retirements_have_no_position_no_time_and_no_fastest_lap():
    body = json.loads(jd.cassette_body("load_results", "2003/1/results.json"))
    (race,) = body["MRData"]["RaceTable"]["Races"]
    retired = [r for r in race["Results"] if r["positionText"] == "R"]
    assert retired
    for row in race["Results"]:
        assert jresults.race_row(RaceResult.model_validate(row)) == expected_race_row(row)


@pytest.mark.parametrize("letter", sorted(STATUS_OF_LETTER))
def test_each_status_letter_maps_on_every_real_row_that_has_it(letter):
    rows = [r for r in jd.table("results") if r["positionText"] == letter]
    rows += [r for r in jd.table("sprint_results") if r["positionText"] == letter]
    assert rows, letter
    for row in rows:
        got = jresults.race_row(RaceResult.model_validate(jd.csv_result(row)))
        assert (got["Status"], got["Position"]) == (STATUS_OF_LETTER[letter], None)


def test_a_classified_row_is_finished_at_its_position_on_every_real_row():
    rows = [r for r in jd.table("results") + jd.table("sprint_results") if r["positionText"].isdigit()]
    for row in rows:
        got = jresults.race_row(RaceResult.model_validate(jd.csv_result(row)))
        assert (got["Status"], got["Position"]) == (FINISHED, int(row["positionText"]))


def test_a_place_left_vacant_keeps_the_classified_places_not_the_order():
    vacant = [r for r in jd.table("results") if r["positionText"].isdigit() and r["position"] != jd.CSV_NULL
              and r["positionText"] != r["positionOrder"]]
    assert vacant  # 1983 Brazilian GP: second place left vacant after a disqualification
    for row in vacant:
        built = jd.csv_result(row)
        assert built["position"] != built["positionText"]
        assert jresults.race_row(RaceResult.model_validate(built))["Position"] == int(row["positionText"])


def test_grid_zero_is_no_grid_position_on_every_real_row():
    rows = [r for r in jd.table("results") if r["grid"] == "0"]
    assert rows
    assert {jresults.race_row(RaceResult.model_validate(jd.csv_result(r)))["GridPosition"] for r in rows} == {None}


def test_a_position_text_jolpica_never_sends_is_rejected_not_defaulted():
    race = jd.gridview(2022)["races"][0]
    row = {**race["Results"][-1], "positionText": "?"}  # a real row with an unknown letter
    weekend = Weekend(Race.model_validate(race), results=[row])
    sessions = [SessionInfo("s", "2022/1/race", SessionType.RACE, SessionStatus.COMPLETED)]
    result = jresults.result_rows(weekend, sessions, [EntrantInfo("e", None, *key_of(row))])
    assert result.rows == [] and [r.reason for r in result.rejected] == ["unknown positionText '?'"]
    assert result.rejected[0].payload is row


# -- qualifying -----------------------------------------------------------------------------------------------------


def lap_time(text: str | None) -> timedelta | None:
    if not text or text == jd.CSV_NULL:
        return None
    minutes, _, seconds = text.rpartition(":")
    return timedelta(minutes=int(minutes or 0), seconds=float(seconds))


def test_qualifying_time_is_the_last_segment_set_on_every_real_row():
    seen = defaultdict(int)
    for row in jd.table("qualifying"):
        got = jresults.qualifying_row(QualifyingResult.model_validate(jd.csv_qualifying_row(row)))
        segments = [lap_time(row[q]) for q in ("q3", "q2", "q1")]
        expected = next((t for t in segments if t is not None), None)
        assert got == {"Position": int(row["position"]), "GridPosition": None, "Status": FINISHED, "Points": None,
                       "Time": expected, "Laps": None, "FastestLap": False}
        seen[sum(t is not None for t in segments)] += 1
    assert all(seen[n] for n in (0, 1, 2, 3))  # no time at all, Q1 only, Q1–Q2, all three


@pytest.mark.parametrize("uri", ["2004/1/qualifying.json", "2015/16/qualifying.json"])
def test_recorded_qualifying_with_one_segment_or_a_cancelled_q3(uri):
    (race,) = json.loads(jd.cassette_body("load_quali", uri))["MRData"]["RaceTable"]["Races"]
    for row in race["QualifyingResults"]:
        got = jresults.qualifying_row(QualifyingResult.model_validate(row))
        expected = next((lap_time(row.get(q)) for q in ("Q3", "Q2", "Q1") if lap_time(row.get(q))), None)
        assert (got["Position"], got["Time"]) == (int(row["position"]), expected)
    assert not any("Q3" in r for r in race["QualifyingResults"])


@pytest.mark.parametrize("year", [2021, 2022])
def test_qualifying_and_sprint_results_of_a_season_land_on_their_sessions(year):
    landing = jd.season_landing(SOURCE, year)
    for race in jd.schedule_races(year):
        key, rid = f"{year}/{race['round']}", jd.race_id(year, int(race["round"]))
        result = mapped(landing, key)
        assert result.rejected == []
        assert len(of_session(result.rows, key, "qualifying")) == len(jd.rows_of_race("qualifying").get(rid, []))
        sprint = of_session(result.rows, key, "sprint")
        assert len(sprint) == len(jd.rows_of_race("sprint_results").get(rid, []))
        by_entrant = {r["EntrantId"]: r for r in sprint}
        for row in jd.csv_sprint(rid):
            entrant = (jd.slug(f"{row['Driver']['givenName']} {row['Driver']['familyName']}"),
                       jd.slug(row["Constructor"]["name"]))
            got = {k: v for k, v in by_entrant[entrant].items() if k not in ("SessionId", "EntrantId")}
            assert got == {**expected_race_row(row), "FastestLap": False}


# -- matching results to entrants, and shared drives ------------------------------------------------------------


def shared_drive_races() -> dict[str, list[list[dict[str, str]]]]:
    races = defaultdict(list)
    for (race, _, _), rows in jd.shared_drives().items():
        races[race].append(rows)
    return races


def test_in_a_shared_drive_the_better_classified_row_is_kept_and_the_other_quarantined():
    kept = quarantined = 0
    for race, cases in sorted(shared_drive_races().items()):
        key = jd.round_key_of(race)
        result = mapped(jd.csv_weekend_landing(SOURCE, [race]), key)
        rows = of_session(result.rows, key, "race")
        assert len({r["EntrantId"] for r in rows}) == len(rows)
        assert len(rows) == len(jd.rows_of_race("results")[race]) - sum(len(c) - 1 for c in cases)
        for shared in cases:
            best, *others = sorted(shared, key=lambda r: int(r["positionOrder"]))
            rejected = [r for r in result.rejected if r.payload["Driver"]["driverId"] == driver_ref(best)
                        and r.payload["Constructor"]["constructorId"] == team_ref(best)]
            assert sorted(r.payload["position"] for r in rejected) == sorted(o["positionOrder"] for o in others)
            assert all(r.reason.startswith("shared drive:") and r.endpoint == "results" for r in rejected)
            kept, quarantined = kept + 1, quarantined + len(rejected)
        assert len(result.rejected) == sum(len(c) - 1 for c in cases)
    cases = jd.shared_drives()
    assert (kept, quarantined) == (len(cases), sum(len(rows) - 1 for rows in cases.values()))


def driver_ref(row: dict[str, str]) -> str:
    return jd.by_id("drivers", "driverId")[row["driverId"]]["driverRef"]


def team_ref(row: dict[str, str]) -> str:
    return jd.by_id("constructors", "constructorId")[row["constructorId"]]["constructorRef"]


def shared_cars() -> dict[str, dict[str, list[dict[str, str]]]]:
    """race → car number → its rows, where one number was carried by several entrants (a car handed over during
    the race), none of them in a shared drive (so each entrant has that number)."""
    rows_of = defaultdict(list)
    for row in jd.table("results"):
        rows_of[(row["raceId"], row["driverId"], row["constructorId"])].append(row)
    by_number = defaultdict(list)
    for (race, _, _), rows in rows_of.items():
        if len(rows) == 1 and rows[0]["number"] != jd.CSV_NULL:
            by_number[(race, rows[0]["number"])].append(rows[0])
    races = defaultdict(dict)
    for (race, number), rows in by_number.items():
        if len(rows) > 1:
            races[race][number] = rows
    return races


def test_a_car_number_carried_by_two_entrants_matches_none_by_number_but_each_by_its_ids():
    races = shared_cars()
    assert races
    for race, numbers in sorted(races.items()):
        key = jd.round_key_of(race)
        landing = jd.csv_weekend_landing(SOURCE, [race])
        _, entrants = written(landing, key)
        by_number = entrants_by_car_number(entrants)
        assert not {int(n) for n in numbers} & set(by_number)
        carried_once = [e for e in entrants if [o.car_number for o in entrants].count(e.car_number) == 1]
        assert {e.car_number: e.id for e in carried_once if e.car_number is not None} == by_number
        result = mapped(landing, key)
        entrant_ids = {r["EntrantId"] for r in of_session(result.rows, key, "race")}
        for rows in numbers.values():
            for row in rows:
                built = jd.csv_result(row)
                driver = built["Driver"]
                assert (jd.slug(f"{driver['givenName']} {driver['familyName']}"),
                        jd.slug(built["Constructor"]["name"])) in entrant_ids


def test_rows_without_a_car_number_get_results_through_their_ids():
    races = {r["raceId"] for r in jd.table("results") if r["number"] == jd.CSV_NULL}
    for race in races:
        key = jd.round_key_of(race)
        result = mapped(jd.csv_weekend_landing(SOURCE, [race]), key)
        assert result.rejected == []
        assert len(of_session(result.rows, key, "race")) == len(jd.rows_of_race("results")[race])


def test_a_result_whose_entrant_was_not_written_is_quarantined_with_the_ids_it_names():
    landing = jd.season_landing(SOURCE, 2022)
    sessions, entrants = written(landing, "2022/1")
    result = SOURCE.result_rows(landing, "2022/1", sessions, entrants[1:])
    missing = {(e.driver_key, e.team_key) for e in entrants[:1]}
    assert {r.reason for r in result.rejected} == {f"no entrant for {d} in {t}" for d, t in missing}
    assert {key_of(r.payload) for r in result.rejected} == missing


def test_a_row_naming_no_driver_is_rejected_once_by_the_entrants_step():
    race = jd.gridview(2022)["races"][0]
    row = {k: v for k, v in race["Results"][0].items() if k != "Driver"}  # a real row without its Driver
    weekend = Weekend(Race.model_validate(race), results=[row] + race["Results"][1:])
    from workers.sources.jolpica.mapping import entrant_rows

    entrants = entrant_rows(weekend)
    assert [(r.endpoint, r.payload) for r in entrants.rejected] == [("results", row)]
    assert "Driver" in entrants.rejected[0].reason
    sessions = [SessionInfo("s", "2022/1/race", SessionType.RACE, SessionStatus.COMPLETED)]
    infos = [EntrantInfo(i, None, *key_of(r)) for i, r in enumerate(race["Results"][1:])]
    result = jresults.result_rows(weekend, sessions, infos)
    assert result.rejected == [] and len(result.rows) == len(race["Results"]) - 1


def test_a_row_with_a_bad_result_value_is_an_entrant_and_its_result_is_rejected_by_the_results_step():
    race = jd.gridview(2022)["races"][0]
    row = {**race["Results"][0], "grid": "pit"}  # a real row with a word where the grid slot is
    weekend = Weekend(Race.model_validate(race), results=[row] + race["Results"][1:])
    from workers.sources.jolpica.mapping import entrant_rows

    assert entrant_rows(weekend).rejected == [] and len(entrant_rows(weekend).entrants) == len(race["Results"])
    sessions = [SessionInfo("s", "2022/1/race", SessionType.RACE, SessionStatus.COMPLETED)]
    infos = [EntrantInfo(i, None, *key_of(r)) for i, r in enumerate(race["Results"])]
    result = jresults.result_rows(weekend, sessions, infos)
    assert [(r.endpoint, r.payload) for r in result.rejected] == [("results", row)]
    assert result.rejected[0].reason.startswith("invalid record: grid:")
    assert len(result.rows) == len(race["Results"]) - 1


def test_results_of_a_session_the_round_lacks_are_quarantined():
    race = jd.gridview(2022)["races"][0]
    weekend = Weekend(Race.model_validate(race), results=race["Results"])
    infos = [EntrantInfo(i, None, *key_of(r)) for i, r in enumerate(race["Results"])]
    result = jresults.result_rows(weekend, [], infos)
    assert result.rows == [] and {r.reason for r in result.rejected} == {"the round has no race session"}


def test_result_rows_do_not_depend_on_the_order_of_the_rows():
    race = sorted(shared_drive_races())[0]
    rows = jd.csv_results(race)
    weekend = Weekend(Race.model_validate(jd.csv_race(race)), results=rows)
    sessions = [SessionInfo("s", f"{jd.round_key_of(race)}/race", SessionType.RACE, SessionStatus.COMPLETED)]
    infos = [EntrantInfo(k, None, *k) for k in {key_of(r) for r in rows}]
    backwards = Weekend(weekend.race, results=rows[::-1])
    one, other = (jresults.result_rows(w, sessions, infos) for w in (weekend, backwards))
    assert sorted(map(repr, one.rows)) == sorted(map(repr, other.rows))
    assert sorted(r.payload["position"] for r in one.rejected) == sorted(r.payload["position"] for r in other.rejected)


def test_no_rejection_reason_carries_a_position_time_or_points_value():
    for race in sorted(shared_drive_races()):
        for rejected in mapped(jd.csv_weekend_landing(SOURCE, [race]), jd.round_key_of(race)).rejected:
            assert set(re.findall(r"\d+(?:\.\d+)?", rejected.reason)) <= {rejected.payload["number"]}
