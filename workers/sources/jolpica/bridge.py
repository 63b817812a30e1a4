"""The bridge from history to OpenF1 (docs/identity.md), learnt from the seasons both cover: Jolpica's schedule and
results of a bridge season against the rounds and entrants OpenF1 wrote for it, joined on the race name
(`raceName` == `meeting_name`, 45 of 45 in 2023–2024) and, within a race, on the car number (818 of 818). That
join says which OpenF1 row each `driverId`, `constructorId` and `circuitId` is. Never by `permanentNumber` nor by
`code` alone. A key the join ties to two rows is left out: a bridge only ever joins what is certain.

Circuits come from the schedules alone (no spoiler); drivers and teams from the results, so only once a sync
with results has landed them."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable, Sequence

from workers.sources.base import BridgeMatch
from workers.sources.jolpica import endpoints as ep
from workers.sources.jolpica.models import Page


def matches(races: Iterable[Any], results: dict[tuple[str, str], dict[str, Any]],
            targets: Sequence[tuple]) -> list[BridgeMatch]:
    """Jolpica keys → OpenF1 rows, from one season's races (schedule), result rows by (season, round) and the
    target rows (season, round name, circuit id, car number, driver id, team id)."""
    by_name = {race.name: race for race in races}
    found: dict[tuple[str, str], set[Any]] = defaultdict(set)
    for name, circuit_id, cars in _rounds(targets):
        race = by_name.get(name)
        if race is None:
            continue
        found[("circuit", race.circuit.circuit_id)].add(circuit_id)
        for row in results.get((str(race.season), str(race.round)), {}).get(ep.RESULTS.rows_key, []):
            entrant = cars.get(_number(row))
            if entrant is not None:
                found[("driver", row["Driver"]["driverId"])].add(entrant[0])
                found[("team", row["Constructor"]["constructorId"])].add(entrant[1])
    return [BridgeMatch(kind, key, next(iter(rows))) for (kind, key), rows in sorted(found.items()) if len(rows) == 1]


def _rounds(targets: Sequence[tuple]) -> list[tuple[str, Any, dict[int, tuple[Any, Any]]]]:
    """(round name, circuit id, car number → (driver id, team id)) per target round; a number two entrants of a
    round carry matches neither."""
    rounds: dict[str, tuple[Any, dict[int, list[tuple[Any, Any]]]]] = {}
    for _, name, circuit_id, number, driver_id, team_id in targets:
        circuit, cars = rounds.setdefault(name, (circuit_id, defaultdict(list)))
        if number is not None:
            cars[number].append((driver_id, team_id))
    return [(name, circuit, {n: e[0] for n, e in cars.items() if len(e) == 1})
            for name, (circuit, cars) in rounds.items()]


def _number(row: Any) -> int | None:
    text = str(row.get("number", "")) if isinstance(row, dict) else ""
    return int(text) if text.isdigit() else None


def result_pages(pages: Iterable[Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return ep.races_of([p for p in pages if isinstance(p, Page)], ep.RESULTS.rows_key)
