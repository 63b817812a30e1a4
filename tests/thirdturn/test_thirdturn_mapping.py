"""The Third Turn's pages mapped to rows (SPEC §7), on the real recorded pages. Expected values are written out
from the pages or computed here from lxml's reading of them (tests.thirdturn.test_thirdturn_pages), never taken from the
mapping; a few synthetic rows (a real page changed with BeautifulSoup) show what no recorded page does."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timezone

import pytest
from harness.jolpica_data import slug
from tests.thirdturn.test_thirdturn_pages import (BADGER_HUB, CUP_HUB, MUSEUM, RACE_1949_01, SEASON_1949,
                                                  TWO_SERIES_RACE, WCS_HUB, WITH_DNQ, files_of, hub, race,
                                                  results_by_xpath, season, title_of)
from workers.rows import SOURCE_KEY, EntrantInfo, MappingError
from workers.sources.thirdturn import mapping, pages
from workers.sources.thirdturn.pages import Link

RACE, SCHEDULED, COMPLETED = 6, 0, 2  # SPEC §1, written out
FINISHED, DNF, DNS, DSQ = 0, 1, 2, 3
WCS = "Wisconsin_Challenge_Series"
BADGER = "Custom_Windows_Plus_Badger_Mod_Tour_presented_by_Gandrud_Chevrolet"
BADGER_2012 = f"{MUSEUM}/badger_modified_tour/season_2012.html"


def lines(name: str):
    return season(name).races


def wcs_seasons() -> list[pages.SeasonPage]:
    return [season(f) for f in files_of("season") if "wisconsin_challenge" in f]


def entrants_of(page: pages.RacePage) -> list[EntrantInfo]:
    """What the writer hands back after writing `entrant_rows`: each entrant with an id and the source keys of its
    driver and team (None for the shared Independent team, which has none)."""
    rows = mapping.entrant_rows(page)
    drivers = {d["Slug"]: d[SOURCE_KEY] for d in rows.drivers}
    teams = {t["Slug"]: t.get(SOURCE_KEY) for t in rows.teams}
    return [EntrantInfo(f"entrant-{i}", e["CarNumber"], drivers[e["DriverSlug"]], teams[e["TeamSlug"]])
            for i, e in enumerate(rows.entrants)]


def with_rows(page: pages.RacePage, *rows: pages.RaceRow) -> pages.RacePage:
    return dataclasses.replace(page, rows=[*page.rows, *rows])


# -- series, rounds, circuits, sessions ---------------------------------------------------------------------------


@pytest.mark.parametrize("name, expected", [
    (WCS_HUB, {"Name": "Wisconsin Challenge Series", "Slug": "wisconsin-challenge-series", SOURCE_KEY: WCS}),
    (BADGER_HUB, {"Name": "Custom Windows Plus Badger Mod Tour presented by Gandrud Chevrolet",
                  "Slug": "custom-windows-plus-badger-mod-tour-presented-by-gandrud-chevrolet", SOURCE_KEY: BADGER}),
    (CUP_HUB, {"Name": "NASCAR Cup Series", "Slug": "nascar-cup-series", SOURCE_KEY: "NASCAR_Cup_Series_Central"}),
])
def test_a_series_is_named_by_its_hub_s_header(name, expected):
    assert mapping.series_row(hub(name)) == expected


def test_a_round_is_keyed_by_its_series_and_race_page_and_a_line_without_one_by_its_number():
    season_1949 = season(SEASON_1949)
    first = season_1949.races[0]
    assert mapping.round_key("NASCAR_Cup_Series_Central", season_1949, first) == (
        "NASCAR_Cup_Series_Central|NASCAR_Strictly_Stock:1949-01")
    unlinked = dataclasses.replace(season_1949.races[6], race=None)
    assert mapping.round_key("NASCAR_Cup_Series_Central", season_1949, unlinked) == (
        "NASCAR_Cup_Series_Central|1949_NASCAR_Strictly_Stock_Central#07")


def test_a_race_counted_by_two_series_is_a_round_of_each():
    line = lines(BADGER_2012)[0]
    assert line.race.title == "Modified_Nationals:2012-05"
    badger = mapping.round_key(BADGER, season(BADGER_2012), line)
    nationals = mapping.round_key("DIRTcar_Summit_Racing_Equipment_Modified_Nationals", season(BADGER_2012), line)
    assert badger != nationals and badger.endswith("|Modified_Nationals:2012-05")
    row = mapping.round_row("badger", season(BADGER_2012), line, badger)
    assert (row["Slug"], row["RoundNumber"], row["Name"]) == ("badger-2012-01", 1, "Round 1 at Wilmot Raceway")


@pytest.mark.parametrize("title, name", [
    ("2009_Memorial_100_(WCS)", "Memorial 100"),
    ("2012_Clash_at_the_Creek", "Clash at the Creek"),
    ("2006_Governor's_Cup_50", "Governor's Cup 50"),
    ("2008_WAXX_104.5/Budweiser_80", "WAXX 104.5/Budweiser 80"),
    ("2004_Rainbow_Bingo_&_Casino_Championship_80", "Rainbow Bingo & Casino Championship 80"),
    ("1949_Wilkes_200", "Wilkes 200"),
    ("WCS:2007-03", None),
    ("NASCAR_Strictly_Stock:1949-01", None),
    ("Badger_Mod_Tour:2012-03", None),
    ("Modified_Nationals:2012-05", None),
])
def test_a_race_titled_by_its_event_is_named_by_it(title, name):
    assert mapping.event_name(title) == name


def test_every_wcs_round_is_numbered_dated_and_named_as_its_season_lists_it():
    rows = [mapping.round_row("wisconsin-challenge-series", s, line, mapping.round_key(WCS, s, line))
            for s in wcs_seasons() for line in s.races]
    assert len(rows) == 81 and len({r["Slug"] for r in rows}) == 81
    by_key = {r[SOURCE_KEY]: r for r in rows}
    assert by_key[f"{WCS}|2009_Memorial_100_(WCS)"] == {
        "Name": "Memorial 100", "Slug": "wisconsin-challenge-series-2009-01", "RoundNumber": 1,
        "DateStart": date(2009, 5, 25), "DateEnd": date(2009, 5, 25), SOURCE_KEY: f"{WCS}|2009_Memorial_100_(WCS)"}
    coded = by_key[f"{WCS}|WCS:2007-03"]
    assert (coded["Name"], coded["Slug"]) == ("Round 3 at Dells Raceway Park", "wisconsin-challenge-series-2007-03")
    for s in wcs_seasons():
        for line in s.races:
            row = by_key[f"{WCS}|{line.race.title}"]
            assert row["Slug"] == f"wisconsin-challenge-series-{s.year}-{line.number:02d}"
            assert row["DateStart"] == row["DateEnd"] == line.day and row["RoundNumber"] == line.number
            assert row["Name"].startswith("Round ") == (":" in line.race.title)


def test_a_round_without_an_event_name_or_a_track_cannot_be_named():
    line = dataclasses.replace(lines(SEASON_1949)[0], track=None)
    with pytest.raises(MappingError, match="race 1 of 1949_NASCAR_Strictly_Stock_Central .* links no track"):
        mapping.round_row("nascar-cup-series", season(SEASON_1949), line, "k")


def test_a_circuit_is_the_season_line_s_track_with_its_state_as_the_country():
    assert mapping.circuit_row(lines(SEASON_1949)[0].track) == {
        "Name": "Charlotte Speedway", "Slug": "charlotte-speedway", "Location": "Charlotte, NC",
        "Country": "United States", "CountryCode": "USA", "LayoutMapUrl": None, SOURCE_KEY: "Charlotte_Speedway"}


def test_every_recorded_track_is_in_the_united_states_and_slugged_by_its_title():
    tracks = {line.track for f in files_of("season") for line in lines(f)}
    assert len(tracks) > 20
    for track in tracks:
        row = mapping.circuit_row(track)
        assert row["Slug"] == slug(track.title) and row[SOURCE_KEY] == track.title
        assert (row["Location"], row["Country"], row["CountryCode"]) == (track.text, "United States", "USA")


@pytest.mark.parametrize("text, location, country, code", [
    ("Toronto, ON", "Toronto, ON", "Canada", "CAN"),
    ("Monza, Italy", "Monza", "Italy", "ITA"),
    ("Zandvoort, Netherlands", "Zandvoort", "Netherlands", None),
    ("Daytona Beach", "Daytona Beach", "", None),
])
def test_a_track_outside_the_united_states_takes_its_country_from_the_text(text, location, country, code):
    row = mapping.circuit_row(Link("Some_Track_(XX)", text))
    assert (row["Name"], row["Slug"]) == ("Some Track (XX)", "some-track-xx")
    assert (row["Location"], row["Country"], row["CountryCode"]) == (location, country, code)


def test_a_season_line_without_a_track_link_has_no_circuit():
    with pytest.raises(MappingError, match="links no track"):
        mapping.circuit_row(None)


def test_the_race_session_starts_at_midnight_utc_and_is_completed_only_with_results():
    season_1949 = season(SEASON_1949)
    first, second = season_1949.races[:2]
    assert mapping.session_rows(first, race(RACE_1949_01), "k") == [{
        "Type": RACE, "StartTimeUtc": datetime(1949, 6, 19, tzinfo=timezone.utc),
        "Status": COMPLETED, SOURCE_KEY: "k|race"}]
    assert mapping.session_rows(second, None, "k2")[0]["Status"] == SCHEDULED  # no page recorded for race 2
    only_dnq = dataclasses.replace(race(WITH_DNQ), rows=[r for r in race(WITH_DNQ).rows if r.dnq])
    assert only_dnq.rows and mapping.session_rows(first, only_dnq, "k")[0]["Status"] == SCHEDULED


# -- drivers, teams, entrants -------------------------------------------------------------------------------------


def test_the_first_strictly_stock_race_has_one_entrant_per_row():
    rows = mapping.entrant_rows(race(RACE_1949_01))
    expected = results_by_xpath(RACE_1949_01)
    assert len(rows.entrants) == len(expected) == 33 and not rows.rejected
    assert [e["DriverSlug"] for e in rows.entrants] == [slug(r["driver"]) for r in expected]
    assert "curtis-turner-va" in [d["Slug"] for d in rows.drivers]
    turner = next(d for d in rows.drivers if d[SOURCE_KEY] == "Curtis_Turner_(VA)")
    assert turner == {"FirstName": "Curtis", "LastName": "Turner", "Slug": "curtis-turner-va", "Abbreviation": None,
                      "Nationality": None, "HeadshotUrl": None, "DriverNumber": None,
                      SOURCE_KEY: "Curtis_Turner_(VA)"}


def test_a_team_is_the_sponsor_s_page_or_the_shared_independent_team():
    rows = mapping.entrant_rows(race(RACE_1949_01))
    teams = {t["Slug"]: t for t in rows.teams}
    assert teams["independent"] == {"Name": "Independent", "Slug": "independent", "PrimaryColor": None}
    assert teams["lane-s-motor-co"] == {"Name": "Lane's Motor Co.", "Slug": "lane-s-motor-co",
                                        "PrimaryColor": None, SOURCE_KEY: "Lane's_Motor_Co."}
    sponsored = {r["sponsor_text"] for r in results_by_xpath(RACE_1949_01) if r["sponsor_text"]}
    assert len(rows.teams) == len(sponsored) + 1
    roper = rows.entrants[0]
    assert roper == {"DriverSlug": "jim-roper", "TeamSlug": "mecklenburg-motors", "CarNumber": 34}
    assert rows.entrants[1] == {"DriverSlug": "fonty-flock", "TeamSlug": "independent", "CarNumber": 47}


def test_a_cell_of_three_sponsors_makes_the_first_the_team():
    rows = mapping.entrant_rows(race(f"{MUSEUM}/races/2002_04_larry-detjens-memorial.html"))
    mackesy = next(e for e in rows.entrants if e["DriverSlug"] == "mark-mackesy")
    assert mackesy["TeamSlug"] == "lenz-farms"


def test_a_sponsor_without_a_page_is_a_team_by_the_title_its_page_would_have():
    rows = mapping.entrant_rows(race(f"{MUSEUM}/races/2003_09_geneva-challenge-100.html"))
    assert {"Name": "Auto Tech Centers", "Slug": "auto-tech-centers", "PrimaryColor": None,
            SOURCE_KEY: "Auto_Tech_Centers"} in rows.teams


@pytest.mark.parametrize("name, driver, number", [
    (RACE_1949_01, "Jimmie_Lewallen", 0),
    (RACE_1949_01, "Jim_Roper", 34),
    (RACE_1949_01, "John_Barker", None),  # no number at all
    (f"{MUSEUM}/races/2001_01_marvelous-marv-91.html", "Kirby_Kurth", None),  # 08K
    (WITH_DNQ, "Johnny_Whitman", None),  # 08
    (f"{MUSEUM}/races/2004_03_first-supply-100.html", "Jeff_Kendall", None),  # 00
])
def test_a_car_number_is_kept_only_when_plain_digits_without_a_leading_zero(name, driver, number):
    rows = mapping.entrant_rows(race(name))
    assert next(e["CarNumber"] for e in rows.entrants if e["DriverSlug"] == slug(driver)) == number


def test_every_driver_s_name_is_the_link_s_text_split_in_two():
    names = {}
    for name in files_of("race"):  # every linked driver, DNQ rows too (they make no row, but name people)
        for row in race(name).rows:
            names[row.driver.title] = mapping.driver_row(row.driver)
    assert len(names) > 500
    for title, driver in names.items():
        full = f"{driver['FirstName']} {driver['LastName']}".strip()
        assert full == title.replace("_", " ").split(" (")[0] or title == "Mike_Olson", title
        assert driver["Slug"] == slug(title) and driver["LastName"]
    assert (names["Eddie_Lemay,_Jr."]["FirstName"], names["Eddie_Lemay,_Jr."]["LastName"]) == ("Eddie", "Lemay, Jr.")
    assert (names["Ed_Wolff,_III"]["FirstName"], names["Ed_Wolff,_III"]["LastName"]) == ("Ed", "Wolff, III")
    assert (names["R.M._Van_Pay"]["FirstName"], names["R.M._Van_Pay"]["LastName"]) == ("R.M.", "Van Pay")
    assert (names["Benny_Van_Cleve"]["FirstName"], names["Benny_Van_Cleve"]["LastName"]) == ("Benny", "Van Cleve")
    assert (names["Pee_Wee_Martin"]["FirstName"], names["Pee_Wee_Martin"]["LastName"]) == ("Pee Wee", "Martin")
    assert (names["Mike_Olson"]["FirstName"], names["Mike_Olson"]["LastName"]) == ("Mike", "Olson")  # "(WI)" text


def test_did_not_qualify_rows_make_no_entrant():
    page = race(WITH_DNQ)
    expected = results_by_xpath(WITH_DNQ)
    started = [slug(r["driver"]) for r in expected if not r["dnq"]]
    rows = mapping.entrant_rows(page)
    assert len(started) < len(expected)
    assert [e["DriverSlug"] for e in rows.entrants] == started
    assert {d["Slug"] for d in rows.drivers} == set(started) and not rows.rejected


def test_a_row_without_a_driver_link_is_rejected_with_its_cells():
    page = race(RACE_1949_01)
    nameless = dataclasses.replace(page.rows[4], driver=None, driver_text="Unknown")
    rows = mapping.entrant_rows(with_rows(dataclasses.replace(page, rows=page.rows[:4]), nameless))
    assert len(rows.entrants) == 4 and len(rows.rejected) == 1
    rejected = rows.rejected[0]
    assert (rejected.endpoint, rejected.reason) == ("race", "NASCAR_Strictly_Stock:1949-01: a results row links "
                                                             "no driver page")
    assert rejected.payload["Driver"] == "Unknown" and rejected.payload["#"] == "90"


def test_a_driver_listed_twice_for_one_team_is_one_entrant_and_the_second_row_is_rejected():
    page = race(RACE_1949_01)
    again = dataclasses.replace(page.rows[0], fin="40", number="340")
    rows = mapping.entrant_rows(with_rows(page, again))
    assert len(rows.entrants) == 33 and [r.payload["#"] for r in rows.rejected] == ["340"]
    assert rows.rejected[0].reason.startswith("NASCAR_Strictly_Stock:1949-01: Jim_Roper is listed twice for "
                                              "Mecklenburg_Motors")
    results = mapping.result_rows(with_rows(page, again), "s", entrants_of(with_rows(page, again)))
    assert len(results.rows) == 33 and len(results.rejected) == 1


# -- results ------------------------------------------------------------------------------------------------------


def spec_status(row: dict) -> int:
    """SPEC §7's rule, written out here."""
    status, fin = row["status"], row["fin"]
    if "DQ" in fin or "DQ" in status.split("/"):
        return DSQ
    if status == "running" or (status == "" and fin.isdigit()):
        return FINISHED
    return DNF


