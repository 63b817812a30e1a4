"""Ergast's CSV database export (`f1db_csv`), read once into memory.

The data directory is either the export's folder itself or a folder holding it as `ergast_csv_dump/` (so
`recordings/jolpica` works). Default: `$JOLPICA_REPLAY_DIR`, else the repository's `recordings/jolpica`.
Values stay the export's text (`\\N` for NULL); `formats` turns them into Jolpica's strings.
"""

from __future__ import annotations

import csv
import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

DATA_DIR_ENV = "JOLPICA_REPLAY_DIR"
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[1] / "recordings" / "jolpica"
DUMP_FOLDER = "ergast_csv_dump"
REQUIRED_FILES = ("races", "circuits", "drivers", "constructors", "status", "results", "qualifying", "sprint_results")

Row = dict[str, str]


@dataclass(frozen=True)
class ErgastDump:
    """The export's tables, keyed the way the endpoints read them."""

    races_by_season: dict[int, list[Row]]  # each season's races by round
    circuits: dict[str, Row]  # by circuitId (numeric, as text)
    drivers: dict[str, Row]
    constructors: dict[str, Row]
    status: dict[str, str]  # statusId → text
    results: dict[str, list[Row]]  # by raceId, in finishing order (positionOrder)
    qualifying: dict[str, list[Row]]  # by raceId, by position
    sprint_results: dict[str, list[Row]]  # by raceId, in finishing order

    @property
    def seasons(self) -> list[int]:
        return sorted(self.races_by_season)

    def race(self, season: int, round_number: int) -> Row | None:
        return next((race for race in self.races_by_season.get(season, ()) if int(race["round"]) == round_number), None)


def default_data_dir() -> Path:
    configured = os.environ.get(DATA_DIR_ENV)
    if configured:
        return Path(configured).expanduser().resolve()
    return DEFAULT_DATA_DIR


def dump_folder(data_dir: str | Path) -> Path:
    """The folder holding the CSV files: `data_dir` itself or its `ergast_csv_dump/`."""
    base = Path(data_dir).expanduser()
    for candidate in (base / DUMP_FOLDER, base):
        if (candidate / "races.csv").is_file():
            return candidate.resolve()
    raise FileNotFoundError(f"no Ergast CSV export (races.csv) in {base} or {base / DUMP_FOLDER}")


def load_dump(data_dir: str | Path) -> ErgastDump:
    folder = dump_folder(data_dir)
    missing = [name for name in REQUIRED_FILES if not (folder / f"{name}.csv").is_file()]
    if missing:
        raise FileNotFoundError(f"{folder} lacks {', '.join(name + '.csv' for name in missing)}")
    table = lambda name: read_rows(folder / f"{name}.csv")  # noqa: E731
    return ErgastDump(
        races_by_season=_races_by_season(table("races")),
        circuits=_by_key(table("circuits"), "circuitId"),
        drivers=_by_key(table("drivers"), "driverId"),
        constructors=_by_key(table("constructors"), "constructorId"),
        status={row["statusId"]: row["status"] for row in table("status")},
        results=_by_race(table("results"), "positionOrder"),
        qualifying=_by_race(table("qualifying"), "position"),
        sprint_results=_by_race(table("sprint_results"), "positionOrder"),
    )


def read_rows(path: Path) -> list[Row]:
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def _by_key(rows: list[Row], key: str) -> dict[str, Row]:
    return {row[key]: row for row in rows}


def _races_by_season(rows: list[Row]) -> dict[int, list[Row]]:
    seasons: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        seasons[int(row["year"])].append(row)
    return {season: sorted(races, key=lambda race: int(race["round"])) for season, races in seasons.items()}


def _by_race(rows: list[Row], order_column: str) -> dict[str, list[Row]]:
    races: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        races[row["raceId"]].append(row)
    return {race_id: sorted(entries, key=lambda row: int(row[order_column])) for race_id, entries in races.items()}
