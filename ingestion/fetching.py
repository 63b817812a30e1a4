"""A command's requests to a source (record, verify): one `GET` through the source's own client and the fleet's
shared limit, as a worker's, a wait for the fleet's next slot slept rather than given up (a command has no task
to re-schedule). The answer comes back as received: the source decodes it."""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Callable, TypeVar

if TYPE_CHECKING:
    from workers.http import Answer, SourceClient
    from workers.sources.base import Source

T = TypeVar("T")


def fetch_answer(source: "Source", target: str) -> "Answer":
    """One `GET target` (path and query) of any source, through its client and fleet limit."""
    return through_fleet_limit(source, lambda client: client.fetch(target))


def through_fleet_limit(source: "Source", call: Callable[["SourceClient"], T]) -> T:
    """`call(client)` with the source's client; a wait for the fleet's next slot is slept, not given up."""
    from workers.errors import Throttled
    from workers.pipeline.resources import client as source_client
    from workers.ratelimit import current_owner

    client = source_client(source)
    owner = current_owner.set(f"cli-{uuid.uuid4().hex}")  # asking again finds the slot already reserved
    try:
        while True:
            client.begin()
            try:
                return call(client)
            except Throttled as exc:
                time.sleep(exc.wait)
    finally:
        current_owner.reset(owner)