def as_number(text: str, kind=int):
    return kind(text) if text else None


@pytest.mark.parametrize("name", files_of("race"))
def test_every_result_is_the_row_its_page_lists(name):
    page = race(name)
    mapped = mapping.result_rows(page, "session", entrants_of(page))
    expected = [r for r in results_by_xpath(name) if not r["dnq"]]
    assert not mapped.rejected and len(mapped.rows) == len(expected)
    for row, source in zip(mapped.rows, expected):
        assert row == {
            "SessionId": "session", "EntrantId": row["EntrantId"],
            "Position": int(source["fin"]) if source["fin"].isdigit() else None,
            "GridPosition": as_number(source["st"]), "Status": spec_status(source),
            "Points": as_number(source["pts"], float), "Time": None, "Laps": as_number(source["laps"]),
            "FastestLap": False}
    assert len({r["EntrantId"] for r in mapped.rows}) == len(mapped.rows)


def test_the_1949_results_keep_their_places_statuses_and_points():
    mapped = mapping.result_rows(race(RACE_1949_01), "s", entrants_of(race(RACE_1949_01)))
    assert [r["Position"] for r in mapped.rows] == list(range(1, 34))
    assert [r["Status"] for r in mapped.rows].count(FINISHED) == 11  # "running" down to 11th
    assert mapped.rows[0]["Points"] == 250.0 and mapped.rows[0]["Laps"] == 197 and mapped.rows[0]["GridPosition"] == 12
    assert mapped.rows[-1]["Status"] == DSQ and mapped.rows[-1]["Position"] == 33  # running/DQ keeps its place


