"""Jolpica's health check: the first page of its first season's schedule (`/{FIRST_YEAR}.json`), a single attempt,
through the fleet's limit (one request of the 500 an hour). A 429 is an answer: Jolpica is reachable."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workers.ratelimit import FleetLimiter
from workers.sources.base import Health
from workers.sources.jolpica import endpoints as ep
from workers.sources.probe import one_request

if TYPE_CHECKING:
    from workers.sources.jolpica.source import Jolpica


def health(source: "Jolpica", limiter: FleetLimiter | None, timeout: float) -> Health:
    request = ep.page_request(ep.SCHEDULE, source.first_year(), 0)

    def ask(client) -> str:
        page = ep.decode_page(request.endpoint, client.fetch(request.key))
        return f"/{request.key} with {len(page.races)} races"
    return one_request(source, limiter, timeout, ask)
