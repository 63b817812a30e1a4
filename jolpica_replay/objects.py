"""Jolpica's JSON objects built from the export's rows: Race, Circuit, Driver, Constructor and the result rows of
the race, the sprint and qualifying, with Jolpica's keys in Jolpica's order and every value a string.

Keys without a value are left out, as Jolpica leaves them out (a driver without `code`, a result without `Time`),
except `number`, which Jolpica prints as "None" when the export has none.
"""

from __future__ import annotations

from . import formats
from .dump import ErgastDump, Row
from .formats import NULL, present

# Jolpica prints only these letters for an unclassified entrant (its serializer's cases); the export's N (not
# classified) and E (excluded) have no letter of their own there.
UNCLASSIFIED_TEXT = {"R": "R", "D": "D", "E": "D", "W": "W", "F": "F", "N": "R"}
SESSION_COLUMNS = (("FirstPractice", "fp1"), ("SecondPractice", "fp2"), ("ThirdPractice", "fp3"),
                   ("Qualifying", "quali"), ("Sprint", "sprint"))


def without_absent(pairs: dict) -> dict:
    return {key: value for key, value in pairs.items() if value is not None}


def text(value: str) -> str | None:
    return value if present(value) else None


def circuit(row: Row) -> dict:
    return {
        "circuitId": row["circuitRef"],
        "url": formats.secure_wikipedia(row["url"]),
        "circuitName": row["name"],
        "Location": {
            "lat": formats.coordinate(row["lat"]),
            "long": formats.coordinate(row["lng"]),
            "locality": row["location"],
            "country": row["country"],
        },
    }


def race(row: Row, dump: ErgastDump) -> dict:
    """A race as results, qualifying and sprint answers show it: no sessions."""
    return without_absent({
        "season": row["year"],
        "round": row["round"],
        "url": formats.secure_wikipedia(row["url"]),
        "raceName": row["name"],
        "Circuit": circuit(dump.circuits[row["circuitId"]]),
        "date": row["date"],
        "time": formats.clock(row["time"]) if present(row["time"]) else None,
    })


def scheduled_race(row: Row, dump: ErgastDump) -> dict:
    """A race of the schedule (`/{season}.json`): the race and its sessions' dates and UTC times."""
    return {**race(row, dump), **sessions(row)}


def sessions(row: Row) -> dict:
    """The sessions the export dates, in Jolpica's order. From 2023 a sprint weekend's second session (the export's
    fp2) is the sprint shootout, which Jolpica names `SprintShootout` (2023) or `SprintQualifying` (2024 on) and
    lists after the sprint."""
    year, sprint_weekend = int(row["year"]), present(row.get("sprint_date", NULL))
    found, sprint_qualifying = {}, None
    for name, column in SESSION_COLUMNS:
        moment = session_moment(row, column)
        if name == "SecondPractice" and sprint_weekend and year >= 2023:
            sprint_qualifying = moment
        elif moment is not None:
            found[name] = moment
    if sprint_qualifying is not None:
        found["SprintShootout" if year == 2023 else "SprintQualifying"] = sprint_qualifying
    return found


def session_moment(row: Row, column: str) -> dict | None:
    day, clock = row.get(f"{column}_date", NULL), row.get(f"{column}_time", NULL)
    if not present(day):
        return None
    return {"date": day, "time": formats.clock(clock)} if present(clock) else {"date": day}


def driver(row: Row) -> dict:
    return without_absent({
        "driverId": row["driverRef"],
        "permanentNumber": text(row["number"]),
        "code": text(row["code"]),
        "url": row["url"],
        "givenName": row["forename"],
        "familyName": row["surname"],
        "dateOfBirth": text(row["dob"]),
        "nationality": row["nationality"],
    })


def constructor(row: Row) -> dict:
    return {
        "constructorId": row["constructorRef"],
        "url": formats.secure_wikipedia(row["url"]),
        "name": row["name"],
        "nationality": row["nationality"],
    }


def entrant(row: Row) -> dict:
    """The keys every result row starts with."""
    return {
        "number": row["number"] if present(row["number"]) else "None",
        "position": row.get("positionOrder", row.get("position")),
    }


def race_result(row: Row, dump: ErgastDump, winner_millis: int | None) -> dict:
    """A row of `Results` or `SprintResults` (the export's sprint rows have no fastest-lap rank nor speed)."""
    classified = row["positionText"].isdigit()
    result = {
        **entrant(row),
        "positionText": row["positionText"] if classified else UNCLASSIFIED_TEXT.get(row["positionText"], "R"),
        "points": formats.points(row["points"]),
        "Driver": driver(dump.drivers[row["driverId"]]),
        "Constructor": constructor(dump.constructors[row["constructorId"]]),
        "grid": row["grid"],
        "laps": row["laps"],
        "status": dump.status[row["statusId"]],
    }
    if classified and present(row["milliseconds"]):
        millis = int(row["milliseconds"])
        result["Time"] = {"millis": formats.millis_text(millis), "time": formats.finish_time(millis, winner_millis)}
    if present(row["fastestLap"]) and present(row["fastestLapTime"]):
        result["FastestLap"] = fastest_lap(row)
    return result


def fastest_lap(row: Row) -> dict:
    """A rank of 0 and a missing speed are left out, as Jolpica leaves out what it lacks. (In the export a rank
    of 0 comes with no fastest lap at all, so such a row has no `FastestLap`, as from Jolpica.)"""
    rank = row.get("rank", NULL)
    lap = {
        "rank": rank if present(rank) and rank != "0" else None,
        "lap": row["fastestLap"],
        "Time": {"time": formats.lap_time(row["fastestLapTime"])},
    }
    speed = row.get("fastestLapSpeed", NULL)
    if present(speed):
        lap["AverageSpeed"] = {"units": "kph", "speed": formats.speed(speed)}
    return without_absent(lap)


def qualifying_result(row: Row, dump: ErgastDump) -> dict:
    """A row of `QualifyingResults`: Q1 always (empty without a time), Q2 and Q3 when the driver took part."""
    result = {
        **entrant(row),
        "Driver": driver(dump.drivers[row["driverId"]]),
        "Constructor": constructor(dump.constructors[row["constructorId"]]),
        "Q1": qualifying_time(row["q1"]),
    }
    for segment in ("q2", "q3"):
        if row[segment] != NULL:
            result[segment.upper()] = qualifying_time(row[segment])
    return result


def qualifying_time(value: str) -> str:
    return formats.lap_time(value) if present(value) and value else ""
