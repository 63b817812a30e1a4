"""The run ledger ("SyncRuns", "SyncRunRounds", "QuarantinedRecords"): what a run does, as operators see it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import psycopg

from workers.db import connection, runs
from workers.db.racing import WriteCounts
from workers.errors import IngestionError
from workers.rows import Rejected


@dataclass
class StepSummary:
    """What one round step did: counts only (no spoilers)."""

    round_key: str
    requests: int = 0
    written: int = 0
    deleted: int = 0
    quarantined: int = 0
    changes: int = 0  # changes of sessions announced to the app ("SessionChanges")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def record_step(conn: psycopg.Connection, run_id: str | None, source: Any, summary: StepSummary,
                counts: WriteCounts, rejected: list[Rejected]) -> StepSummary:
    """The step's counts on its round of the run, and its rejected records quarantined, in the step's transaction."""
    summary.written, summary.deleted, summary.changes = counts.written, counts.deleted, counts.changes
    summary.quarantined = runs.quarantine(conn, run_id, source.name, summary.round_key, rejected, source.record_key)
    if run_id is not None:
        runs.add_round_counts(conn, run_id, summary.round_key, requests=summary.requests, written=counts.written,
                              deleted=counts.deleted, quarantined=summary.quarantined)
    return summary


def finish_round(run_id: str | None, round_key: str | None, error: str | None = None) -> str | None:
    """Mark the round done (or failed) and close the run when it was the last; returns the run's end state."""
    if run_id is None:
        return None
    if round_key is not None:
        with connection() as conn:
            runs.mark_round(conn, run_id, str(round_key), "failed" if error else "done", error)
    with connection() as conn:  # a second transaction: it must see the mark above committed
        last = runs.pending_rounds(conn, run_id) == 0
    if last:  # before the run shows as ended, so whoever waits on it finds the bridge applied (docs/identity.md)
        from workers.pipeline import bridge

        bridge.apply()
    with connection() as conn:
        return runs.finish_run_if_complete(conn, run_id)


def count_retry(run_id: str | None, round_key: str | None, throttle: bool, reason: str | None = None) -> None:
    """Record a retry in the run table, with its reason when given (a round's prefixed by its key); never lets the
    bookkeeping itself fail the retry."""
    if run_id is None:
        return
    if reason is not None and round_key is not None:
        reason = f"round {round_key}: {reason}"
    try:
        with connection() as conn:
            runs.count_retry(conn, run_id, None if round_key is None else str(round_key), throttle, reason)
    except IngestionError:
        pass  # the database may be the very reason for the retry


def fail_run(run_id: str, kind: str, source: str, arguments: dict[str, Any], error: str) -> None:
    with connection() as conn:
        runs.fail_run(conn, run_id, kind, source, arguments, error)


def run_status(run_id: str) -> dict[str, Any] | None:
    with connection() as conn:
        return runs.get_run(conn, run_id)
