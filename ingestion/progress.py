"""How a followed run's progress is shown, and how long it has left.

Three views of the same looks at the run table: on a terminal a live display (rich: one bar per active run, and
one overall bar when several runs are followed; each run's last line printed above it when it ends); off a
terminal plain lines (at most one a second per run, the last always); with --json one JSON event per line.
Every view shows counts only: rounds, requests, rate-limit waits, rows, quarantined records, never a position,
time or points value, and a run's retry reason as the workers recorded it (their own messages carry no secret and
no result value).

The time left (Estimator) comes from the rates observed while following (requests a second while landing, rounds
a second once they are being written) and is never below what the sources' fleet limits allow for the requests
left (`workers.ratelimit.least_time`); with no rate observed yet it is that bound alone, shown as "at least"."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, TextIO

PLAIN_LINE_EVERY = 1.0  # seconds: the least gap between two progress lines (or JSON events) of one run
RETRY_SHOWN_FOR = 600.0  # seconds: a retry older than the longest retry backoff is not "retrying" any more
LIVE_ROWS = 8  # active runs shown on a terminal at once (a backfill queues dozens)


# -- what a look at the runs found ------------------------------------------------------------------------------

@dataclass
class Look:
    """One look at the followed runs: label → run (as workers.db.runs.get_run gives it), what each is retrying
    for, the time left, and whether PostgreSQL is lost (since how many seconds)."""

    runs: dict[str, dict | None]
    ids: dict[str, str]
    elapsed: float
    estimate: "Estimate | None" = None
    retrying: dict[str, str] = field(default_factory=dict)
    lost_for: float | None = None

    def ended(self, label: str) -> bool:
        run = self.runs.get(label)
        return run is not None and run["status"] != "running"


@dataclass(frozen=True)
class Estimate:
    seconds: float
    at_least: bool  # no rate observed yet: the sources' limits' bound alone

    def text(self, limits: str = "the sources' limits") -> str:
        if self.at_least:
            return f"at least {duration(self.seconds)} left at {limits}"
        return f"about {duration(self.seconds)} left"


def duration(seconds: float) -> str:
    """`45s`, `6min 40s`, `1h 02min`."""
    seconds = max(0, round(seconds))
    if seconds < 90:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}min {seconds % 60:02d}s"
    minutes = round(seconds / 60)
    return f"{minutes // 60}h {minutes % 60:02d}min"


def run_seconds(run: dict) -> float:
    end = run["finished_at"] or datetime.now(timezone.utc)
    return (end - run["started_at"]).total_seconds()


def rounds_text(run: dict) -> str:
    """`3/24`; before the run's plan, the rounds its indexes listed so far (`0/14+` while it reads more)."""
    done = run["rounds_done"] + run["rounds_failed"] if run["status"] != "running" else run["rounds_done"]
    if run["rounds_total"] is not None:
        return f"{done}/{run['rounds_total']}"
    if run.get("rounds_known") is not None:
        return f"{done}/{run['rounds_known']}" + ("" if run.get("requests_expected") is not None else "+")
    return f"{done}/?"


def requests_text(run: dict) -> str:
    expected = run.get("requests_expected")
    if run["status"] == "running" and expected is not None and expected > run["requests"]:
        return f"{run['requests']}/{expected} requests"
    return f"{run['requests']} requests"


def progress_line(run: dict | None, estimate: Estimate | None = None, retrying: str | None = None,
                  lost_for: float | None = None) -> str:
    """`[running] rounds 3/24, 0 failed, 40/95 requests, 2 rate-limit waits, 120 rows written, 0 quarantined,
    about 6min 40s left — retrying: …` (counts only)."""
    if run is None:
        return "waiting for a worker to start the run…"
    line = (f"[{run['status']}] rounds {rounds_text(run)}, {run['rounds_failed']} failed, {requests_text(run)}, "
            f"{run['throttles']} rate-limit waits, {run['rows_written']} rows written, "
            f"{run['quarantined']} quarantined")
    if run["status"] != "running":
        line += f", took {run_seconds(run):.1f}s"
        return line + (f" — {run['error']}" if run["error"] else "")
    if estimate is not None:
        line += f", {estimate.text()}"
    if lost_for is not None:
        line += f" — PostgreSQL unreachable for {lost_for:.0f}s, trying again"
    elif retrying:
        line += f" — retrying: {retrying}"
    return line


