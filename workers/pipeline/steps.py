"""The round steps: sessions → entrants → [results], each reading the landing only (no request), mapping
through the source and writing in one transaction; then finish."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg

from workers import sources
from workers.db import connection, racing, runs
from workers.errors import PermanentError
from workers.pipeline.landing import LandedReader
from workers.pipeline.ledger import StepSummary, finish_round, record_step
from workers.pipeline.resources import ensure_schema


def sync_sessions(run_id: str | None, source_name: str, season: int, round_key: str, now: datetime) -> StepSummary:
    """The round, its series, season, circuit and sessions."""
    ensure_schema()
    source = sources.get(source_name)
    with connection() as conn:
        rows = source.round_rows(LandedReader(conn, source, season), round_key, now)
        _, counts = racing.write_round(conn, source.name, rows, source.defers_shared_rows, source.natural_keys)
        return record_step(conn, run_id, source, StepSummary(round_key), counts, rows.rejected)


def sync_entrants(run_id: str | None, source_name: str, season: int, round_key: str) -> StepSummary:
    """Drivers, teams and entrants of the round."""
    source = sources.get(source_name)
    with connection() as conn:
        round_id, round_start = _round(conn, source.name, round_key)
        starts = racing.session_starts(conn, source.name, round_id)
        rows = source.entrant_rows(LandedReader(conn, source, season), round_key, starts)
        counts = racing.write_entrants(conn, source.name, round_id, round_start, rows, source.defers_shared_rows)
        return record_step(conn, run_id, source, StepSummary(round_key), counts, rows.rejected)


def sync_results(run_id: str | None, source_name: str, season: int, round_key: str) -> StepSummary:
    """Results of the round's completed sessions, each session replaced as a whole."""
    source = sources.get(source_name)
    with connection() as conn:
        round_id, _ = _round(conn, source.name, round_key)
        mapped = source.result_rows(LandedReader(conn, source, season), round_key,
                                    racing.sessions_of_round(conn, source.name, round_id),
                                    racing.entrants_of_round(conn, source.name, round_id))
        run_started = runs.started_at(conn, run_id) if run_id is not None else None
        counts = racing.replace_results(conn, mapped.rows, run_started)
        return record_step(conn, run_id, source, StepSummary(round_key), counts, mapped.rejected)


def finish(run_id: str | None, round_key: str | None, error: str | None = None) -> str | None:
    return finish_round(run_id, round_key, error)


def _round(conn: psycopg.Connection, source: str, round_key: str) -> tuple[Any, Any]:
    found = racing.round_of(conn, source, round_key)
    if found is None:
        raise PermanentError(f"{source} round {round_key} has no row yet: its sessions step must run first")
    return found