def test_dq_either_way_is_disqualified():
    name = f"{MUSEUM}/badger_modified_tour/races/Badger_Mod_Tour_2012-03.html"
    mapped = mapping.result_rows(race(name), "s", entrants_of(race(name)))
    entrant = next(e.id for e in entrants_of(race(name)) if e.driver_key == "Tim_Lemirande")
    lemirande = next(r for r in mapped.rows if r["EntrantId"] == entrant)
    assert (lemirande["Status"], lemirande["Position"]) == (DSQ, None)


@pytest.mark.parametrize("fin, status, expected", [
    ("1", "running", FINISHED), ("7", "", FINISHED), ("33", "running/DQ", DSQ), ("DQ", "DQ", DSQ), ("DQ", "", DSQ),
    ("12", "thermostat housing", DNF), ("15", "dnf", DNF), ("20", "out", DNF), ("", "", DNF), ("", "dns", DNS),
])
def test_a_status_is_read_as_spec_says(fin, status, expected):
    row = dataclasses.replace(race(RACE_1949_01).rows[0], fin=fin, status=status)
    assert mapping.result_status(row) == expected


def test_a_result_without_its_entrant_is_rejected_naming_the_driver_only():
    page = race(RACE_1949_01)
    entrants = [e for e in entrants_of(page) if e.driver_key != "Curtis_Turner_(VA)"]
    mapped = mapping.result_rows(page, "s", entrants)
    assert len(mapped.rows) == 32 and [r.reason for r in mapped.rejected] == [
        "NASCAR_Strictly_Stock:1949-01: no entrant for Curtis_Turner_(VA) in Independent"]


