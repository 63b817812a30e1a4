"""Fetch and land: each answer kept as received ("LandedAnswers"), and read back by the steps. A request is
fetched again only when the landing does not hold it yet for this run (a re-scheduled dispatcher repeats no
request) and its answer is older than the source's REFRESH_AFTER."""

from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta
from typing import Any

import psycopg

from workers.db import connection, runs
from workers.db import landing as landing_db
from workers.http import Answer
from workers.pipeline.resources import client
from workers.sources.base import Request, Source

log = logging.getLogger("parcferme.landing")


class LandedReader:
    """The landed answers of one source and season, decoded by the source (sources.Landed)."""

    def __init__(self, conn: psycopg.Connection, source: Source, season: int | None) -> None:
        self.conn, self.source, self.season = conn, source, season
        self._decoded: dict[tuple[str, str | None], list[Any]] = {}
        self._every: dict[tuple[str, str | None], list[Any]] = {}
        self._requests: dict[str, list[Any]] = {}

    def records(self, endpoint: str, round_key: str | None = None) -> list[Any]:
        """The records of the newest answer of the endpoint covering the round (no answer: no records)."""
        key = (endpoint, round_key)
        if key not in self._decoded:
            found = landing_db.newest_covering(self.conn, self.source.name, endpoint, self.season, round_key)
            self._decoded[key] = [] if found is None else self.source.decode(endpoint, Answer(*found))
        return self._decoded[key]

    def request(self, key: str) -> list[Any]:
        """The records of the landed answer of exactly this request (no answer: no records), whatever its season."""
        if key not in self._requests:
            found = landing_db.answer_of(self.conn, self.source.name, key)
            self._requests[key] = [] if found is None else self.source.decode(key, Answer(*found))
        return self._requests[key]

    def all_records(self, endpoint: str, round_key: str | None = None) -> list[Any]:
        """The records of every answer of the endpoint covering the round (all its pages), in request order."""
        key = (endpoint, round_key)
        if key not in self._every:
            found = landing_db.every_covering(self.conn, self.source.name, endpoint, self.season, round_key)
            self._every[key] = [r for answer in found for r in self.source.decode(endpoint, Answer(*answer))]
        return self._every[key]


def to_fetch(source: Source, requests: list[Request], run_started: datetime, refresh: bool = False) -> list[Request]:
    """The requests to fetch, each once: not landed, or landed before this run and older than the request's own
    age limit, else the source's REFRESH_AFTER (or asked to refresh). One query for them all: a crawl
    re-scheduled for its next slot checks its hundreds of landed pages at once."""
    unique = list({r.key: r for r in requests}.values())
    if not unique:
        return []
    with connection() as conn:
        fetched = landing_db.fetched_at_many(conn, source.name, [r.key for r in unique])
    return [r for r in unique if _stale(source, r, fetched.get(r.key), run_started, refresh)]


def _stale(source: Source, request: Request, fetched: datetime | None, run_started: datetime, refresh: bool) -> bool:
    if fetched is None:
        return True
    if fetched >= run_started:
        return False  # this run landed it already (a re-scheduled dispatcher)
    max_age = source.settings.REFRESH_AFTER if request.max_age is None else request.max_age
    if refresh:
        return True
    return math.isfinite(max_age) and fetched < run_started - timedelta(seconds=max_age)


def fetch_and_land(source: Source, request: Request, run_id: str) -> int:
    """One request through the source's client and fleet limit, landed; returns the requests it took."""
    http = client(source)
    before = http.requests_made
    try:
        answer = http.fetch(request.key)
    finally:
        made = http.requests_made - before
        if made:
            with connection() as conn:
                runs.add_run_requests(conn, run_id, made)
    with connection() as conn:
        changed = landing_db.land(conn, source.name, request, answer.status, answer.body, run_id,
                                  source.revision(answer))
    log.info("%s %s landed (%s)", source.name, request.key, "changed" if changed else "unchanged")
    return made
