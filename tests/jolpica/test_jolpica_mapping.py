"""Pure mapping of Jolpica races to rounds, sessions, circuits, drivers, teams and entrants (SPEC §5, §6), on the
real data: Jolpica's 2021/2022 schedules and results, its recorded answers, and the Ergast CSV where no JSON exists.
Expected values are computed from those files here, not taken from the mapping."""

from __future__ import annotations

import glob
import json
from collections import defaultdict
from datetime import date, datetime, time, timezone

import pytest

from harness import jolpica_data as jd
from workers.rows import SOURCE_KEY
from workers.sources.jolpica import SOURCE
from workers.sources.jolpica import mapping
from workers.sources.jolpica.models import Entry, Race
from workers.sources.openf1 import endpoints as openf1_endpoints
from workers.sources.openf1 import mapping as openf1_mapping

UTC = timezone.utc
slug = jd.slug
NOW = datetime(2026, 1, 1, tzinfo=UTC)
FP1, FP2, FP3, QUALIFYING, SPRINT_QUALIFYING, SPRINT, RACE = range(7)  # SPEC §1, written out
COMPLETED = 2
SESSION_KEY_NAMES = {FP1: "fp1", FP2: "fp2", FP3: "fp3", QUALIFYING: "qualifying", SPRINT: "sprint", RACE: "race"}
SCHEDULE_TYPES = {"FirstPractice": FP1, "SecondPractice": FP2, "ThirdPractice": FP3, "Qualifying": QUALIFYING}


def at(day: str, clock: str | None = None) -> datetime:
    """A Jolpica date and optional `HH:MM:SSZ` time as UTC."""
    return datetime.combine(date.fromisoformat(day), time.fromisoformat((clock or "00:00:00").rstrip("Z")), tzinfo=UTC)


def has_sprint(year: int, round_number: str) -> bool:
    return bool(jd.rows_of_race("sprint_results").get(jd.race_id(year, int(round_number))))


def round_rows(landing, round_key):
    return SOURCE.round_rows(landing, round_key, NOW)


# -- rounds -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("year", [2021, 2022])
def test_every_race_is_a_round_named_and_numbered_as_jolpica_says(year):
    landing = jd.season_landing(SOURCE, year)
    for race in jd.schedule_races(year):
        rows = round_rows(landing, f"{year}/{race['round']}")
        sessions = [race[k]["date"] for k in ("FirstPractice", "SecondPractice", "ThirdPractice", "Qualifying",
                                               "Sprint") if k in race]
        assert rows.round == {
            "Name": race["raceName"], "Slug": f"{year}-{slug(race['raceName'])}", "RoundNumber": int(race["round"]),
            "DateStart": date.fromisoformat(min(sessions + [race["date"]])),
            "DateEnd": date.fromisoformat(race["date"]),
            SOURCE_KEY: f"{year}/{race['round']}"}  # no OpenF1 key: history's rounds are found by their identity
        assert rows.year == year and rows.series == openf1_mapping.SERIES  # one Formula 1 whatever the source


def test_a_round_named_with_accents_gets_an_ascii_slug():
    landing = jd.season_landing(SOURCE, 2021)
    accented = [r for r in jd.schedule_races(2021) if not r["raceName"].isascii()]
    assert accented
    for race in accented:
        round_slug = round_rows(landing, f"2021/{race['round']}").round["Slug"]
        assert round_slug.isascii() and round_slug == f"2021-{slug(race['raceName'])}"


def test_every_ergast_race_from_1950_gets_a_round_slug_of_its_own():
    slugs = [mapping.round_slug(Race.model_validate(jd.csv_race(r["raceId"]))) for r in jd.table("races")]
    assert len(set(slugs)) == len(slugs) == len(jd.table("races"))


def test_before_2021_a_round_starts_on_its_race_day():
    landing = jd.csv_weekend_landing(SOURCE, [r["raceId"] for r in jd.table("races") if r["year"] == "1999"])
    for race in (r for r in jd.table("races") if r["year"] == "1999"):
        rows = round_rows(landing, f"1999/{race['round']}")
        assert rows.round["DateStart"] == rows.round["DateEnd"] == date.fromisoformat(race["date"])