@pytest.mark.parametrize("column, field", [("Pts", "pts"), ("Laps", "laps"), ("St", "st")])
def test_a_number_cell_that_is_not_a_number_rejects_its_row_without_saying_the_value(column, field):
    page = race(RACE_1949_01)
    odd = dataclasses.replace(page, rows=[dataclasses.replace(page.rows[0], **{field: "12½*"}), *page.rows[1:]])
    mapped = mapping.result_rows(odd, "s", entrants_of(odd))
    assert len(mapped.rows) == 32 and len(mapped.rejected) == 1
    reason = mapped.rejected[0].reason
    assert reason == f"NASCAR_Strictly_Stock:1949-01: Jim_Roper: the {column} cell is not a number"
    assert "12" not in reason.replace("1949-01", "")


def test_no_result_is_written_for_a_did_not_qualify_row():
    page = race(WITH_DNQ)
    mapped = mapping.result_rows(page, "s", entrants_of(page))
    assert len(mapped.rows) == len([r for r in results_by_xpath(WITH_DNQ) if not r["dnq"]]) and not mapped.rejected


def test_the_two_series_race_gives_the_same_results_to_each_series_rounds_session():
    page = race(TWO_SERIES_RACE)
    assert page.title == title_of(TWO_SERIES_RACE)
    first = mapping.result_rows(page, "badger-session", entrants_of(page))
    second = mapping.result_rows(page, "nationals-session", entrants_of(page))
    strip = [{k: v for k, v in r.items() if k != "SessionId"} for r in first.rows]
    assert strip == [{k: v for k, v in r.items() if k != "SessionId"} for r in second.rows] and strip
    assert {r["SessionId"] for r in first.rows} == {"badger-session"}
