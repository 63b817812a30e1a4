"""Pure mapping of Jolpica's race, sprint and qualifying rows to Results (docs/sources/jolpica.md), each matched to its
entrant by the driver's and constructor's Jolpica ids (car numbers are missing, `"None"` or shared before 1965).

No network, database or clock access. Rows of a shared drive other than the better-classified one are rejected
with the reason (Results holds one row per entrant and session); so is a row whose `positionText` is unknown."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Sequence

from workers.rows import (EntrantInfo, Mapped, MappingError, Rejected, ResultStatus, SessionInfo, SessionStatus,
                          SessionType)
from workers.sources.jolpica import endpoints as ep
from workers.sources.jolpica.mapping import Weekend, session_key, split_shared_drives
from workers.sources.jolpica.models import Entry, QualifyingResult, RaceResult, validate

STATUS_BY_LETTER = {
    "R": ResultStatus.DNF,  # retired
    "D": ResultStatus.DSQ,  # disqualified
    "E": ResultStatus.DSQ,  # excluded
    "W": ResultStatus.DNS,  # withdrew
    "F": ResultStatus.DNS,  # failed to qualify
    "N": ResultStatus.NC,  # not classified
}
SESSIONS = ((ep.RESULTS, SessionType.RACE, RaceResult), (ep.SPRINT, SessionType.SPRINT, RaceResult),
            (ep.QUALIFYING, SessionType.QUALIFYING, QualifyingResult))


def result_status(result: RaceResult) -> ResultStatus:
    """From `positionText`: a number → Finished, else its letter; an unknown one is an error, never a default."""
    text = result.position_text.strip()
    if text.isdigit():
        return ResultStatus.FINISHED
    try:
        return STATUS_BY_LETTER[text]
    except KeyError:
        raise MappingError(f"unknown positionText {result.position_text!r}") from None


def race_row(result: RaceResult) -> dict[str, Any]:
    """A race or sprint result: a position only when classified, and then the classified place `positionText`
    names (it differs from the order `position` where a place was left vacant: 1983 Brazil, Rosberg disqualified
    from second, the others kept their places); grid 0 (pit lane, no slot) as none."""
    millis = result.finish_time.millis if result.finish_time else None
    text = result.position_text.strip()
    return {
        "Position": int(text) if text.isdigit() else None,
        "GridPosition": result.grid or None,
        "Status": int(result_status(result)),
        "Points": result.points,
        "Time": None if millis is None else timedelta(milliseconds=millis),
        "Laps": result.laps,
        "FastestLap": bool(result.fastest_lap and result.fastest_lap.rank == "1"),
    }


def qualifying_row(result: QualifyingResult) -> dict[str, Any]:
    """Position, and the time of the last segment the driver set (Q3, else Q2, else Q1)."""
    return {
        "Position": result.position,
        "GridPosition": None,
        "Status": int(ResultStatus.FINISHED),
        "Points": None,
        "Time": next((t for t in (result.q3, result.q2, result.q1) if t is not None), None),
        "Laps": None,
        "FastestLap": False,
    }


def result_rows(weekend: Weekend, sessions: Sequence[SessionInfo], entrants: Sequence[EntrantInfo]) -> Mapped:
    """Results of the round's completed sessions; each row carries SessionId and EntrantId."""
    by_key = {s.source_key: s for s in sessions if s.source_key is not None}
    entrant_by_key = {(e.driver_key, e.team_key): e.id for e in entrants if e.driver_key and e.team_key}
    mapped = Mapped()
    for endpoint, kind, model in SESSIONS:
        raw = weekend.rows_of(endpoint)
        session = by_key.get(session_key(weekend.race, kind))
        if raw and session is None:
            reason = f"the round has no {kind.name.lower()} session"
            mapped.rejected += [Rejected(endpoint.name, reason, r) for r in raw]
        elif raw and session.status == SessionStatus.COMPLETED:
            _session_results(mapped, endpoint.name, raw, model, session, entrant_by_key)
    return mapped


def _session_results(mapped: Mapped, endpoint: str, raw: list[dict[str, Any]], model: type[Entry],
                     session: SessionInfo, entrant_by_key: dict[tuple[str, str], Any]) -> None:
    parsed = _parsed(raw, model, endpoint, mapped.rejected)
    kept, shared = split_shared_drives(parsed)
    mapped.rejected += [Rejected(endpoint, _shared_drive(r), parsed[r]) for r in shared]
    for result in kept:
        try:
            row = race_row(result) if isinstance(result, RaceResult) else qualifying_row(result)
        except MappingError as exc:
            mapped.rejected.append(Rejected(endpoint, str(exc), parsed[result]))
            continue
        entrant_id = entrant_by_key.get(result.entrant_key)
        if entrant_id is None:
            driver, team = result.entrant_key
            mapped.rejected.append(Rejected(endpoint, f"no entrant for {driver} in {team}", parsed[result]))
            continue
        mapped.rows.append({"SessionId": session.id, "EntrantId": entrant_id, **row})


def _parsed(raw: list[dict[str, Any]], model: type[Entry], endpoint: str,
            rejected: list[Rejected]) -> dict[Entry, dict[str, Any]]:
    """Each valid row as a model → the row as received; an invalid row is rejected, unless it names no car at all
    (the entrants step rejects those)."""
    parsed: dict[Entry, dict[str, Any]] = {}
    for row in raw:
        valid, bad = validate(model, [row], endpoint)
        if valid:
            parsed.setdefault(valid[0], row)
        elif validate(Entry, [row], endpoint)[0]:
            rejected += bad
    return parsed


def _shared_drive(result: Entry) -> str:
    driver, team = result.entrant_key
    return (f"shared drive: {driver} drove more than one {team} car in this session (this is car {result.number}); "
            "the better-classified row is kept, since Results holds one row per entrant and session")
