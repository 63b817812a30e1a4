"""Pure mapping of OpenF1 records to Parc Fermé rows (SPEC §2), on the real recorded payloads.

No network, no database, no clock: `now` is always passed. The recordings are read in place from
the repository's ``recordings/openf1`` (or ``$OPENF1_REPLAY_DIR``); counts and expected values are
computed from those files, never typed in from elsewhere.
"""

from __future__ import annotations

import json
import os
import random
import re
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from workers.rows import SessionInfo, SessionStatus, SessionType, slugify
from workers.sources.openf1 import endpoints as ep
from workers.sources.openf1.mapping import (
    circuit_row, entrant_rows, result_rows, round_numbers, round_row, round_slug, session_rows, team_colour,
)
from workers.sources.openf1.models import Driver, Meeting, Session, SessionResult, StartingGrid

DATA_DIR = Path(os.environ.get("OPENF1_REPLAY_DIR", Path(__file__).resolve().parents[2] / "recordings" / "openf1"))
SNAPSHOT = "snapshot_2025-12_all_sessions_2023-2025"
YEARS = (2023, 2024)
UTC = timezone.utc
AFTER_BOTH_SEASONS = datetime(2026, 1, 1, tzinfo=UTC)
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

# SPEC §1 enum values, written out here so the mapping's own tables are checked, not reused.
FP1, FP2, FP3, QUALIFYING, SPRINT_QUALIFYING, SPRINT, RACE, TESTING = range(8)
SCHEDULED, IN_PROGRESS, COMPLETED, CANCELLED = range(4)
FINISHED, DNF, DNS, DSQ, NC = range(5)
TYPE_BY_NAME = {"Practice 1": FP1, "Practice 2": FP2, "Practice 3": FP3, "Qualifying": QUALIFYING,
                "Sprint Qualifying": SPRINT_QUALIFYING, "Sprint Shootout": SPRINT_QUALIFYING, "Sprint": SPRINT,
                "Race": RACE}


# ---------------------------------------------------------------- recorded data


@lru_cache(maxsize=None)
def _text(relative: str) -> str:
    return (DATA_DIR / relative).read_text(encoding="utf-8")


def recorded(relative: str) -> Any:
    """The parsed file, a fresh copy on every call so no test can change another's data."""
    return json.loads(_text(relative))


def valid(endpoint: ep.Endpoint, records: list[dict]) -> list[Any]:
    models, rejected = ep.validate(endpoint, records)
    assert rejected == [], rejected
    return models


def meeting_records(year: int) -> list[dict]:
    return recorded(f"{year}/meetings.json")


def meetings(year: int) -> list[Meeting]:
    return valid(ep.MEETINGS, meeting_records(year))


def meeting(year: int, meeting_key: int) -> Meeting:
    return next(m for m in meetings(year) if m.meeting_key == meeting_key)


def session_records(year: int, meeting_key: int) -> list[dict]:
    return [s for s in recorded(f"{year}/sessions.json") if s["meeting_key"] == meeting_key]


def sessions(year: int, meeting_key: int) -> list[Session]:
    return valid(ep.SESSIONS, session_records(year, meeting_key))


def snapshot_sessions(meeting_key: int) -> list[Session]:
    records = [s for s in recorded(f"{SNAPSHOT}/sessions_all_2023-2025.json") if s["meeting_key"] == meeting_key]
    return valid(ep.SESSIONS, records)


def per_session(year: int, meeting_key: int, prefix: str) -> list[dict]:
    """All records of the meeting's `<prefix>_session_<key>.json` files, in session order of sessions.json."""
    records = []
    for session in session_records(year, meeting_key):
        path = DATA_DIR / str(year) / f"{prefix}_session_{session['session_key']}.json"
        if path.exists():
            records += recorded(f"{year}/{path.name}")
    return records


def drivers(year: int, meeting_key: int) -> list[Driver]:
    """The meeting's drivers rows that pass validation (rows without a team are quarantined before mapping)."""
    models, _ = ep.validate(ep.DRIVERS, per_session(year, meeting_key, "drivers"))
    return models


def results(year: int, meeting_key: int) -> list[SessionResult]:
    return valid(ep.SESSION_RESULT, per_session(year, meeting_key, "session_result"))


def grids(year: int, meeting_key: int) -> list[StartingGrid]:
    return valid(ep.STARTING_GRID, per_session(year, meeting_key, "starting_grid"))


def grid_file(year: int, session_key: int) -> dict[int, int | None]:
    return {g["driver_number"]: g["position"] for g in recorded(f"{year}/starting_grid_session_{session_key}.json")}


def session_infos(the_meeting: Meeting, the_sessions: list[Session],
                  now: datetime = AFTER_BOTH_SEASONS) -> list[SessionInfo]:
    rows = session_rows(the_meeting, the_sessions, now).rows
    # the session's row id is its OpenF1 key here, so result rows name their session by it
    return [SessionInfo(r["OpenF1SessionKey"], str(r["OpenF1SessionKey"]), SessionType(r["Type"]),
                        SessionStatus(r["Status"])) for r in rows]


def entrant_ids(numbers) -> dict[int, str]:
    return {number: f"entrant-{number}" for number in numbers}


def meeting_results(year: int, meeting_key: int, infos: list[SessionInfo] | None = None):
    the_meeting = meeting(year, meeting_key)
    infos = session_infos(the_meeting, sessions(year, meeting_key)) if infos is None else infos
    the_drivers = drivers(year, meeting_key)
    return result_rows(results(year, meeting_key), grids(year, meeting_key), infos,
                       entrant_ids(d.driver_number for d in the_drivers))


