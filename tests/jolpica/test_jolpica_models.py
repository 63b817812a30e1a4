"""Jolpica's payload models: every value a string, `"None"` and `""` for no value, lap times in the forms Ergast
and Jolpica write them; tolerant of what is missing, and a bad row rejected with the field at fault."""

from __future__ import annotations

from datetime import timedelta

from harness import jolpica_data as jd
from workers.sources.jolpica.models import Page, QualifyingResult, Race, RaceResult, validate


def test_every_real_2021_and_2022_race_and_result_row_validates():
    for year in (2021, 2022):
        races = jd.gridview(year)["races"]
        assert validate(Race, races, "races")[1] == []
        assert validate(RaceResult, [row for race in races for row in race["Results"]], "results")[1] == []


def test_the_recorded_answers_validate_as_pages_races_and_rows():
    for name, uri, rows_key, model in (("load_results", "2003/1/", "Results", RaceResult),
                                       ("load_quali", "2004/1/", "QualifyingResults", QualifyingResult),
                                       ("load_quali", "2015/16/", "QualifyingResults", QualifyingResult),
                                       ("load_sprint", "2025/2/", "SprintResults", RaceResult)):
        envelope = jd.json.loads(jd.cassette_body(name, uri))["MRData"]
        page = Page.model_validate({**envelope, "races": envelope["RaceTable"]["Races"]})
        assert page.total == len(page.races[0][rows_key])
        assert validate(Race, page.races, "races")[1] == [] and validate(model, page.races[0][rows_key], "x")[1] == []


def test_a_car_number_written_as_none_is_no_number():
    rows = [r for r in jd.table("results") if r["number"] == jd.CSV_NULL]
    assert rows
    for row in rows:
        built = jd.csv_result(row)
        assert built["number"] == "None" and RaceResult.model_validate(built).number is None


def test_sub_minute_lap_times_parse_with_or_without_the_leading_zero_minute():
    rows = [r for r in jd.table("qualifying") if r["q1"].startswith("0:")]
    assert rows  # 2020 Sakhir GP, the outer loop
    for row in rows:
        ergast = QualifyingResult.model_validate(jd.csv_qualifying_row(row))
        minutes, _, seconds = row["q1"].partition(":")
        assert ergast.q1 == timedelta(minutes=int(minutes), seconds=float(seconds))
        jolpica = QualifyingResult.model_validate({**jd.csv_qualifying_row(row), "Q1": seconds})
        assert jolpica.q1 == ergast.q1


def test_an_empty_segment_is_no_time():
    (race,) = jd.json.loads(jd.cassette_body("load_quali", "2004/1/"))["MRData"]["RaceTable"]["Races"]
    empty = [r for r in race["QualifyingResults"] if r["Q1"] == ""]
    assert empty
    assert {QualifyingResult.model_validate(r).q1 for r in empty} == {None}


def test_a_bad_value_rejects_its_row_with_the_field_named():
    row = {**jd.gridview(2021)["races"][0]["Results"][0], "laps": "many"}  # a real row with a word for laps
    valid, rejected = validate(RaceResult, [row], "results")
    assert valid == [] and rejected[0].payload is row and rejected[0].reason.startswith("invalid record: laps:")
