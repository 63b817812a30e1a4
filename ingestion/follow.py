"""`follow RUN_ID [--timeout S] [--json]`: follow runs until they end (e.g. again after Ctrl-C), and the loop that
`sync`, `rebuild` and `bulk-sync` follow their runs with.

A look at the run table 0.05 s after the start, then at most `--poll` (0.1 s) apart, and a run that ends says so
at once (NOTIFY on "parcferme_runs"). An unknown or malformed run id is refused at once (exit 2); PostgreSQL
unreachable at the start is exit 4, and lost for longer than FOLLOW_OUTAGE while following too; --timeout gives up
following (exit 5) and Ctrl-C stops it (130): the run goes on in both cases. Exit 0 only if every run succeeded."""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING, Iterator

from ingestion.arguments import LONGEST_LOOK, add_following, run_id
from ingestion.exits import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, FollowTimedOut, command_main, program
from ingestion.progress import Estimator, Look, View, retry_reason, view_for

if TYPE_CHECKING:
    import psycopg

FIRST_LOOK, LOOK_GROWTH = 0.05, 1.5  # seconds before the first look, and how the wait grows (see look_waits)
FOLLOW_OUTAGE = 30.0  # seconds PostgreSQL may stay lost while following before the command gives up (exit 4)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_id", type=run_id, help="the run's id, as `sync` printed it or `runs` lists it")
    add_following(parser)


def run(args: argparse.Namespace) -> int:
    from workers.db.runs import get_run
    from workers.errors import BadArgument

    from ingestion.preflight import database

    with database() as conn:
        if get_run(conn, args.run_id) is None:
            raise BadArgument(f"no run {args.run_id} is recorded here (`{program()} runs` lists them; a run sent by "
                              "`celery call` is recorded once a worker starts it)")
    return follow(args.run_id, args.timeout, args.poll, view_for(args.json))


def follow(run_id: str, timeout: float | None, poll: float = LONGEST_LOOK, view: View | None = None) -> int:
    """Follow one run until it ends; exit 0 only if it succeeded."""
    return follow_runs({"": run_id}, timeout, poll, view)


def look_waits(longest: float = LONGEST_LOOK) -> Iterator[float]:
    """Seconds to wait before each next look at the run table: FIRST_LOOK, growing by LOOK_GROWTH up to `longest`.
    A run's end is seen at most `longest` seconds late (a short run's within a few hundredths of a second); a
    look is one query on the run's key, so ten a second cost PostgreSQL next to nothing."""
    wait = min(FIRST_LOOK, longest)
    while True:
        yield wait
        wait = min(wait * LOOK_GROWTH, longest)


def follow_runs(runs: dict[str, str], timeout: float | None, poll: float = LONGEST_LOOK,
                view: View | None = None) -> int:
    """Show each run's progress (label → run id) through `view` until all end; 0 only if all succeeded."""
    view = view or view_for(False, noun="runs" if len(runs) > 1 else None)
    started, waits = time.monotonic(), look_waits(poll)
    reader, estimator, retries = RunReader(), Estimator(), RetryWatch()
    try:
        while True:
            look = reader.look(runs, time.monotonic() - started)
            look.estimate = estimator.estimate(list(look.runs.values()), time.monotonic())
            look.retrying = retries.reasons(look.runs)
            view.look(look)
            if all(look.ended(label) for label in runs):
                view.close()
                return _outcome(look, view)
            if timeout is not None and time.monotonic() - started >= timeout:
                raise FollowTimedOut(f"gave up following after {timeout:g} s (--timeout); the run goes on: "
                                     f"follow it again with {_again(runs)}")
            reader.wait(next(waits))
    except KeyboardInterrupt:
        view.close()
        view.say("\nstopped following; the run goes on (nothing was cancelled). Follow it again with:\n"
                 + "\n".join(f"  {program()} follow {run_id}" for run_id in runs.values()))
        return EXIT_INTERRUPTED
    finally:
        view.close()
        reader.close()