def rows_of(mapped, session_key: int) -> dict[str, dict]:
    rows = [r for r in mapped.rows if r["SessionId"] == session_key]
    by_entrant = {r["EntrantId"]: r for r in rows}
    assert len(by_entrant) == len(rows), "two results for one entrant in one session"
    return by_entrant


def session_key_named(year: int, meeting_key: int, name: str) -> int:
    (key,) = [s["session_key"] for s in session_records(year, meeting_key) if s["session_name"] == name]
    return key


def utc_date(text: str) -> date:
    return datetime.fromisoformat(text).astimezone(UTC).date()


def recorded_people(year: int) -> list[dict]:
    """Every drivers row of the season with a team and a name, from the recorded files."""
    rows = []
    for path in sorted((DATA_DIR / str(year)).glob("drivers_session_*.json")):
        rows += [r for r in recorded(f"{year}/{path.name}") if r.get("team_name") and r.get("first_name")]
    return rows


# ---------------------------------------------------------------- slugs


@pytest.mark.parametrize("text, slug", [
    ("São Paulo Grand Prix", "sao-paulo-grand-prix"),
    ("Nico Hülkenberg", "nico-hulkenberg"),
    ("Sergio Pérez", "sergio-perez"),
    ("Kimi Räikkönen", "kimi-raikkonen"),
    ("Grande Prêmio de São Paulo", "grande-premio-de-sao-paulo"),
    ("Autódromo Hermanos Rodríguez", "autodromo-hermanos-rodriguez"),
    ("Zak O'Sullivan", "zak-o-sullivan"),
    ("Spa-Francorchamps", "spa-francorchamps"),
    ("Haas F1 Team", "haas-f1-team"),
    ("Red Bull  --  Racing", "red-bull-racing"),
    ("A & B /// C.", "a-b-c"),
    ("  ¡¡Mexico City Grand Prix!!  ", "mexico-city-grand-prix"),
    ("--Las Vegas--", "las-vegas"),
    ("ZHOU Guanyu", "zhou-guanyu"),
    ("RB", "rb"),
])
def test_slugify_strips_accents_lowercases_and_turns_each_run_of_other_characters_into_one_hyphen(text, slug):
    assert slugify(text) == slug


def test_every_recorded_name_slugifies_to_lowercase_ascii_words_joined_by_single_hyphens():
    names = {m["meeting_name"] for y in YEARS for m in meeting_records(y)}
    names |= {m["circuit_short_name"] for y in YEARS for m in meeting_records(y)}
    names |= {r["team_name"] for y in YEARS for r in recorded_people(y)}
    names |= {f"{r['first_name']} {r['last_name']}" for y in YEARS for r in recorded_people(y)}

    bad = {name: slugify(name) for name in names if not SLUG.match(slugify(name))}

    assert bad == {}


@pytest.mark.parametrize("year", YEARS)
def test_round_slug_is_the_year_and_the_slug_of_the_meeting_name_and_unique_in_the_season(year):
    season = meetings(year)
    sao_paulo = next(m for m in season if m.meeting_name == "São Paulo Grand Prix")

    slugs = [round_slug(m) for m in season]

    assert round_slug(sao_paulo) == f"{year}-sao-paulo-grand-prix"
    assert all(s == f"{year}-{slugify(m.meeting_name)}" for s, m in zip(slugs, season))
    assert len(set(slugs)) == len(season)


@pytest.mark.parametrize("year", YEARS)
def test_testing_and_the_bahrain_grand_prix_share_the_sakhir_circuit(year):
    season = meetings(year)
    testing = next(m for m in season if "Testing" in m.meeting_name)
    bahrain = next(m for m in season if m.meeting_name == "Bahrain Grand Prix")

    assert circuit_row(testing)["Slug"] == circuit_row(bahrain)["Slug"] == "sakhir"


@pytest.mark.parametrize("year", YEARS)
def test_circuit_slug_is_the_slug_of_the_circuit_short_name(year):
    rows = [(m, circuit_row(m)) for m in meetings(year)]

    assert all(row["Slug"] == slugify(m.circuit_short_name) for m, row in rows)
    assert {row["Slug"] for _, row in rows} >= {"yas-marina-circuit", "spa-francorchamps", "monte-carlo"}


def test_team_and_driver_slugs_come_from_team_name_and_first_and_last_name():
    rows = entrant_rows(drivers(2024, 1229))
    pairs = {(e["DriverSlug"], e["TeamSlug"], e["CarNumber"]) for e in rows.entrants}

    assert ("max-verstappen", "red-bull-racing", 1) in pairs
    assert ("guanyu-zhou", "kick-sauber", 24) in pairs
    assert ("nico-hulkenberg", "haas-f1-team", 27) in pairs
    assert {t["Slug"]: t["Name"] for t in rows.teams}["haas-f1-team"] == "Haas F1 Team"


# ---------------------------------------------------------------- round numbers


def championship(year: int) -> list[dict]:
    """The season's Grands Prix that took place, by date, as the recorded meetings say."""
    held = [m for m in meeting_records(year) if "Grand Prix" in m["meeting_name"]
            and not (m.get("is_cancelled") or (m["meeting_official_name"] or "").startswith("CALLED OFF"))]
    return sorted(held, key=lambda m: m["date_start"])