# -- sessions -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("year", [2021, 2022])
def test_sessions_2021_on_come_from_the_schedule_and_the_sprint_from_its_results(year):
    landing = jd.season_landing(SOURCE, year)
    for race in jd.schedule_races(year):
        key = f"{year}/{race['round']}"
        expected = {RACE: at(race["date"], race["time"])}
        for name, kind in SCHEDULE_TYPES.items():
            if name in race:  # 2021 lists dates only: 00:00 UTC; 2022 dates and times
                expected[kind] = at(race[name]["date"], race[name].get("time") if year >= 2022 else None)
        if has_sprint(year, race["round"]):
            expected[SPRINT] = at(race["Sprint"]["date"], race["Sprint"].get("time") if year >= 2022 else None)
        sessions = round_rows(landing, key).sessions
        assert {s["Type"]: s["StartTimeUtc"] for s in sessions} == expected
        assert all(s["Status"] == COMPLETED and "OpenF1SessionKey" not in s for s in sessions)
        assert {s[SOURCE_KEY] for s in sessions} == {f"{key}/{SESSION_KEY_NAMES[t]}" for t in expected}


def test_2021_sprint_weekends_have_two_practices_qualifying_on_friday_and_a_sprint():
    landing = jd.season_landing(SOURCE, 2021)
    sprint_rounds = [r["round"] for r in jd.schedule_races(2021) if has_sprint(2021, r["round"])]
    assert len(sprint_rounds) == 3  # SOURCES.md: rounds 10, 14, 19
    for number in sprint_rounds:
        kinds = sorted(s["Type"] for s in round_rows(landing, f"2021/{number}").sessions)
        assert kinds == [FP1, FP2, QUALIFYING, SPRINT, RACE]


def test_practice_and_qualifying_dates_before_2021_are_ignored_as_jolpicas_guesses():
    body = jd.cassette_body("load_schedule", "2018.json")  # lists FP1–FP3 and qualifying dates for 2018
    landing = jd.Landing(SOURCE).land("2018.json", body, "2018.json?limit=100&offset=0")
    races = json.loads(body)["MRData"]["RaceTable"]["Races"]
    for race in races:
        rid = jd.race_id(2018, int(race["round"]))
        with_rows = [{**race, "QualifyingResults": jd.csv_qualifying(rid)}]
        landing.land("2018/qualifying.json", jd.envelope(2018, with_rows, limit=100, offset=0, total=1),
                     "2018/qualifying.json?limit=100&offset=0")
        sessions = {s["Type"]: s["StartTimeUtc"] for s in round_rows(landing, f"2018/{race['round']}").sessions}
        assert "FirstPractice" in race and "Qualifying" in race
        assert sessions == {RACE: at(race["date"], race["time"]), QUALIFYING: at(race["date"])}


def test_before_1994_no_qualifying_session_and_before_2005_races_start_at_midnight():
    for year in (1993, 1999, 2004, 2005):
        races = [r for r in jd.table("races") if r["year"] == str(year)]
        landing = jd.csv_weekend_landing(SOURCE, [r["raceId"] for r in races])
        for race in races:
            sessions = {s["Type"]: s["StartTimeUtc"] for s in round_rows(landing, f"{year}/{race['round']}").sessions}
            clock = race["time"] if year >= 2005 and race["time"] != jd.CSV_NULL else None
            assert sessions[RACE] == at(race["date"], clock)
            assert (QUALIFYING in sessions) == bool(jd.rows_of_race("qualifying").get(race["raceId"]))
            assert set(sessions) <= {RACE, QUALIFYING}
    assert not any(jd.season_of(r["raceId"]) < 1994 for r in jd.table("qualifying"))


def test_the_1999_schedule_without_times_puts_every_race_at_midnight_utc():
    body = jd.cassette_body("load_schedule", "1999.json")
    landing = jd.Landing(SOURCE).land("1999.json", body, "1999.json?limit=100&offset=0")
    for race in json.loads(body)["MRData"]["RaceTable"]["Races"]:
        (race_session,) = round_rows(landing, f"1999/{race['round']}").sessions
        assert race_session["Type"] == RACE and race_session["StartTimeUtc"] == at(race["date"])


# -- circuits, drivers, teams ------------------------------------------------------------------------------------


def test_a_circuit_is_known_by_its_circuit_id():
    landing = jd.season_landing(SOURCE, 2022)
    for race in jd.schedule_races(2022):
        circuit, location = race["Circuit"], race["Circuit"]["Location"]
        assert round_rows(landing, f"2022/{race['round']}").circuit == {
            "Name": circuit["circuitName"], "Slug": slug(circuit["circuitId"]), "Location": location["locality"],
            "Country": location["country"], "CountryCode": None, "LayoutMapUrl": None,
            "Latitude": float(location["lat"]), "Longitude": float(location["long"]),
            SOURCE_KEY: circuit["circuitId"]}


