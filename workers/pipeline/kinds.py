"""The kinds of run, in one registry: the dispatcher task each is sent as, how the arguments a run records become
that task's keyword arguments again, and whether its rounds are urgent. The Celery surface, the resume sweep (which
sends a lost dispatcher again from its recorded arguments), the routes and the command line all read it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workers.errors import BadArgument


@dataclass(frozen=True)
class RunKind:
    name: str  # as "SyncRuns"."Kind" records it
    task: str  # the dispatcher's registered name
    arguments: tuple[tuple[str, str], ...]  # (the task's keyword, the name "SyncRuns"."Arguments" keeps it under)
    live: bool = False  # its rounds are the season in motion's or beat's recent sync's: the live queue

    def task_kwargs(self, recorded: dict[str, Any]) -> dict[str, Any]:
        """The dispatcher's keyword arguments from what its run recorded (those it recorded)."""
        return {keyword: recorded[name] for keyword, name in self.arguments if name in recorded}

    def recorded(self, first_argument: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
        """What a run records of a dispatcher sent with one positional argument (the command line's way)."""
        return {self.arguments[0][1]: first_argument, **kwargs}


KINDS = {kind.name: kind for kind in (
    RunKind("season", "sync_season", (("year", "year"), ("include_results", "include_results"), ("refresh", "refresh"),
                                      ("championship", "championship"))),
    RunKind("rebuild", "rebuild_season", (("year", "year"), ("include_results", "include_results"),
                                          ("championship", "championship"))),
    RunKind("recent", "sync_recent", (("days", "days"), ("include_results", "include_results")), live=True),
    RunKind("series", "sync_series", (("title", "series"), ("season", "season"), ("include_results", "include_results"),
                                      ("refresh", "refresh"), ("source", "source"))),
    RunKind("calendar", "follow_calendar", (("source", "source"),), live=True),
    RunKind("results", "follow_results", (("source", "source"), ("season", "season"), ("round_key", "round"),
                                          ("correction", "correction")), live=True),
)}
_BY_TASK = {kind.task: kind for kind in KINDS.values()}


def of(name: str) -> RunKind:
    if name not in KINDS:
        raise BadArgument(f"unknown kind of run {name!r}; known: {', '.join(KINDS)}")
    return KINDS[name]


def of_task(task: str) -> RunKind:
    """The kind of run a dispatcher task starts."""
    if task not in _BY_TASK:
        raise BadArgument(f"{task!r} is not a dispatcher; known: {', '.join(_BY_TASK)}")
    return _BY_TASK[task]