@pytest.mark.parametrize("year", YEARS)
def test_every_grand_prix_is_numbered_contiguously_from_one_in_date_order(year):
    numbers = round_numbers(meetings(year))

    in_date_order = [numbers[m["meeting_key"]] for m in championship(year)]

    assert in_date_order == list(range(1, len(championship(year)) + 1))


@pytest.mark.parametrize("year", YEARS)
def test_testing_meetings_get_round_zero(year):
    testing = [m["meeting_key"] for m in meeting_records(year) if "Testing" in m["meeting_name"]]
    assert testing

    numbers = round_numbers(meetings(year))

    assert [numbers[key] for key in testing] == [0] * len(testing)
    assert sorted(n for n in numbers.values() if n) == list(range(1, len(championship(year)) + 1))


def test_cancelled_2023_imola_meeting_gets_round_zero_and_cancelled_sessions():
    imola = meeting(2023, 1209)
    assert imola.meeting_official_name.startswith("CALLED OFF")
    imola_sessions = sessions(2023, 1209)
    assert imola_sessions
    numbers = round_numbers(meetings(2023))
    before, after = imola_sessions[0].date_start - timedelta(days=30), AFTER_BOTH_SEASONS

    rows_before, rows_after = session_rows(imola, imola_sessions, before), session_rows(imola, imola_sessions, after)

    assert numbers[1209] == 0
    assert numbers[1210] == numbers[1208] + 1  # Monaco follows Miami
    assert round_row(imola, imola_sessions, numbers[1209])["RoundNumber"] == 0
    assert [r["Status"] for r in rows_before.rows] == [CANCELLED] * len(imola_sessions)
    assert [r["Status"] for r in rows_after.rows] == [CANCELLED] * len(imola_sessions)


def test_a_meeting_flagged_is_cancelled_gets_round_zero_and_the_later_rounds_move_up():
    records = meeting_records(2024)
    flagged = next(m for m in records if m["meeting_name"] == "Emilia Romagna Grand Prix")
    flagged["is_cancelled"] = True
    season = valid(ep.MEETINGS, records)
    original = round_numbers(meetings(2024))

    numbers = round_numbers(season)

    assert numbers[flagged["meeting_key"]] == 0
    for key, number in original.items():
        if key == flagged["meeting_key"] or number == 0:
            continue
        assert numbers[key] == (number - 1 if number > original[flagged["meeting_key"]] else number)
    flagged_meeting = next(m for m in season if m.meeting_key == flagged["meeting_key"])
    statuses = [r["Status"] for r in session_rows(flagged_meeting, sessions(2024, flagged["meeting_key"]),
                                                  AFTER_BOTH_SEASONS).rows]
    assert statuses and set(statuses) == {CANCELLED}


@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_round_numbers_do_not_depend_on_the_order_of_the_meetings(year, seed):
    season = meetings(year)
    shuffled = season[:]
    random.Random(seed).shuffle(shuffled)

    assert round_numbers(shuffled) == round_numbers(season) == round_numbers(season[::-1])


# ---------------------------------------------------------------- session types


@pytest.mark.parametrize("year", YEARS)
def test_every_recorded_session_gets_the_type_its_name_says(year):
    for the_meeting in meetings(year):
        records = session_records(year, the_meeting.meeting_key)
        testing = "Testing" in the_meeting.meeting_name
        expected = {s["session_key"]: TESTING if testing else TYPE_BY_NAME[s["session_name"]] for s in records}

        mapped = session_rows(the_meeting, sessions(year, the_meeting.meeting_key), AFTER_BOTH_SEASONS)

        assert mapped.rejected == []
        assert {r["OpenF1SessionKey"]: r["Type"] for r in mapped.rows} == expected, the_meeting.meeting_name


def test_sprint_shootout_sessions_of_the_older_snapshot_are_sprint_qualifying():
    shootouts = [s for s in recorded(f"{SNAPSHOT}/sessions_all_2023-2025.json")
                 if s["session_name"] == "Sprint Shootout"]
    assert shootouts

    for meeting_key in sorted({s["meeting_key"] for s in shootouts}):
        the_meeting = meeting(2023, meeting_key)
        shootout_keys = {s["session_key"] for s in shootouts if s["meeting_key"] == meeting_key}
        now_named = {r["OpenF1SessionKey"]: r["Type"]
                     for r in session_rows(the_meeting, sessions(2023, meeting_key), AFTER_BOTH_SEASONS).rows}

        mapped = session_rows(the_meeting, snapshot_sessions(meeting_key), AFTER_BOTH_SEASONS)

        assert mapped.rejected == []
        types = {r["OpenF1SessionKey"]: r["Type"] for r in mapped.rows}
        assert {types[key] for key in shootout_keys} == {SPRINT_QUALIFYING}
        assert types == now_named  # the rename upstream changes no session type


@pytest.mark.parametrize("year", YEARS)
def test_day_n_sessions_of_pre_season_testing_are_testing(year):
    testing = next(m for m in meetings(year) if "Testing" in m.meeting_name)
    days = [s for s in sessions(year, testing.meeting_key) if re.fullmatch(r"Day \d+", s.session_name)]
    assert days

    mapped = session_rows(testing, days, AFTER_BOTH_SEASONS)

    assert [r["Type"] for r in mapped.rows] == [TESTING] * len(days)


def test_sessions_of_a_testing_meeting_are_testing_even_when_named_like_practice():
    testing = meeting(2024, 1228)
    older = snapshot_sessions(1228)  # the December-2025 state named these sessions "Practice 1..3"
    assert {s.session_name for s in older} == {"Practice 1", "Practice 2", "Practice 3"}

    mapped = session_rows(testing, older, AFTER_BOTH_SEASONS)

    assert mapped.rejected == []
    assert [r["Type"] for r in mapped.rows] == [TESTING] * len(older)