def test_every_ergast_circuit_driver_and_team_gets_a_slug_of_its_own():
    circuits = {slug(c["circuitRef"]) for c in jd.table("circuits")}
    drivers = {mapping.driver_row(entry(d["driverRef"], d["forename"], d["surname"]))["Slug"]
               for d in jd.table("drivers")}
    teams = {mapping.team_row(entry("x", "x", "x", c["constructorRef"], c["name"]))["Slug"]
             for c in jd.table("constructors")}
    assert (len(circuits), len(drivers), len(teams)) == tuple(
        len(jd.table(t)) for t in ("circuits", "drivers", "constructors"))
    rebrands = {c["constructorRef"]: slug(c["name"]) for c in jd.table("constructors")}
    assert rebrands["toro_rosso"] != rebrands["alphatauri"]


def entry(driver_id, given, family, constructor_id="c", name="c") -> Entry:
    return Entry.model_validate({"Driver": {"driverId": driver_id, "givenName": given, "familyName": family},
                                 "Constructor": {"constructorId": constructor_id, "name": name}})


def test_drivers_are_keyed_by_driver_id_and_never_get_a_driver_number():
    landing = jd.season_landing(SOURCE, 2021)
    rows = SOURCE.entrant_rows(landing, "2021/1", {})
    drivers = {d["Driver"]["driverId"]: d["Driver"] for d in jd.gridview(2021)["races"][0]["Results"]}
    assert {d[SOURCE_KEY] for d in rows.drivers} == set(drivers)
    for row in rows.drivers:
        driver = drivers[row[SOURCE_KEY]]
        assert row == {"FirstName": driver["givenName"], "LastName": driver["familyName"],
                       "Slug": slug(f"{driver['givenName']} {driver['familyName']}"), "Abbreviation": driver["code"],
                       "Nationality": driver["nationality"], "HeadshotUrl": None, SOURCE_KEY: driver["driverId"]}
        assert "DriverNumber" not in row


def test_jolpicas_2023_drivers_get_the_slug_openf1s_mapping_gives_the_same_people():
    jolpica = {d["code"]: mapping.driver_row(Entry.model_validate({"Driver": d, "Constructor": {
        "constructorId": "c", "name": "c"}}))["Slug"]
        for d in jd.fixture("drivers/2023@drivers.json")["MRData"]["DriverTable"]["Drivers"]}
    records = [r for f in sorted(glob.glob(str(jd.DATA_DIR.parent / "openf1" / "2023" / "drivers_session_*.json")))
               for r in json.loads(open(f, encoding="utf-8").read())]
    drivers, _ = openf1_endpoints.validate(openf1_endpoints.DRIVERS, records)
    openf1 = {d["Abbreviation"]: d["Slug"] for d in openf1_mapping.entrant_rows(drivers).drivers}
    assert jolpica and all(openf1[code] == driver_slug for code, driver_slug in jolpica.items())


def test_teams_are_keyed_by_constructor_id():
    rows = SOURCE.entrant_rows(jd.season_landing(SOURCE, 2022), "2022/1", {})
    teams = {r["Constructor"]["constructorId"]: r["Constructor"] for r in jd.gridview(2022)["races"][0]["Results"]}
    assert sorted(rows.teams, key=lambda t: t[SOURCE_KEY]) == [
        {"Name": teams[k]["name"], "Slug": slug(teams[k]["name"]), "PrimaryColor": None, SOURCE_KEY: k}
        for k in sorted(teams)]


# -- entrants ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("year", [2021, 2022])
def test_one_entrant_per_driver_and_constructor_of_the_round_with_its_car_number(year):
    landing = jd.season_landing(SOURCE, year)
    for race in jd.gridview(year)["races"]:
        rows = SOURCE.entrant_rows(landing, f"{year}/{race['round']}", {})
        expected = {(slug(f"{r['Driver']['givenName']} {r['Driver']['familyName']}"), slug(r["Constructor"]["name"]),
                     int(r["number"])) for r in race["Results"]}
        assert {(e["DriverSlug"], e["TeamSlug"], e["CarNumber"]) for e in rows.entrants} == expected
        assert len(rows.entrants) == len(expected) and rows.rejected == []