def retry_reason(run: dict | None, requests_then: int | None) -> str | None:
    """The run's latest retry reason while it is retrying: recent, and no request made since it was first seen."""
    if run is None or run["status"] != "running" or not run.get("last_retry") or run.get("last_retry_at") is None:
        return None
    age = (datetime.now(timezone.utc) - run["last_retry_at"]).total_seconds()
    if age > RETRY_SHOWN_FOR or (requests_then is not None and run["requests"] > requests_then):
        return None
    retries = run["retries"]
    return f"{run['last_retry']} ({retries} {'retry' if retries == 1 else 'retries'} so far)"


# -- the time left ----------------------------------------------------------------------------------------------

class Meter:
    """The observed rate of a growing count: its growth since first seen over the time since."""

    def __init__(self) -> None:
        self.first: tuple[float, float] | None = None

    def per_second(self, value: float, now: float) -> float | None:
        if self.first is None:
            self.first = (now, value)
            return None
        at, then = self.first
        return (value - then) / (now - at) if value > then and now > at else None


class Estimator:
    """The time the followed runs have left: the larger of the observed rates' estimates (requests left at the
    requests a second seen so far, rounds left at the rounds a second) and of the sources' limits' least time for
    the requests left (each source's requests in sequence, the sources in parallel). A run not started yet is
    taken to cost what the others of its source cost (requests) and hold what the others hold (rounds)."""

    def __init__(self, rates_of: Callable[[str], list] | None = None) -> None:
        self.requests, self.rounds = Meter(), Meter()
        self.rates_of = rates_of or source_rates

    def estimate(self, runs: list[dict | None], now: float) -> Estimate | None:
        known = [run for run in runs if run is not None]
        active = [run for run in runs if run is None or run["status"] == "running"]
        if not active:
            return None
        request_rate = self.requests.per_second(sum(r["requests"] for r in known), now)
        round_rate = self.rounds.per_second(sum(r["rounds_done"] + r["rounds_failed"] for r in known), now)
        requests_left, rounds_left = self._requests_left(known, active), self._rounds_left(known, active)
        floor = max((least(self.rates_of(source), left) for source, left in requests_left.items()), default=0.0)
        guesses = []
        if request_rate and sum(requests_left.values()):
            guesses.append(sum(requests_left.values()) / request_rate)
        if round_rate and rounds_left:
            guesses.append(rounds_left / round_rate)
        if not guesses and not floor:
            return None
        return Estimate(max([floor, *guesses]), at_least=not guesses)

    def _requests_left(self, known: list[dict], active: list[dict | None]) -> dict[str, int]:
        left: dict[str, int] = {}
        for run in active:
            if run is None:
                continue
            expected = run.get("requests_expected")
            if expected is None:
                expected = _average([r.get("requests_expected") if r["status"] == "running" else r["requests"]
                                     for r in known if r["source"] == run["source"]])
            if expected is not None:
                left[run["source"]] = left.get(run["source"], 0) + max(0, round(expected) - run["requests"])
        return left

    def _rounds_left(self, known: list[dict], active: list[dict | None]) -> int:
        totals = [_total(r) for r in known]
        typical = _average(totals)
        left = 0
        for run in active:
            total = _total(run) if run is not None else None
            total = typical if total is None else total
            done = 0 if run is None else run["rounds_done"] + run["rounds_failed"]
            left += max(0, round(total or 0) - done)
        return left


def _total(run: dict) -> int | None:
    """The run's rounds: its plan's, else those of its indexes once all are read."""
    if run["rounds_total"] is not None:
        return run["rounds_total"]
    return run.get("rounds_known") if run.get("requests_expected") is not None else None