def test_a_day_n_session_is_testing_even_outside_a_testing_meeting():
    bahrain = meeting(2024, 1229)
    record = session_records(2024, 1229)[0]
    record["session_name"] = "Day 2"

    mapped = session_rows(bahrain, valid(ep.SESSIONS, [record]), AFTER_BOTH_SEASONS)

    assert [r["Type"] for r in mapped.rows] == [TESTING]


@pytest.mark.parametrize("name", ["Practice 4", "Hyperpole", "Sprint Race", "Qualifying 1", "Warm Up", ""])
def test_an_unknown_session_name_is_rejected_with_a_reason_never_given_a_default_type(name):
    bahrain = meeting(2024, 1229)
    records = session_records(2024, 1229)
    race_key = session_key_named(2024, 1229, "Race")
    next(r for r in records if r["session_key"] == race_key)["session_name"] = name

    mapped = session_rows(bahrain, valid(ep.SESSIONS, records), AFTER_BOTH_SEASONS)

    assert race_key not in {r["OpenF1SessionKey"] for r in mapped.rows}
    assert len(mapped.rows) == len(records) - 1
    assert len(mapped.rejected) == 1
    rejected = mapped.rejected[0]
    assert rejected.endpoint == "sessions"
    assert rejected.payload["session_key"] == race_key
    assert "session name" in rejected.reason and repr(name) in rejected.reason


# ---------------------------------------------------------------- session status


@pytest.mark.parametrize("moment, status", [
    (lambda s: s.date_start - timedelta(days=3), SCHEDULED),
    (lambda s: s.date_start - timedelta(seconds=1), SCHEDULED),
    (lambda s: s.date_start + timedelta(minutes=1), IN_PROGRESS),
    (lambda s: s.date_end - timedelta(seconds=1), IN_PROGRESS),
    (lambda s: s.date_end + timedelta(seconds=1), COMPLETED),
    (lambda s: s.date_end + timedelta(days=400), COMPLETED),
    (lambda s: (s.date_start + timedelta(minutes=1)).astimezone(timezone(timedelta(hours=-8))), IN_PROGRESS),
], ids=["days-before", "just-before", "just-started", "about-to-end", "just-ended", "long-after", "local-clock"])
def test_session_status_follows_the_clock(moment, status):
    race = next(s for s in sessions(2024, 1229) if s.session_key == 9472)

    mapped = session_rows(meeting(2024, 1229), [race], moment(race))

    assert [r["Status"] for r in mapped.rows] == [status]


def test_during_bahrain_2024_qualifying_practice_is_completed_qualifying_in_progress_and_the_race_scheduled():
    qualifying = next(s for s in sessions(2024, 1229) if s.session_name == "Qualifying")
    now = qualifying.date_start + timedelta(minutes=30)

    rows = session_rows(meeting(2024, 1229), sessions(2024, 1229), now).rows

    by_type = {r["Type"]: r["Status"] for r in rows}
    assert by_type == {FP1: COMPLETED, FP2: COMPLETED, FP3: COMPLETED, QUALIFYING: IN_PROGRESS, RACE: SCHEDULED}


def test_a_session_flagged_is_cancelled_is_cancelled_whatever_the_clock():
    records = session_records(2024, 1229)
    records[0]["is_cancelled"] = True

    rows = session_rows(meeting(2024, 1229), valid(ep.SESSIONS, records), AFTER_BOTH_SEASONS).rows

    assert [r["Status"] for r in rows] == [CANCELLED] + [COMPLETED] * (len(records) - 1)


def test_session_rows_carry_the_openf1_key_and_the_start_time():
    records = session_records(2024, 1229)

    rows = session_rows(meeting(2024, 1229), valid(ep.SESSIONS, records), AFTER_BOTH_SEASONS).rows

    assert [(r["OpenF1SessionKey"], r["StartTimeUtc"]) for r in rows] == [
        (s["session_key"], datetime.fromisoformat(s["date_start"])) for s in records]


# ---------------------------------------------------------------- rounds


@pytest.mark.parametrize("year", YEARS)
def test_round_dates_are_the_utc_dates_of_the_first_session_start_and_the_last_session_end(year):
    for the_meeting in meetings(year):
        records = session_records(year, the_meeting.meeting_key)
        shuffled = valid(ep.SESSIONS, records)
        random.Random(the_meeting.meeting_key).shuffle(shuffled)

        row = round_row(the_meeting, shuffled, 7)

        assert row["DateStart"] == min(utc_date(s["date_start"]) for s in records), the_meeting.meeting_name
        assert row["DateEnd"] == max(utc_date(s["date_end"]) for s in records), the_meeting.meeting_name


def test_round_dates_come_from_the_sessions_not_from_the_meeting_record():
    # the December-2025 meeting records carry no date_end; a stale date_start must not matter either
    record = next(m for m in recorded(f"{SNAPSHOT}/meetings_all_2023-2025.json") if m["meeting_key"] == 1249)
    assert "date_end" not in record
    record["date_start"] = "2024-10-28T12:00:00+00:00"
    records = session_records(2024, 1249)

    row = round_row(valid(ep.MEETINGS, [record])[0], valid(ep.SESSIONS, records), 21)

    assert row["DateStart"] == min(utc_date(s["date_start"]) for s in records)
    assert row["DateEnd"] == max(utc_date(s["date_end"]) for s in records)
    assert row["DateStart"] != utc_date(record["date_start"])


