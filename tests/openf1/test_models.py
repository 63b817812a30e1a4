"""Payload models and validation against the real recorded OpenF1 payloads (SPEC §2: payloads drift).

Pure tests: no network, no database, no clock. The recordings are read in place from the repository's
``recordings/openf1`` (or ``$OPENF1_REPLAY_DIR``); expected counts are computed from those files.
"""

from __future__ import annotations

import copy
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import pytest

from workers.sources.openf1 import endpoints as ep
from workers.rows import SessionType
from workers.sources.openf1.mapping import result_time
from workers.sources.openf1.models import Driver, Meeting, SessionResult

DATA_DIR = Path(os.environ.get("OPENF1_REPLAY_DIR", Path(__file__).resolve().parents[2] / "recordings" / "openf1"))
SNAPSHOT = "snapshot_2025-12_all_sessions_2023-2025"
YEARS = ("2023", "2024")


# ---------------------------------------------------------------- recorded data


@lru_cache(maxsize=None)
def _text(relative: str) -> str:
    return (DATA_DIR / relative).read_text(encoding="utf-8")


def recorded(relative: str) -> Any:
    """The parsed file, a fresh copy on every call so no test can change another's data."""
    return json.loads(_text(relative))


def recorded_files(pattern: str) -> list[str]:
    return sorted(str(p.relative_to(DATA_DIR)) for year in YEARS for p in (DATA_DIR / year).glob(pattern))


def first_recorded_result(matches: Callable[[dict], bool]) -> dict:
    """The first recorded session_result record (2023, 2024, then the snapshot) that `matches`."""
    for relative in recorded_files("session_result_session_*.json") + [f"{SNAPSHOT}/session_result_all_2023-2025.json"]:
        for record in recorded(relative):
            if matches(record):
                return record
    raise AssertionError("no recorded session_result record has the wanted shape")


def validated_result(record: dict) -> SessionResult:
    valid, rejected = ep.validate(ep.SESSION_RESULT, [record])
    assert rejected == [], rejected
    return valid[0]


def f3_drivers_file() -> str:
    """The 2023 drivers file whose rows include some without a team (the F3 rows of Hungary FP1)."""
    found = [f for f in recorded_files("drivers_session_*.json")
             if f.startswith("2023/") and any(not r.get("team_name") for r in recorded(f))]
    assert len(found) == 1, found
    return found[0]


# ---------------------------------------------------------------- every recorded payload is readable


@pytest.mark.parametrize("endpoint, pattern", [
    (ep.SESSION_RESULT, "session_result_session_*.json"),
    (ep.STARTING_GRID, "starting_grid_session_*.json"),
    (ep.SESSIONS, "sessions.json"),
    (ep.MEETINGS, "meetings.json"),
], ids=lambda value: getattr(value, "path", value))
def test_every_recorded_2023_and_2024_payload_validates(endpoint, pattern):
    files = recorded_files(pattern)
    assert files, f"no recorded {pattern}"
    records = [record for relative in files for record in recorded(relative)]

    valid, rejected = ep.validate(endpoint, records)

    assert rejected == []
    assert len(valid) == len(records)


@pytest.mark.parametrize("endpoint, relative", [
    (ep.MEETINGS, f"{SNAPSHOT}/meetings_all_2023-2025.json"),
    (ep.SESSIONS, f"{SNAPSHOT}/sessions_all_2023-2025.json"),
    (ep.SESSION_RESULT, f"{SNAPSHOT}/session_result_all_2023-2025.json"),
    (ep.STARTING_GRID, f"{SNAPSHOT}/starting_grid_all_2023-2025.json"),
], ids=lambda value: getattr(value, "path", None) or Path(value).name)
def test_every_record_of_the_december_2025_snapshot_validates(endpoint, relative):
    records = recorded(relative)

    valid, rejected = ep.validate(endpoint, records)

    assert rejected == []
    assert len(valid) == len(records)


def test_every_recorded_drivers_row_validates_except_rows_without_a_team_or_name():
    records = [record for relative in recorded_files("drivers_session_*.json") for record in recorded(relative)]
    incomplete = [r for r in records if not (r.get("team_name") and r.get("first_name") and r.get("last_name"))]

    valid, rejected = ep.validate(ep.DRIVERS, records)

    assert [r.payload for r in rejected] == incomplete
    assert len(valid) == len(records) - len(incomplete)