def _again(runs: dict[str, str]) -> str:
    return "; ".join(f"{program()} follow {run_id}" for run_id in runs.values())


def _outcome(look: Look, view: View) -> int:
    failed = [label or look.ids[label] for label in look.runs if look.runs[label]["status"] != "succeeded"]
    if len(look.runs) > 1:
        view.say(f"{len(look.runs) - len(failed)} of {len(look.runs)} runs succeeded"
                 + (f"; failed: {', '.join(failed)}" if failed else ""))
    return EXIT_FAILED if failed else EXIT_OK


class RetryWatch:
    """Which runs are retrying, and why: a run's latest retry reason is shown from when it is first seen until the
    run makes another request (or it is older than the longest backoff)."""

    def __init__(self) -> None:
        self.seen: dict[str, tuple[object, int]] = {}  # run id → (its last retry's time, its requests then)

    def reasons(self, runs: dict[str, dict | None]) -> dict[str, str]:
        found = {}
        for label, run in runs.items():
            if run is None or run.get("last_retry_at") is None:
                continue
            at, requests = self.seen.get(run["id"], (None, None))
            if at != run["last_retry_at"]:
                self.seen[run["id"]] = (run["last_retry_at"], run["requests"])
                requests = run["requests"]
            reason = retry_reason(run, requests)
            if reason:
                found[label] = reason
        return found


class RunReader:
    """One connection of the command's own to the run table, listening for runs that end. A lost connection
    (PostgreSQL restarting) is opened again at the next look, the runs showing as they last were meanwhile; lost
    for longer than FOLLOW_OUTAGE, following ends (exit 4) and the runs go on."""

    def __init__(self) -> None:
        self.conn: "psycopg.Connection | None" = None
        self.last: dict[str, dict | None] = {}
        self.lost_at: float | None = None

    def look(self, runs: dict[str, str], elapsed: float) -> Look:
        import psycopg

        from workers.db.runs import get_run

        try:
            conn = self._connection()
            for run_id in runs.values():
                if self.last.get(run_id) is None or self.last[run_id]["status"] == "running":
                    self.last[run_id] = get_run(conn, run_id)
            self.lost_at = None
        except psycopg.OperationalError as exc:
            self.close()
            self._lost(exc, runs)
        lost_for = None if self.lost_at is None else time.monotonic() - self.lost_at
        return Look({label: self.last.get(run_id) for label, run_id in runs.items()}, dict(runs), elapsed,
                    lost_for=lost_for)

    def _lost(self, exc: Exception, runs: dict[str, str]) -> None:
        from ingestion.preflight import postgres_failure
        from workers.errors import DatabaseUnavailable
        from workers.settings import get_settings

        self.lost_at = self.lost_at or time.monotonic()
        if time.monotonic() - self.lost_at >= FOLLOW_OUTAGE:
            reason = postgres_failure(exc, get_settings().DATABASE_URL)
            raise DatabaseUnavailable(f"{reason} (lost for {FOLLOW_OUTAGE:g} s while following; the run goes on: "
                                      f"follow it again with {_again(runs)})")

    def wait(self, seconds: float) -> None:
        """Sleep `seconds`, or less if a run ends meanwhile."""
        if self.conn is None:
            time.sleep(seconds)
            return
        try:
            for _ in self.conn.notifies(timeout=seconds, stop_after=1):
                pass
        except Exception:  # noqa: BLE001  (a lost connection: the next look opens another)
            self.close()

    def _connection(self) -> "psycopg.Connection":
        if self.conn is None:
            from ingestion.preflight import connect
            from workers.settings import get_settings

            self.conn = connect(get_settings().DATABASE_URL, autocommit=True)
            self.conn.execute("LISTEN parcferme_runs")
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.conn = None


def main(argv: list[str] | None = None) -> int:
    return command_main(sys.modules[__name__], argv)


if __name__ == "__main__":
    sys.exit(main())