def as_local_time(record: dict) -> dict:
    """The same session with its timestamps written in the circuit's local offset (gmt_offset)."""
    sign = -1 if record["gmt_offset"].startswith("-") else 1
    hours, minutes, seconds = (int(part) for part in record["gmt_offset"].lstrip("-").split(":"))
    local = timezone(sign * timedelta(hours=hours, minutes=minutes, seconds=seconds))
    return dict(record, **{k: datetime.fromisoformat(record[k]).astimezone(local).isoformat()
                           for k in ("date_start", "date_end")})


@pytest.mark.parametrize("year, meeting_key", [(2023, 1225), (2024, 1250)], ids=["las-vegas-2023", "las-vegas-2024"])
def test_round_dates_are_utc_dates_even_when_the_timestamps_carry_the_local_offset(year, meeting_key):
    records = session_records(year, meeting_key)
    local = [as_local_time(r) for r in records]
    first_local_day = min(datetime.fromisoformat(r["date_start"]).date() for r in local)
    assert first_local_day != min(utc_date(r["date_start"]) for r in records)  # the offset moves the day

    row = round_row(meeting(year, meeting_key), valid(ep.SESSIONS, local), 1)

    assert row["DateStart"] == min(utc_date(r["date_start"]) for r in records)
    assert row["DateEnd"] == max(utc_date(r["date_end"]) for r in records)


def test_round_row_carries_name_slug_number_and_meeting_key():
    sao_paulo = meeting(2024, 1249)

    row = round_row(sao_paulo, sessions(2024, 1249), round_numbers(meetings(2024))[1249])

    assert row["Name"] == "São Paulo Grand Prix"
    assert row["Slug"] == "2024-sao-paulo-grand-prix"
    assert row["OpenF1MeetingKey"] == 1249
    assert row["RoundNumber"] == 1 + [m["meeting_key"] for m in championship(2024)].index(1249)


# ---------------------------------------------------------------- drivers, teams, entrants


def person(first: str, last: str) -> str:
    return slugify(f"{first} {last}")


@pytest.mark.parametrize("year, first, last", [(2024, "Oliver", "Bearman"), (2024, "Franco", "Colapinto"),
                                               (2023, "Isack", "Hadjar")])
def test_a_driver_is_one_person_across_car_numbers_with_per_round_entrants(year, first, last):
    appearances = defaultdict(set)  # meeting → {(number, team)}
    for r in recorded_people(year):
        if (r["first_name"], r["last_name"]) == (first, last):
            appearances[r["meeting_key"]].add((r["driver_number"], r["team_name"]))
    assert len({number for numbers in appearances.values() for number, _ in numbers}) > 1
    slug = person(first, last)

    for meeting_key, expected in appearances.items():
        rows = entrant_rows(drivers(year, meeting_key))

        mine = {(e["CarNumber"], e["TeamSlug"]) for e in rows.entrants if e["DriverSlug"] == slug}
        assert mine == {(number, slugify(team)) for number, team in expected}, meeting_key
        assert [d["Slug"] for d in rows.drivers].count(slug) == 1

    season = entrant_rows(d for key in appearances for d in drivers(year, key))
    assert [d["Slug"] for d in season.drivers].count(slug) == 1


def test_bearman_2024_is_one_driver_entered_as_38_for_ferrari_and_50_for_haas():
    entered = {}
    for key in sorted({r["meeting_key"] for r in recorded_people(2024) if r["last_name"] == "Bearman"}):
        for e in entrant_rows(drivers(2024, key)).entrants:
            if e["DriverSlug"] == "oliver-bearman":
                entered[key] = (e["CarNumber"], e["TeamSlug"])

    assert set(entered.values()) == {(38, "ferrari"), (50, "haas-f1-team")}
    assert entered[1230] == (38, "ferrari")  # Saudi Arabia: in the race for Ferrari


@pytest.mark.parametrize("year", YEARS)
def test_entrants_of_a_meeting_are_the_driver_team_pairs_of_all_its_sessions(year):
    by_meeting = defaultdict(lambda: defaultdict(set))
    for r in recorded_people(year):
        by_meeting[r["meeting_key"]][(person(r["first_name"], r["last_name"]), slugify(r["team_name"]))].add(
            r["driver_number"])
    assert by_meeting

    for meeting_key, numbers in by_meeting.items():
        assert all(len(n) == 1 for n in numbers.values())  # the data: one number per entrant in a meeting
        rows = entrant_rows(drivers(year, meeting_key))

        entrants = [(e["DriverSlug"], e["TeamSlug"], e["CarNumber"]) for e in rows.entrants]
        assert sorted(entrants) == sorted((d, t, next(iter(n))) for (d, t), n in numbers.items()), meeting_key
        assert sorted(d["Slug"] for d in rows.drivers) == sorted({d for d, _ in numbers})
        assert sorted(t["Slug"] for t in rows.teams) == sorted({t for _, t in numbers})