@pytest.mark.parametrize("endpoint, relative", [
    (ep.MEETINGS, "format_examples_2026/suzuka_2026_meeting_1281.json"),
    (ep.SESSIONS, "format_examples_2026/suzuka_2026_qualifying_session_11249.json"),
    (ep.DRIVERS, "format_examples_2026/suzuka_2026_qualifying_drivers_session_11249.json"),
    (ep.SESSION_RESULT, "format_examples_2026/suzuka_2026_qualifying_session_result_session_11249.json"),
    (ep.STARTING_GRID, "format_examples_2026/suzuka_2026_qualifying_starting_grid_session_11249.json"),
], ids=lambda value: getattr(value, "path", None) or Path(value).name)
def test_the_2026_record_formats_validate(endpoint, relative):
    loaded = recorded(relative)
    records = loaded if isinstance(loaded, list) else [loaded]

    valid, rejected = ep.validate(endpoint, records)

    assert rejected == []
    assert len(valid) == len(records)


# ---------------------------------------------------------------- quarantine of bad records


def test_hungary_2023_fp1_f3_rows_are_rejected_naming_the_missing_field_and_kept_as_received():
    relative = f3_drivers_file()
    records = recorded(relative)
    assert {r["meeting_key"] for r in records} == {1215}
    f3_rows = [r for r in records if not r.get("team_name")]
    f1_rows = [r for r in records if r.get("team_name")]
    assert f3_rows and f1_rows

    valid, rejected = ep.validate(ep.DRIVERS, records)

    assert [r.payload for r in rejected] == f3_rows  # the payload exactly as received
    assert all(r.endpoint == "drivers" for r in rejected)
    assert all("team_name" in r.reason for r in rejected)
    assert [d.driver_number for d in valid] == [r["driver_number"] for r in f1_rows]
    assert all(isinstance(d, Driver) and d.team_name for d in valid)


@pytest.mark.parametrize("field, value", [
    ("team_name", None),
    ("team_name", ""),
    ("team_name", "   "),
    ("first_name", None),
    ("last_name", ""),
])
def test_a_driver_row_without_a_team_or_name_is_rejected_with_the_field_in_the_reason(field, value):
    record = recorded("2024/drivers_session_9472.json")[0]
    record[field] = value
    received = copy.deepcopy(record)

    valid, rejected = ep.validate(ep.DRIVERS, [record])

    assert valid == []
    assert len(rejected) == 1
    assert field in rejected[0].reason
    assert rejected[0].payload == received


def test_one_bad_record_is_rejected_without_sinking_the_rest_of_the_response():
    records = recorded("2024/session_result_session_9472.json")
    del records[3]["driver_number"]
    broken = copy.deepcopy(records[3])

    valid, rejected = ep.validate(ep.SESSION_RESULT, records)

    assert len(valid) == len(records) - 1
    assert [(r.endpoint, r.payload) for r in rejected] == [("session_result", broken)]
    assert "driver_number" in rejected[0].reason


def test_a_record_that_is_not_an_object_is_rejected_not_raised():
    valid, rejected = ep.validate(ep.MEETINGS, ["No results found."])

    assert valid == []
    assert len(rejected) == 1
    assert rejected[0].payload == {"value": "No results found."}
    assert rejected[0].reason.startswith("invalid record")


# ---------------------------------------------------------------- drift: points


def test_recorded_points_come_as_float_and_as_int():
    as_float = first_recorded_result(lambda r: isinstance(r.get("points"), float) and r["points"] > 0)
    as_int = first_recorded_result(lambda r: type(r.get("points")) is int)

    assert validated_result(as_float).points == as_float["points"]
    assert validated_result(as_int).points == as_int["points"]
    assert validated_result(as_int).points is not None


@pytest.mark.parametrize("raw, expected", [(26, 26.0), (26.0, 26.0), (0, 0.0), (0.5, 0.5), ("18", 18.0)])
def test_points_int_float_or_numeric_text_keep_their_value(raw, expected):
    record = recorded("2024/session_result_session_9472.json")[0]
    record["points"] = raw

    points = validated_result(record).points

    assert points == expected
    assert isinstance(points, float)


def test_a_recorded_result_without_points_has_points_none_never_zero():
    record = first_recorded_result(lambda r: "points" not in r)

    assert validated_result(record).points is None


@pytest.mark.parametrize("raw", [None, "", "  "])
def test_null_or_blank_points_are_none_never_zero(raw):
    record = recorded("2024/session_result_session_9472.json")[0]
    record["points"] = raw

    assert validated_result(record).points is None


# ---------------------------------------------------------------- drift: duration