def test_a_driver_without_a_qualifying_row_is_still_an_entrant_from_the_race():
    race = jd.race_id(2021, 5)  # SOURCES.md: Mick Schumacher did not take part in qualifying at Monaco
    in_race = {r["driverId"] for r in jd.rows_of_race("results")[race]}
    in_qualifying = {r["driverId"] for r in jd.rows_of_race("qualifying")[race]}
    (missing,) = in_race - in_qualifying
    rows = SOURCE.entrant_rows(jd.season_landing(SOURCE, 2021), "2021/5", {})
    driver = jd.by_id("drivers", "driverId")[missing]
    assert slug(f"{driver['forename']} {driver['surname']}") in {e["DriverSlug"] for e in rows.entrants}
    assert len(rows.entrants) == len(in_race)


def races_where(predicate) -> dict[str, list[dict[str, str]]]:
    return {race: rows for race, rows in jd.rows_of_race("results").items() if predicate(rows)}


def test_a_car_number_jolpica_writes_as_none_gives_an_entrant_without_a_number():
    races = races_where(lambda rows: any(r["number"] == jd.CSV_NULL for r in rows))
    assert sum(r["number"] == jd.CSV_NULL for rows in races.values() for r in rows) == 6  # 1961–1963, all W
    for race, rows in races.items():
        landing = jd.csv_weekend_landing(SOURCE, [race])
        entrants = SOURCE.entrant_rows(landing, jd.round_key_of(race), {}).entrants
        numbers = {e["DriverSlug"]: e["CarNumber"] for e in entrants}
        for row in rows:
            driver = jd.by_id("drivers", "driverId")[row["driverId"]]
            expected = None if row["number"] == jd.CSV_NULL else int(row["number"])
            assert numbers[slug(f"{driver['forename']} {driver['surname']}")] == expected


def test_the_ergast_data_holds_the_shared_drives_spec_counts():
    cases = jd.shared_drives()
    assert (len(cases), sum(map(len, cases.values()))) == (71, 145)
    assert {jd.season_of(race) for race, _, _ in cases} <= set(range(1950, 1965))


def test_a_shared_drive_is_one_entrant_numbered_as_its_better_classified_car():
    cases = jd.shared_drives()
    for race in sorted({race for race, _, _ in cases}):
        rows = SOURCE.entrant_rows(jd.csv_weekend_landing(SOURCE, [race]), jd.round_key_of(race), {})
        by_pair = {(e["DriverSlug"], e["TeamSlug"]): e["CarNumber"] for e in rows.entrants}
        assert len(by_pair) == len(rows.entrants) == len({(r["driverId"], r["constructorId"])
                                                           for r in jd.rows_of_race("results")[race]})
        for (_, driver_id, constructor_id), shared in ((k, v) for k, v in cases.items() if k[0] == race):
            best = min(shared, key=lambda r: int(r["positionOrder"]))
            driver = jd.by_id("drivers", "driverId")[driver_id]
            team = jd.by_id("constructors", "constructorId")[constructor_id]
            assert by_pair[(slug(f"{driver['forename']} {driver['surname']}"), slug(team["name"]))] == int(
                best["number"])


def test_a_driver_in_two_teams_cars_in_one_race_is_two_entrants():
    teams_of = defaultdict(set)
    for row in jd.table("results"):
        teams_of[(row["raceId"], row["driverId"])].add(row["constructorId"])
    cases = {key: teams for key, teams in teams_of.items() if len(teams) > 1}
    assert cases
    for (race, driver_id), teams in cases.items():
        rows = SOURCE.entrant_rows(jd.csv_weekend_landing(SOURCE, [race]), jd.round_key_of(race), {})
        driver = jd.by_id("drivers", "driverId")[driver_id]
        driver_slug = slug(f"{driver['forename']} {driver['surname']}")
        assert {e["TeamSlug"] for e in rows.entrants if e["DriverSlug"] == driver_slug} == {
            slug(jd.by_id("constructors", "constructorId")[t]["name"]) for t in teams}


def test_a_schedule_race_reads_jolpicas_camel_case_fields():
    for raw in jd.schedule_races(2022):
        race = Race.model_validate(raw)
        assert (race.key, race.name, race.circuit.circuit_id, race.day.isoformat()) == (
            f"{raw['season']}/{raw['round']}", raw["raceName"], raw["Circuit"]["circuitId"], raw["date"])