def test_a_reserve_driver_in_practice_only_is_an_entrant_of_the_meeting():
    race_key = session_key_named(2024, 1248, "Race")
    in_race = {r["driver_number"] for r in recorded(f"2024/drivers_session_{race_key}.json")}

    entrants = entrant_rows(drivers(2024, 1248)).entrants

    practice_only = {e["DriverSlug"] for e in entrants if e["CarNumber"] not in in_race}
    assert "oliver-bearman" in practice_only
    assert len(entrants) > len(in_race)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_entrant_rows_do_not_depend_on_the_order_of_the_records(seed):
    # Hungary 2023: the FP1 rows of the F1 drivers carry other acronyms than the later sessions
    records = drivers(2023, 1215)
    shuffled = records[:]
    random.Random(seed).shuffle(shuffled)

    def canonical(rows):
        return [sorted(rows.drivers, key=lambda r: r["Slug"]), sorted(rows.teams, key=lambda r: r["Slug"]),
                sorted(rows.entrants, key=lambda r: (r["DriverSlug"], r["TeamSlug"]))]

    starts = session_starts(2023, 1215)
    assert canonical(entrant_rows(shuffled, starts)) == canonical(entrant_rows(records, starts)) == canonical(
        entrant_rows(records[::-1], starts))


def session_starts(year: int, meeting_key: int) -> dict[int, datetime]:
    return {s.session_key: s.date_start for s in sessions(year, meeting_key)}


def test_hungary_2023_driver_abbreviations_come_from_the_latest_session_not_from_fp1():
    # Session keys are not chronological: Hungary FP1 (9223, with F3 acronyms on F1 rows) has a greater key
    # than the race (9133). The meeting's latest session by start time is the race.
    records = session_records(2023, 1215)
    latest = max((s for s in records if (DATA_DIR / "2023" / f"drivers_session_{s['session_key']}.json").exists()),
                 key=lambda s: s["date_start"])
    assert latest["session_key"] < max(s["session_key"] for s in records)
    expected = {person(r["first_name"], r["last_name"]): r["name_acronym"]
                for r in recorded(f"2023/drivers_session_{latest['session_key']}.json")}

    rows = entrant_rows(drivers(2023, 1215), session_starts(2023, 1215))

    abbreviations = {d["Slug"]: d["Abbreviation"] for d in rows.drivers}
    assert abbreviations["max-verstappen"] == expected["max-verstappen"] == "VER"
    assert abbreviations == expected


def test_team_colour_is_normalised_whatever_case_the_record_uses():
    alpine = {r["team_colour"] for r in recorded_people(2024)
              if r["meeting_key"] == 1237 and r["team_name"] == "Alpine"}
    assert len(alpine) == 2 and len({c.upper() for c in alpine}) == 1  # the data: one colour in two spellings

    teams = {t["Slug"]: t["PrimaryColor"] for t in entrant_rows(drivers(2024, 1237)).teams}

    assert teams["alpine"] == "#" + alpine.pop().upper()


@pytest.mark.parametrize("year", YEARS)
def test_every_recorded_team_colour_becomes_a_hash_and_six_upper_case_hex_digits(year):
    colours = {r["team_colour"] for r in recorded_people(year)}

    normalised = {raw: team_colour(raw) for raw in colours}

    assert all(re.fullmatch(r"#[0-9A-F]{6}", c) and c[1:] == raw.upper() for raw, c in normalised.items())


@pytest.mark.parametrize("raw, colour", [("3671c6", "#3671C6"), ("#3671C6", "#3671C6"), (" ff8000 ", "#FF8000"),
                                         (None, None), ("", None)])
def test_team_colour_normalises_case_prefix_and_blanks(raw, colour):
    assert team_colour(raw) == colour


# ---------------------------------------------------------------- results


def test_bahrain_2024_race_car_1_finishes_first_from_grid_one_with_26_points():
    record = next(r for r in recorded("2024/session_result_session_9472.json") if r["driver_number"] == 1)
    assert grid_file(2024, 9468)[1] == 1  # the race grid is filed under qualifying

    mapped = meeting_results(2024, 1229)

    row = rows_of(mapped, 9472)["entrant-1"]
    assert mapped.rejected == []
    assert row["Position"] == 1
    assert row["GridPosition"] == 1
    assert row["Points"] == 26.0
    assert row["Status"] == FINISHED
    assert row["Laps"] == record["number_of_laps"]
    assert row["Time"] == timedelta(seconds=record["duration"])
    assert row["FastestLap"] is False


def test_bahrain_2024_race_grid_comes_from_the_qualifying_grid_for_every_car():
    grid = grid_file(2024, session_key_named(2024, 1229, "Qualifying"))

    rows = rows_of(meeting_results(2024, 1229), session_key_named(2024, 1229, "Race"))

    assert {entrant: row["GridPosition"] for entrant, row in rows.items()} == {
        f"entrant-{number}": grid.get(number) for number in (int(e.split("-")[1]) for e in rows)}
    assert sorted(p for p in grid.values() if p is not None) == list(range(1, len(grid) + 1))


@pytest.mark.parametrize("year, meeting_key, sprint_qualifying_name, use_snapshot_sessions", [
    (2024, 1233, "Sprint Qualifying", False),
    (2023, 1207, "Sprint Qualifying", False),
    (2023, 1207, "Sprint Shootout", True),
], ids=["china-2024", "baku-2023", "baku-2023-named-sprint-shootout"])
def test_sprint_grid_comes_from_sprint_qualifying_and_race_grid_from_qualifying(
        year, meeting_key, sprint_qualifying_name, use_snapshot_sessions):
    the_sessions = snapshot_sessions(meeting_key) if use_snapshot_sessions else sessions(year, meeting_key)
    by_name = {s.session_name: s.session_key for s in the_sessions}
    sprint_grid = grid_file(year, by_name[sprint_qualifying_name])
    race_grid = grid_file(year, by_name["Qualifying"])
    assert any(sprint_grid[n] != race_grid.get(n) for n in sprint_grid)  # the two grids tell them apart
    infos = session_infos(meeting(year, meeting_key), the_sessions)

    mapped = meeting_results(year, meeting_key, infos)

    sprint, race = rows_of(mapped, by_name["Sprint"]), rows_of(mapped, by_name["Race"])
    assert sprint and race
    assert all(row["GridPosition"] == sprint_grid.get(int(e.split("-")[1])) for e, row in sprint.items())
    assert all(row["GridPosition"] == race_grid.get(int(e.split("-")[1])) for e, row in race.items())


