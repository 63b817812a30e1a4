"""OpenF1's side of the HTTP client: its answers (404 'No results found.' is no rows, 429 may be plain
text, 401 'Session in progress' is a live-session lock-out) and the sponsors' bearer token."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import requests

from workers.errors import (IngestionError, LockedOut, PermanentError, RateLimited, RetryableError,
                            UpstreamUnavailable, classify_status, is_json)
from workers.http import Answer, SourceClient
from workers.ratelimit import FleetLimiter
from workers.sources.openf1.settings import OpenF1Settings

TOKEN_RENEW_MARGIN = 0.1  # renew a bearer token when less than this share of its life is left
NO_RESULTS = "no results found"


class SessionInProgress(LockedOut):
    """OpenF1 answered 401 `Session in progress`: data is locked during a live session."""


def classify(status: int, body: str, retry_after: float | None = None,
             live_retry: float | None = None) -> IngestionError | None:
    """OpenF1's status (and body) → error class; None means the answer is usable (2xx or the 404 'no rows')."""
    head = body[:300].strip().lower()
    if status == 429 or head.startswith("rate exceeded"):
        return RateLimited(f"OpenF1 rate limit exceeded (HTTP {status})", retry_after)
    if status == 401 and "session in progress" in head:
        return SessionInProgress("OpenF1 is locked during a live session (HTTP 401)",
                                 retry_after if retry_after is not None else live_retry)
    if status == 404 and NO_RESULTS in head:
        return None
    if status == 404 and not is_json(body):
        return UpstreamUnavailable("OpenF1 answered 404 with a body that is not OpenF1's (a proxy or a cut answer)")
    return classify_status("OpenF1", status, body, retry_after)


def records(answer: Answer) -> list[Any]:
    """The records of a usable answer: the 404 'No results found.' (and 200 []) mean no rows."""
    if answer.status == 404:
        return []
    data = json.loads(answer.body)
    return data if isinstance(data, list) else [data]


@dataclass
class BearerToken:
    """OpenF1's sponsor login (`POST /token`, form fields); never logged, never part of an error message."""

    username: str
    password: str = field(repr=False)
    value: str | None = field(default=None, repr=False)
    renew_at: float = 0.0

    def header(self, client: "OpenF1Client") -> dict[str, str]:
        if self.value is None or time.monotonic() >= self.renew_at:
            self.renew(client)
        return {"Authorization": f"Bearer {self.value}"}

    def renew(self, client: "OpenF1Client") -> None:
        client.take_slot()
        try:
            response = client.session.post(f"{client.base_url}/token", timeout=client.timeouts,
                                           data={"username": self.username, "password": self.password})
        except requests.RequestException as exc:
            raise UpstreamUnavailable(f"OpenF1 token request failed ({type(exc).__name__})") from None
        client.requests_made += 1
        if response.status_code != 200:
            error = classify(response.status_code, response.text)
            raise error if isinstance(error, RetryableError) else PermanentError(
                f"OpenF1 refused the sponsor login (HTTP {response.status_code}): "
                "check OPENF1_USERNAME/OPENF1_PASSWORD")
        body = response.json()
        lifetime = float(body.get("expires_in") or 3600)
        self.value = body["access_token"]
        self.renew_at = time.monotonic() + lifetime * (1 - TOKEN_RENEW_MARGIN)


class OpenF1Client(SourceClient):
    label = "OpenF1"

    def __init__(self, settings: OpenF1Settings, limiter: FleetLimiter | None = None) -> None:
        super().__init__(settings, limiter)
        self.live_retry = settings.LIVE_RETRY_SECONDS
        self.token = None
        if settings.USERNAME and settings.PASSWORD:
            self.token = BearerToken(settings.USERNAME.get_secret_value(), settings.PASSWORD.get_secret_value())

    def headers(self) -> dict[str, str]:
        return self.token.header(self) if self.token else {}

    def check(self, path: str, status: int, body: str, retry_after: float | None) -> IngestionError | None:
        if status == 401 and self.token and "session in progress" not in body.lower():
            self.token.value = None  # expired or revoked: log in again on the next attempt
            return UpstreamUnavailable(f"OpenF1 {path} refused the bearer token (HTTP 401)")
        error = classify(status, body, retry_after, self.live_retry)
        if error is None and status != 404:
            return _not_a_document(path, body)
        return error

    def _wait_before_retry(self, exc: RetryableError, attempt: int) -> float | None:
        if isinstance(exc, LockedOut):
            return None  # a live-session lock-out lasts an hour or more: the task comes back later
        return super()._wait_before_retry(exc, attempt)

    def get(self, path: str, **params: Any) -> list[Any]:
        """Records of `GET {base}/{path}?params` (commands outside a sync: verify, record, healthcheck)."""
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return records(self.fetch(f"{path}?{query}" if query else path))


def _not_a_document(path: str, body: str) -> IngestionError | None:
    """A 2xx body that is not complete JSON (a cut answer) is retried; a document that is no list of records
    (an error object sent with 200) is refused."""
    try:
        data = json.loads(body)
    except ValueError:
        return UpstreamUnavailable(f"OpenF1 {path} answered with a body that is not complete JSON")
    if isinstance(data, list) or (isinstance(data, dict) and "detail" not in data):
        return None
    return PermanentError(f"OpenF1 {path} answered an unexpected document: {str(data)[:120]!r}")