def test_a_recorded_race_duration_is_a_number():
    record = recorded("2024/session_result_session_9472.json")[0]
    assert isinstance(record["duration"], float)

    assert validated_result(record).duration == record["duration"]


def test_a_recorded_qualifying_duration_is_a_list_of_three_with_nulls_kept_in_place():
    record = first_recorded_result(lambda r: isinstance(r.get("duration"), list) and len(r["duration"]) == 3
                                   and r["duration"][0] is not None and None in r["duration"])

    assert validated_result(record).duration == record["duration"]


@pytest.mark.parametrize("raw, expected", [
    (5504, 5504.0),
    ("5504.742", 5504.742),
    (None, None),
    ([90.0, 89.5, None], [90.0, 89.5, None]),
    ([None, None, None], [None, None, None]),
    ([90, 89, 88], [90.0, 89.0, 88.0]),
])
def test_duration_is_a_number_or_a_list_of_three_with_nulls(raw, expected):
    record = recorded("2024/session_result_session_9468.json")[0]
    record["duration"] = raw

    assert validated_result(record).duration == expected


def test_string_segment_times_in_a_duration_list_are_kept_or_rejected_never_silently_dropped():
    record = recorded("2024/session_result_session_9468.json")[0]
    record["duration"] = ["90.0", "89.5", None]  # drift: numbers as text, as `points` and scalar `duration` accept

    valid, rejected = ep.validate(ep.SESSION_RESULT, [record])

    if rejected:  # refusing the record is acceptable: it is quarantined with a reason
        assert "duration" in rejected[0].reason
    else:  # accepting it must keep the times; turning them into "no time set" loses a qualifying result
        assert valid[0].duration == [90.0, 89.5, None]
        assert result_time(valid[0], SessionType.QUALIFYING).total_seconds() == 89.5


# ---------------------------------------------------------------- drift: gap_to_leader


@pytest.mark.parametrize("shape, matches", [
    ("number", lambda g: isinstance(g, float) and g > 0),
    ("zero as int", lambda g: type(g) is int),
    ("laps text", lambda g: g == "+1 LAP"),
    ("several laps text", lambda g: isinstance(g, str) and g.endswith("LAPS")),
    ("list with nulls", lambda g: isinstance(g, list) and None in g),
    ("null", lambda g: g is None),
])
def test_recorded_gap_to_leader_is_read_in_every_shape(shape, matches):
    record = first_recorded_result(lambda r: "gap_to_leader" in r and matches(r["gap_to_leader"]))

    assert validated_result(record).gap_to_leader == record["gap_to_leader"]


# ---------------------------------------------------------------- drift: extra fields and string numbers


def test_unknown_extra_fields_are_ignored():
    record = recorded("2024/session_result_session_9472.json")[0]
    with_extra = dict(record, brand_new_field={"nested": [1, 2]}, tyre="SOFT")

    assert validated_result(with_extra) == validated_result(record)


def test_fields_the_2026_meeting_format_adds_are_ignored():
    record = recorded("format_examples_2026/suzuka_2026_meeting_1281.json")
    assert {"country_flag", "circuit_info_url", "circuit_type", "gmt_offset"} <= record.keys()

    meeting = Meeting.model_validate(record)

    assert meeting.meeting_key == record["meeting_key"]
    assert meeting.is_cancelled is False
    assert not hasattr(meeting, "country_flag")


def test_numbers_sent_as_text_are_read_as_numbers():
    record = recorded("2024/session_result_session_9472.json")[0]
    as_text = {key: str(value) if key in ("driver_number", "position", "number_of_laps", "points", "duration",
                                          "session_key", "meeting_key") else value for key, value in record.items()}

    result = validated_result(as_text)

    assert result == validated_result(record)
    assert isinstance(result.driver_number, int) and isinstance(result.position, int)
    assert isinstance(result.number_of_laps, int) and isinstance(result.points, float)


def test_a_driver_number_sent_as_text_is_read_as_a_number():
    record = recorded("2024/drivers_session_9472.json")[0]
    record["driver_number"] = str(record["driver_number"])

    valid, rejected = ep.validate(ep.DRIVERS, [record])

    assert rejected == []
    assert valid[0].driver_number == int(record["driver_number"])


@pytest.mark.parametrize("flag", ["dnf", "dns", "dsq"])
def test_a_null_result_flag_is_read_as_not_set(flag):
    record = recorded("2024/session_result_session_9472.json")[0]
    record[flag] = None

    assert not getattr(validated_result(record), flag)