def _average(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def least(rates: list, requests: int) -> float:
    from workers.ratelimit import least_time

    return least_time(requests, rates) if requests > 0 else 0.0


_RATES: dict[str, list] = {}


def source_rates(source: str) -> list:
    """The fleet limit of a source (its RATE_LIMIT setting) as rates; none for a source unknown here."""
    if source not in _RATES:
        from workers import sources
        from workers.errors import BadArgument
        from workers.ratelimit import parse_rates

        try:
            _RATES[source] = parse_rates(sources.get(source).settings.RATE_LIMIT)
        except BadArgument:
            _RATES[source] = []
    return _RATES[source]


# -- the views --------------------------------------------------------------------------------------------------

class View:
    """What a view is told: a run queued, each look, a line to print, the end."""

    def __init__(self, noun: str | None = None, limits: str = "the sources' limits", out: TextIO | None = None):
        self.noun, self.limits = noun, limits  # noun: what several runs are ("seasons"); None for one run
        self.out = out or sys.stdout

    def queued(self, label: str, run_id: str, call: str, arguments: dict[str, Any]) -> None:
        self.say(f"{call} queued as run {run_id}")

    def look(self, look: Look) -> None:
        raise NotImplementedError

    def say(self, line: str) -> None:
        print(line, file=self.out, flush=True)

    def close(self) -> None:
        pass

    def summary(self, look: Look, estimate: bool = True) -> str:
        """`seasons 12/73 done, 140 requests, about 4min left` (counts only)."""
        done = sum(1 for label in look.runs if look.ended(label))
        requests = sum(run["requests"] for run in look.runs.values() if run)
        shown = estimate and look.estimate is not None and done < len(look.runs)
        tail = f", {look.estimate.text(self.limits)}" if shown else ""
        return f"{self.noun} {done}/{len(look.runs)} done, {requests} requests{tail}"


class PlainView(View):
    """Plain lines: a run's line when it changed, at most one a second per run (and the last always); with
    several runs each is prefixed by its label, and a summary line follows when it changed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.printed: dict[str | None, tuple[str, float]] = {}
        self.done: set[str] = set()

    def look(self, look: Look) -> None:
        for label, run in look.runs.items():
            if label in self.done:
                continue
            prefix = f"{label}: " if self.noun else ""
            line = progress_line(run, None if self.noun else look.estimate, look.retrying.get(label), look.lost_for)
            counts = progress_line(run, None, look.retrying.get(label), look.lost_for)  # what changed, not the clock
            self._print_changed(label, prefix + line, look.ended(label), counts)
            if look.ended(label):
                self.done.add(label)
        if self.noun:
            self._print_changed(None, self.summary(look), len(self.done) == len(look.runs),
                                self.summary(look, estimate=False))

    def _print_changed(self, key: str | None, line: str, final: bool, counts: str) -> None:
        """Print `line` when its `counts` changed since the last line of `key`, at most once a second (the last
        line always)."""
        previous, at = self.printed.get(key, ("", float("-inf")))
        now = time.monotonic()
        if counts != previous and (final or now - at >= PLAIN_LINE_EVERY):
            self.say(line)
            self.printed[key] = (counts, now)


class JsonView(View):
    """One JSON event per line: `queued`, `progress` (at most one a second per run), `ended`, `summary` (several
    runs), and from the follower `timed_out`, `interrupted` or `error`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sent: dict[str | None, tuple[str, float]] = {}
        self.done: set[str] = set()

    def queued(self, label: str, run_id: str, call: str, arguments: dict[str, Any]) -> None:
        self.event({"event": "queued", "label": label or None, "run_id": run_id, "task": call.split("(")[0],
                    "arguments": arguments})

    def look(self, look: Look) -> None:
        for label, run in look.runs.items():
            if label in self.done or run is None:
                continue
            ended = look.ended(label)
            event = {"event": "ended" if ended else "progress", "label": label or None, **run_event(run)}
            if not ended:
                event.update(retrying=look.retrying.get(label), postgresql_lost_seconds=look.lost_for,
                             **estimate_event(None if self.noun else look.estimate))
            self._send_changed(label, event, ended)
            if ended:
                self.done.add(label)
        if self.noun:
            done = [label for label in look.runs if look.ended(label)]
            succeeded = sum(1 for label in done if look.runs[label]["status"] == "succeeded")
            self._send_changed(None, {"event": "summary", "noun": self.noun, "runs": len(look.runs), "done": len(done),
                                      "succeeded": succeeded,
                                      "requests": sum(run["requests"] for run in look.runs.values() if run),
                                      **estimate_event(look.estimate)}, len(done) == len(look.runs))

    def _send_changed(self, key: str | None, event: dict[str, Any], final: bool) -> None:
        text = json.dumps(event, default=str)
        previous, at = self.sent.get(key, ("", float("-inf")))
        now = time.monotonic()
        if _without_time(text) != _without_time(previous) and (final or now - at >= PLAIN_LINE_EVERY):
            self.say(text)
            self.sent[key] = (text, now)

    def say(self, line: str) -> None:
        if line.startswith("{"):
            super().say(line)
        else:
            self.event({"event": "note", "message": line})

    def event(self, event: dict[str, Any]) -> None:
        print(json.dumps(event, default=str), file=self.out, flush=True)


def _without_time(text: str) -> str:
    """An event's text without what changes on every look by itself (its elapsed time and estimate)."""
    if not text:
        return text
    event = json.loads(text)
    for key in ("duration_seconds", "eta_seconds", "eta"):
        event.pop(key, None)
    return json.dumps(event, sort_keys=True)


RUN_EVENT_FIELDS = ("run_id", "kind", "source", "status", "rounds_done", "rounds_failed", "rounds_total",
                    "rounds_known", "requests", "requests_expected", "throttles", "retries", "resent", "rows_written",
                    "rows_deleted", "quarantined", "error")


def run_event(run: dict) -> dict[str, Any]:
    """A run's counts for a JSON event (never a result value)."""
    fields = {key: run.get(key) for key in RUN_EVENT_FIELDS if key != "run_id"}
    return {"run_id": run["id"], **fields, "duration_seconds": round(run_seconds(run), 3)}


def estimate_event(estimate: Estimate | None) -> dict[str, Any]:
    if estimate is None:
        return {"eta_seconds": None, "eta": None}
    return {"eta_seconds": round(estimate.seconds, 1), "eta": "at_least" if estimate.at_least else "about"}


class LiveView(View):
    """A live display on a terminal (rich): a bar per active run (at most LIVE_ROWS; a run waiting for a worker
    has none) and, with several runs, one overall bar; a run's last line is printed above the bars when it ends,
    and the summary once all have."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn

        self.console = Console(file=self.out, force_terminal=True, highlight=False)
        self.progress = Progress(TextColumn("{task.description}", markup=False), BarColumn(bar_width=24),
                                 TextColumn("{task.fields[counts]}", markup=False), console=self.console,
                                 auto_refresh=False, transient=True)
        self.progress.start()
        self.tasks: dict[str | None, Any] = {}
        self.done: set[str] = set()
        self.live = True

    def look(self, look: Look) -> None:
        for label, run in look.runs.items():
            if label not in self.done and look.ended(label):
                self._end(label, run)
        shown = [label for label, run in look.runs.items()
                 if label not in self.done and run is not None and (run["requests"] or run["rounds_known"] is not None
                                                                    or not self.noun)][:LIVE_ROWS]
        for label in [key for key in self.tasks if key is not None and key not in shown]:
            self.progress.remove_task(self.tasks.pop(label))
        for label in shown:
            self._draw(label, look.runs[label], look)
        if self.noun:
            self._draw_overall(look)
        self.progress.refresh()

    def _draw(self, label: str, run: dict, look: Look) -> None:
        total = run["rounds_total"] if run["rounds_total"] is not None else _total(run)
        parts = [f"{rounds_text(run)} rounds", requests_text(run), f"{run['throttles']} rate-limit waits",
                 f"{run_seconds(run):.0f}s"]
        if look.estimate is not None and not self.noun:
            parts.append(look.estimate.text(self.limits))
        if look.lost_for is not None:
            parts.append(f"PostgreSQL unreachable for {look.lost_for:.0f}s, trying again")
        elif look.retrying.get(label):
            parts.append(f"retrying: {_shortened(look.retrying[label])}")
        fields = {"description": label or "run", "total": total, "completed": run["rounds_done"],
                  "counts": " · ".join(parts)}
        if label not in self.tasks:
            self.tasks[label] = self.progress.add_task(**fields)
        else:
            self.progress.update(self.tasks[label], **fields)

    def _draw_overall(self, look: Look) -> None:
        fields = {"description": "all", "total": len(look.runs), "completed": len(self.done),
                  "counts": self.summary(look)}
        if None not in self.tasks:
            self.tasks[None] = self.progress.add_task(**fields)
        else:
            self.progress.update(self.tasks[None], **fields)

    def _end(self, label: str, run: dict) -> None:
        self.done.add(label)
        if label in self.tasks:
            self.progress.remove_task(self.tasks.pop(label))
        self.say((f"{label}: " if self.noun else "") + progress_line(run))

    def say(self, line: str) -> None:
        self.console.print(line, markup=False, highlight=False, soft_wrap=True)
        if self.live:
            self.progress.refresh()

    def close(self) -> None:
        if self.live:
            self.progress.stop()
        self.live = False


def _shortened(text: str, width: int = 70) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def view_for(as_json: bool, noun: str | None = None, limits: str = "the sources' limits") -> View:
    """JSON events with --json; a live display on a terminal; plain lines otherwise."""
    if as_json:
        return JsonView(noun, limits)
    if sys.stdout.isatty():
        return LiveView(noun, limits)
    return PlainView(noun, limits)
