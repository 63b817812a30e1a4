"""What the commands share: exit codes, error reporting, sending a run to the workers and following runs
until they end (progress lines carry counts only, never a position, time or points value).

Nothing slow is imported here at module level (psycopg, pydantic, Celery): every command module imports this
one, and `python -m ingestion --help` should answer without loading what only a running command needs."""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable, Iterator

if TYPE_CHECKING:
    import psycopg

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_NO_WORKER, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
PING_TIMEOUT = 2.0  # seconds to wait for the first worker's answer
NO_WORKER_HINT = (f"no Celery worker answered within {PING_TIMEOUT:g} s; start one with:\n"
                  "  celery -A tasks worker --loglevel=INFO")
FIRST_LOOK, LOOK_GROWTH, LONGEST_LOOK = 0.05, 1.5, 0.1  # seconds between looks at the run table, see look_waits
PLAIN_LINE_EVERY = 1.0  # seconds: the least gap between two progress lines off a terminal (the last one excepted)


def run_command(handler: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run a command; a bad argument or setting exits 2, any other error of the workers exits 1."""
    from workers.errors import BadArgument, IngestionError
    from workers.settings import SettingsError

    try:
        return handler(args)
    except (SettingsError, BadArgument) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except IngestionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED


def command_main(module: Any, argv: list[str] | None = None, **parser_options: Any) -> int:
    """`python -m ingestion.<command>`: the module's own parser (its docstring as description), run as above."""
    parser = argparse.ArgumentParser(prog=f"python -m {module.__spec__.name}", description=module.__doc__,
                                     **parser_options)
    module.add_arguments(parser)
    return run_command(module.run, parser.parse_args(argv))


@contextmanager
def database() -> Iterator[psycopg.Connection]:
    """One connection for a command, checked against the schema; PostgreSQL down is one clear error at once."""
    import psycopg

    from workers.db.schema import check_schema
    from workers.errors import DatabaseUnavailable, classify_db
    from workers.redaction import redact_url
    from workers.settings import get_settings

    url = get_settings().DATABASE_URL
    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            check_schema(conn)
            yield conn
    except psycopg.OperationalError:
        raise DatabaseUnavailable(f"cannot reach PostgreSQL at {redact_url(url)}") from None
    except psycopg.Error as exc:
        raise classify_db(exc) from None


def add_results_flags(parser: argparse.ArgumentParser,
                      without: str = "no session_result / starting_grid request, no Results row (spoiler-free)") -> None:
    """--no-results / --results; neither means SPEC §3's default (results only once every meeting has ended)."""
    results = parser.add_mutually_exclusive_group()
    results.add_argument("--no-results", dest="include_results", action="store_false", default=None, help=without)
    results.add_argument("--results", dest="include_results", action="store_true",
                         help="include results even for the current season")


def client_app() -> Any:
    """A client of the broker that sends by registered name, as `celery call` does: it needs neither the task
    modules nor the workers' configuration (which load every source), so a command starts sooner."""
    from celery import Celery

    from workers.routing import client_routes
    from workers.settings import get_settings

    url = get_settings().REDIS_URL
    app = Celery("parcferme-cli", broker=url, backend=url, set_as_current=False)
    client_routes(app.conf)  # a dispatcher goes to the workers' queue for it (workers/routing.py)
    return app


def worker_answers(app: Any) -> bool:
    """True as soon as one Celery worker answers a ping; after PING_TIMEOUT without an answer, say how to start
    one. (`limit=1`: without a limit the ping collects replies until the whole timeout has passed.)"""
    if app.control.ping(timeout=PING_TIMEOUT, limit=1):
        return True
    print(f"error: {NO_WORKER_HINT}", file=sys.stderr)
    return False


def enqueue(app: Any, task_name: str, task_args: list[Any], include_results: bool | None, **options: Any) -> str:
    """Send a dispatcher task by its registered name; its task id is the run's id. The run is recorded first (as
    beat's are), so a message the broker loses before a worker starts it is sent again by the resume sweep."""
    run_id = str(uuid.uuid4())
    kwargs = {"include_results": include_results, **options}
    record_run(run_id, task_name, task_args, kwargs)
    app.send_task(task_name, args=task_args, kwargs=kwargs, task_id=run_id)
    print(f"{task_name}{tuple(task_args)} queued as run {run_id}", flush=True)
    return run_id


def record_run(run_id: str, task_name: str, task_args: list[Any], kwargs: dict[str, Any]) -> None:
    """The run's row, running and not yet planned, with the arguments its dispatcher is sent (the dispatcher's own
    start keeps them)."""
    from datetime import datetime, timezone

    import psycopg

    from workers import sources
    from workers.db.runs import start_run
    from workers.pipeline import kinds
    from workers.settings import get_settings

    kind = kinds.of_task(task_name)
    if kind.name == "series":
        source = sources.SERIES_SOURCE
    else:
        source = sources.name_for_season(task_args[0] if kind.name != "recent" else datetime.now(timezone.utc).year)
    with psycopg.connect(get_settings().DATABASE_URL, autocommit=True, connect_timeout=5) as conn:
        start_run(conn, run_id, kind.name, source, kind.recorded(task_args[0], kwargs))


def follow(run_id: str, timeout: float | None, poll: float = LONGEST_LOOK) -> int:
    """Follow one run until it ends; exit 0 only if it succeeded."""
    return follow_runs({"": run_id}, timeout, poll)


def look_waits(longest: float = LONGEST_LOOK) -> Iterator[float]:
    """Seconds to wait before each next look at the run table: FIRST_LOOK, growing by LOOK_GROWTH up to `longest`.
    A run's end is seen at most `longest` seconds late (a short run's within a few hundredths of a second); a
    look is one query on the run's key, so ten a second cost PostgreSQL next to nothing."""
    wait = min(FIRST_LOOK, longest)
    while True:
        yield wait
        wait = min(wait * LOOK_GROWTH, longest)


def follow_runs(runs: dict[str, str], timeout: float | None, poll: float = LONGEST_LOOK,
                summary: Callable[[dict[str, dict | None]], str] | None = None) -> int:
    """Print each run's progress when it changes (prefixed by its label) until all end; 0 only if all succeeded.
    `poll` is the longest wait between two looks at the run table (see look_waits); a run that ends says so at
    once (NOTIFY on "parcferme_runs"), so its end is seen without waiting for the next look. `summary` makes one
    more line of all the runs (label → run), printed when it changes."""
    started, printed, ended, waits = time.monotonic(), {}, {}, look_waits(poll)
    reader = RunReader()
    try:
        while timeout is None or time.monotonic() - started < timeout:
            for label, run_id in runs.items():
                if label not in ended:
                    _report(reader, label, run_id, time.monotonic() - started, printed, ended)
            if summary is not None:
                _print_changed("", summary({label: reader.last.get(run_id) for label, run_id in runs.items()}),
                               len(ended) == len(runs), printed)
            if len(ended) == len(runs):
                return _outcome(runs, ended)
            reader.wait(next(waits))
    except KeyboardInterrupt:
        again = "\n".join(f"  python -m ingestion follow {run_id}" for run_id in runs.values())
        print(f"\nstopped following; the run goes on (nothing was cancelled). Follow it again with:\n{again}")
        return EXIT_INTERRUPTED
    finally:
        reader.close()
    print(f"gave up following after {timeout:.0f}s; the runs go on (Id = {_ids(runs)})", file=sys.stderr)
    return EXIT_FAILED


class RunReader:
    """One connection of the command's own to the run table, listening for runs that end. A lost connection
    (PostgreSQL restarting) is opened again at the next look; until then the run shows as it last was."""

    def __init__(self) -> None:
        self.conn: "psycopg.Connection | None" = None
        self.last: dict[str, dict | None] = {}

    def run(self, run_id: str) -> dict | None:
        import psycopg

        from workers.db.runs import get_run

        try:
            self.last[run_id] = get_run(self._connection(), run_id)
        except psycopg.OperationalError:
            self.close()
        return self.last.get(run_id)

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
            import psycopg

            from workers.settings import get_settings

            self.conn = psycopg.connect(get_settings().DATABASE_URL, autocommit=True, connect_timeout=5)
            self.conn.execute("LISTEN parcferme_runs")
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.conn = None


def _report(reader: RunReader, label: str, run_id: str, elapsed: float, printed: dict[str, tuple[str, float]],
            ended: dict[str, str]) -> None:
    run = reader.run(run_id)
    prefix = f"{label}: " if label else ""
    done = run is not None and run["status"] != "running"
    if sys.stdout.isatty():  # a live bar on a terminal, redrawn in place; a new line once the run ends
        sys.stdout.write("\r\033[K" + prefix + progress_bar(run, elapsed) + ("\n" if done else ""))
        sys.stdout.flush()
    else:
        _print_changed(label, prefix + progress_line(run, elapsed), done, printed)
    if done:
        ended[label] = run["status"]


def _print_changed(label: str, line: str, final: bool, printed: dict[str, tuple[str, float]]) -> None:
    """A plain line when the progress changed, at most one per PLAIN_LINE_EVERY seconds and label (looks come
    more often than that), and always the final one."""
    previous, at = printed.get(label, ("", float("-inf")))
    now = time.monotonic()
    if line != previous and (final or now - at >= PLAIN_LINE_EVERY):
        print(line, flush=True)
        printed[label] = (line, now)


def _outcome(runs: dict[str, str], ended: dict[str, str]) -> int:
    failed = [label or runs[label] for label, status in ended.items() if status != "succeeded"]
    if len(runs) > 1:
        print(f"{len(runs) - len(failed)} of {len(runs)} runs succeeded" + (f"; failed: {', '.join(failed)}"
                                                                            if failed else ""), flush=True)
    return EXIT_FAILED if failed else EXIT_OK


def _ids(runs: dict[str, str]) -> str:
    return ", ".join(runs.values())


def progress_line(run: dict | None, elapsed: float) -> str:
    if run is None:
        return "waiting for a worker to start the run…"
    total = run["rounds_total"]
    head = f"[{run['status']}] rounds {run['rounds_done']}/{total if total is not None else '?'}"
    tail = (f", {run['rounds_failed']} failed, {run['requests']} requests, {run['throttles']} rate-limit waits, "
            f"{run['rows_written']} rows written, {run['quarantined']} quarantined")
    if run["status"] != "running":
        tail += f", {duration_text(run)}"
        if run["error"]:
            tail += f" — {run['error']}"
    return head + tail


def progress_bar(run: dict | None, elapsed: float, width: int = 24) -> str:
    """`[#########---------------] 9/25 rounds · 40 requests · 3 rate-limit waits · 12s` (counts only)."""
    if run is None:
        return f"waiting for a worker to start the run… {elapsed:.0f}s"
    total, done = run["rounds_total"] or 0, run["rounds_done"] + run["rounds_failed"]
    filled = int(width * done / total) if total else 0
    text = (f"[{'#' * filled}{'-' * (width - filled)}] {done}/{total or '?'} rounds · {run['requests']} requests"
            f" · {run['throttles']} rate-limit waits · {elapsed:.0f}s")
    if run["status"] != "running":
        text += f" · {run['status']}" + (f" — {run['error']}" if run["error"] else "")
    return text


def duration_text(run: dict) -> str:
    return f"took {run_seconds(run):.1f}s"


def run_seconds(run: dict) -> float:
    end = run["finished_at"] or datetime.now(timezone.utc)
    return (end - run["started_at"]).total_seconds()
