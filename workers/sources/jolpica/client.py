"""Jolpica's side of the HTTP client (docs/sources/jolpica.md): a 429 is JSON `{"detail":"Request was throttled."}`
without Retry-After (the fleet cools down), a query parameter whose name contains `cache` gets 403 (never sent), and a
usable answer is a complete JSON document with `MRData` (a cut body is retried)."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

from workers.errors import (BadArgument, IngestionError, PermanentError, RateLimited, UpstreamUnavailable,
                            classify_status)
from workers.http import Answer, SourceClient
from workers.ratelimit import FleetLimiter
from workers.sources.jolpica.settings import JolpicaSettings

FORBIDDEN_PARAMETER = "cache"  # Jolpica answers 403 to any query parameter whose name contains it


def classify(path: str, status: int, body: str, retry_after: float | None = None) -> IngestionError | None:
    """Jolpica's status (and body) → error class; None means the answer is a usable page."""
    if status == 429:
        return RateLimited(f"Jolpica rate limit exceeded (HTTP 429, {_detail(body)}): the limit is 4 requests per "
                           "second and 500 per hour per IP (JOLPICA_RATE_LIMIT)", retry_after)
    if status == 403:
        return PermanentError(f"Jolpica {path} forbade the request (HTTP 403, {_detail(body)}): Jolpica refuses any "
                              f"query parameter whose name contains {FORBIDDEN_PARAMETER!r}, and clients it blocked")
    if 200 <= status < 300:
        return _not_a_page(path, body)
    return classify_status(f"Jolpica {path}", status, body, retry_after)


def forbidden_parameters(target: str) -> list[str]:
    """The query parameters of `path?query` that Jolpica would answer with 403."""
    names = [name for name, _ in parse_qsl(urlsplit(target).query, keep_blank_values=True)]
    return [name for name in names if FORBIDDEN_PARAMETER in name.lower()]


class JolpicaClient(SourceClient):
    label = "Jolpica"

    def __init__(self, settings: JolpicaSettings, limiter: FleetLimiter | None = None) -> None:
        super().__init__(settings, limiter)

    def fetch(self, target: str) -> Answer:
        forbidden = forbidden_parameters(target)
        if forbidden:
            raise BadArgument(f"Jolpica answers 403 to the query parameter(s) {', '.join(forbidden)} (a name "
                              f"containing {FORBIDDEN_PARAMETER!r}): not sent")
        return super().fetch(target)

    def check(self, path: str, status: int, body: str, retry_after: float | None) -> IngestionError | None:
        return classify(path, status, body, retry_after)


def _not_a_page(path: str, body: str) -> IngestionError | None:
    """A 2xx body that is not complete JSON (a cut answer, a proxy's page) is retried; a document without
    `MRData` is refused."""
    try:
        data = json.loads(body)
    except ValueError:
        return UpstreamUnavailable(f"Jolpica {path} answered with a body that is not complete JSON")
    if isinstance(data, dict) and isinstance(data.get("MRData"), dict):
        return None
    return PermanentError(f"Jolpica {path} answered a document without MRData: {body[:120]!r}")


def _detail(body: str) -> str:
    """The `detail` of a JSON error body, else the start of the body."""
    try:
        data = json.loads(body)
    except ValueError:
        return repr(body[:80])
    return repr(data.get("detail")) if isinstance(data, dict) and "detail" in data else repr(body[:80])