@pytest.mark.parametrize("year, meeting_key", [(2024, 1229), (2024, 1233), (2023, 1140)])
def test_only_race_and_sprint_results_have_a_grid_position(year, meeting_key):
    infos = {i.id: i.type for i in session_infos(meeting(year, meeting_key), sessions(year, meeting_key))}

    mapped = meeting_results(year, meeting_key)

    assert mapped.rows
    other = [r for r in mapped.rows if infos[r["SessionId"]] not in (RACE, SPRINT)]
    assert other and all(r["GridPosition"] is None for r in other)


@pytest.mark.parametrize("dsq, dns, dnf, position, status", [
    (True, True, True, 1, DSQ),
    (True, False, False, None, DSQ),
    (False, True, True, None, DNS),
    (False, True, False, 12, DNS),
    (False, False, True, 15, DNF),
    (False, False, True, None, DNF),
    (False, False, False, None, NC),
    (None, None, None, None, NC),
    (False, False, False, 3, FINISHED),
    (None, None, None, 3, FINISHED),
])
def test_result_status_is_dsq_then_dns_then_dnf_then_nc_for_no_position_else_finished(dsq, dns, dnf, position, status):
    record = next(r for r in recorded("2024/session_result_session_9472.json") if r["driver_number"] == 1)
    record.update(dsq=dsq, dns=dns, dnf=dnf, position=position)
    infos = session_infos(meeting(2024, 1229), sessions(2024, 1229))

    mapped = result_rows(valid(ep.SESSION_RESULT, [record]), [], infos, entrant_ids([1]))

    assert [(r["Status"], r["Position"]) for r in mapped.rows] == [(status, position)]


def belgian_gp_2024_race_statuses(records: list[dict]) -> dict[str, int]:
    infos = session_infos(meeting(2024, 1242), sessions(2024, 1242))
    race_key = session_key_named(2024, 1242, "Race")
    names = {r["driver_number"]: person(r["first_name"], r["last_name"])
             for r in recorded(f"2024/drivers_session_{race_key}.json")}
    mapped = result_rows(valid(ep.SESSION_RESULT, records), [], infos, {n: slug for n, slug in names.items()})
    assert mapped.rejected == []
    return {row["EntrantId"]: row["Status"] for row in mapped.rows if row["SessionId"] == race_key}


def test_belgian_gp_2024_russell_is_disqualified_in_the_current_recording():
    race_key = session_key_named(2024, 1242, "Race")

    statuses = belgian_gp_2024_race_statuses(recorded(f"2024/session_result_session_{race_key}.json"))

    assert {driver for driver, status in statuses.items() if status == DSQ} == {"george-russell"}
    assert statuses["guanyu-zhou"] == DNF
    assert statuses["lewis-hamilton"] == FINISHED
    others = [s for d, s in statuses.items() if d not in ("george-russell", "guanyu-zhou")]
    assert others == [FINISHED] * (len(statuses) - 2)


def test_belgian_gp_2024_december_2025_snapshot_has_no_disqualification_and_russell_unclassified():
    race_key = session_key_named(2024, 1242, "Race")
    snapshot = [r for r in recorded(f"{SNAPSHOT}/session_result_all_2023-2025.json") if r["session_key"] == race_key]
    assert snapshot

    statuses = belgian_gp_2024_race_statuses(snapshot)

    assert DSQ not in statuses.values()
    assert statuses["george-russell"] == NC  # position null and no flag set in that state of upstream
    assert statuses["guanyu-zhou"] == DNF
    assert statuses["lewis-hamilton"] == FINISHED


def test_points_are_null_where_the_record_has_none_and_kept_where_it_has_them():
    race_key = session_key_named(2024, 1229, "Race")
    recorded_points = {(r["session_key"], f"entrant-{r['driver_number']}"): r.get("points")
                       for r in per_session(2024, 1229, "session_result")}
    assert None in recorded_points.values() and 0.0 in recorded_points.values()

    mapped = meeting_results(2024, 1229)

    assert {(r["SessionId"], r["EntrantId"]): r["Points"] for r in mapped.rows} == recorded_points
    assert all(r["Points"] is None for r in mapped.rows if r["SessionId"] != race_key)


def segment_time(record: dict, field: str = "duration") -> timedelta | None:
    value = record[field]
    if isinstance(value, list):
        value = next((v for v in reversed(value) if v is not None), None)
    return None if value is None else timedelta(seconds=value)


@pytest.mark.parametrize("year, meeting_key", [(2024, 1229), (2024, 1233), (2023, 1224)])
def test_time_is_the_total_for_races_the_last_segment_set_in_qualifying_and_the_best_lap_in_practice(year, meeting_key):
    raw = {(r["session_key"], f"entrant-{r['driver_number']}"): r
           for r in per_session(year, meeting_key, "session_result")}
    infos = {i.id: i.type for i in session_infos(meeting(year, meeting_key), sessions(year, meeting_key))}
    qualifying_kinds = (QUALIFYING, SPRINT_QUALIFYING)
    assert all(isinstance(r["duration"], list) == (infos[k[0]] in qualifying_kinds)
               for k, r in raw.items() if r["duration"] is not None)  # the data: lists only in qualifying

    rows = meeting_results(year, meeting_key).rows

    assert {(r["SessionId"], r["EntrantId"]): r["Time"] for r in rows} == {k: segment_time(r) for k, r in raw.items()}


@pytest.mark.parametrize("duration, seconds", [
    ([90.0, 89.5, None], 89.5),
    ([90.243, 89.165, 89.407], 89.407),  # Leclerc, Bahrain 2024: the last segment, not the best one
    ([91.204, None, None], 91.204),
    ([None, None, None], None),
    (None, None),
])
def test_qualifying_time_is_the_last_segment_the_driver_set(duration, seconds):
    record = recorded("2024/session_result_session_9468.json")[0]
    record["duration"] = duration
    infos = session_infos(meeting(2024, 1229), sessions(2024, 1229))

    (row,) = result_rows(valid(ep.SESSION_RESULT, [record]), [], infos, entrant_ids([record["driver_number"]])).rows

    assert row["Time"] == (None if seconds is None else timedelta(seconds=seconds))


def test_leclerc_bahrain_2024_qualifying_time_is_his_q3_time_not_his_best_segment():
    record = next(r for r in recorded("2024/session_result_session_9468.json") if r["driver_number"] == 16)
    assert record["duration"][2] > min(record["duration"])

    row = rows_of(meeting_results(2024, 1229), 9468)["entrant-16"]

    assert row["Time"] == timedelta(seconds=record["duration"][2])


def test_laps_come_from_number_of_laps_and_fastest_lap_is_always_false():
    raw = {(r["session_key"], f"entrant-{r['driver_number']}"): r["number_of_laps"]
           for r in per_session(2024, 1233, "session_result")}

    rows = meeting_results(2024, 1233).rows

    assert {(r["SessionId"], r["EntrantId"]): r["Laps"] for r in rows} == raw
    assert {r["FastestLap"] for r in rows} == {False}


@pytest.mark.parametrize("status", [SessionStatus.SCHEDULED, SessionStatus.IN_PROGRESS, SessionStatus.CANCELLED,
                                    SessionStatus.DELAYED])
def test_results_of_a_session_that_is_not_completed_are_skipped(status):
    race_key = session_key_named(2024, 1229, "Race")
    infos = [SessionInfo(i.id, i.source_key, i.type, status if i.id == race_key else i.status)
             for i in session_infos(meeting(2024, 1229), sessions(2024, 1229))]
    others = [r for r in per_session(2024, 1229, "session_result") if r["session_key"] != race_key]

    mapped = meeting_results(2024, 1229, infos)

    assert race_key not in {r["SessionId"] for r in mapped.rows}
    assert len(mapped.rows) == len(others)
    assert mapped.rejected == []


def test_results_of_a_meeting_before_its_sessions_end_are_skipped_by_the_clock():
    qualifying = next(s for s in sessions(2024, 1229) if s.session_name == "Qualifying")
    infos = session_infos(meeting(2024, 1229), sessions(2024, 1229), qualifying.date_start + timedelta(minutes=5))
    practice_keys = {s["session_key"] for s in session_records(2024, 1229) if s["session_name"].startswith("Practice")}

    mapped = meeting_results(2024, 1229, infos)

    assert {r["SessionId"] for r in mapped.rows} == practice_keys


def test_a_result_without_an_entrant_for_its_car_number_is_rejected_with_a_reason():
    the_drivers = drivers(2024, 1229)
    infos = session_infos(meeting(2024, 1229), sessions(2024, 1229))
    all_results = results(2024, 1229)
    without_car_1 = entrant_ids(d.driver_number for d in the_drivers if d.driver_number != 1)

    mapped = result_rows(all_results, grids(2024, 1229), infos, without_car_1)

    car_1 = [r for r in all_results if r.driver_number == 1]
    assert car_1 and len(mapped.rejected) == len(car_1)
    assert all(r.endpoint == "session_result" and r.payload["driver_number"] == 1 for r in mapped.rejected)
    assert all("no entrant" in r.reason and "1" in r.reason for r in mapped.rejected)
    assert "entrant-1" not in {r["EntrantId"] for r in mapped.rows}
    assert len(mapped.rows) == len(all_results) - len(car_1)


def test_a_result_of_a_session_outside_the_meeting_is_rejected():
    infos = session_infos(meeting(2024, 1229), sessions(2024, 1229))
    other_meeting = results(2024, 1230)

    mapped = result_rows(other_meeting, [], infos, entrant_ids(range(100)))

    assert mapped.rows == []
    assert len(mapped.rejected) == len(other_meeting)
    assert all("not in this meeting" in r.reason for r in mapped.rejected)


def test_result_rows_do_not_depend_on_the_order_of_results_and_grids():
    infos = session_infos(meeting(2024, 1233), sessions(2024, 1233))
    the_results, the_grids = results(2024, 1233), grids(2024, 1233)
    ids = entrant_ids(d.driver_number for d in drivers(2024, 1233))

    def keyed(mapped):
        return sorted(mapped.rows, key=lambda r: (r["SessionId"], r["EntrantId"]))

    assert keyed(result_rows(the_results[::-1], the_grids[::-1], infos, ids)) == keyed(
        result_rows(the_results, the_grids, infos, ids))
