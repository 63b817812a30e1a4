"""The OpenF1 HTTP client: it only fetches. Every request takes a slot of the fleet's shared limit first;
timeouts, short in-process retries with backoff and jitter, Retry-After honoured; any longer wait leaves as
a RetryableError (Throttled, RateLimited, …) for the task to re-schedule instead of sleeping."""

from __future__ import annotations

import logging
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import requests

from workers.errors import (PermanentError, RateLimited, RetryableError, SessionInProgress, UpstreamUnavailable,
                            classify_http)
from workers.ratelimit import FleetLimiter, current_owner
from workers.settings import Settings

log = logging.getLogger(__name__)

# Waits longer than this are not slept through in a worker: the task retries with a countdown instead.
MAX_INLINE_WAIT = 2.0
TOKEN_RENEW_MARGIN = 0.1  # renew a bearer token when less than this share of its life is left


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # HTTP-date form: ignored, the backoff applies


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
            error = classify_http(response.status_code, response.text)
            raise error if isinstance(error, RetryableError) else PermanentError(
                f"OpenF1 refused the sponsor login (HTTP {response.status_code}): check OPENF1_USERNAME/OPENF1_PASSWORD")
        body = response.json()
        lifetime = float(body.get("expires_in") or 3600)
        self.value = body["access_token"]
        self.renew_at = time.monotonic() + lifetime * (1 - TOKEN_RENEW_MARGIN)


@dataclass
class OpenF1Client:
    base_url: str
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_attempts: int = 4
    backoff: float = 0.5
    backoff_max: float = 8.0
    limiter: FleetLimiter | None = None
    token: BearerToken | None = None
    session: requests.Session = field(default_factory=requests.Session)
    requests_made: int = 0
    _prepaid: int = 0
    _slots_taken: int = 0

    @classmethod
    def from_settings(cls, settings: Settings, limiter: FleetLimiter | None = None) -> "OpenF1Client":
        token = None
        if settings.OPENF1_USERNAME and settings.OPENF1_PASSWORD:
            token = BearerToken(settings.OPENF1_USERNAME.get_secret_value(),
                                settings.OPENF1_PASSWORD.get_secret_value())
        return cls(settings.OPENF1_BASE_URL, settings.OPENF1_CONNECT_TIMEOUT, settings.OPENF1_READ_TIMEOUT,
                   settings.OPENF1_MAX_ATTEMPTS, settings.OPENF1_BACKOFF_SECONDS, settings.OPENF1_BACKOFF_MAX_SECONDS,
                   limiter=limiter, token=token)

    @property
    def timeouts(self) -> tuple[float, float]:
        return (self.connect_timeout, self.read_timeout)

    def begin(self) -> None:
        """Start of a task execution: slot numbering restarts so a re-scheduled task finds its reservation."""
        self._prepaid = 0
        self._slots_taken = 0

    def reserve(self, n: int) -> None:
        """Take the slots of the next n requests at once (they then go back to back)."""
        if self.limiter is not None and n > 1:
            self.limiter.acquire(self._owner(), n)
            self._prepaid = n

    def take_slot(self, owner: str | None = None) -> None:
        if self._prepaid > 0:
            self._prepaid -= 1
        elif self.limiter is not None:
            self.limiter.acquire(owner or self._owner())

    def _owner(self) -> str:
        """The reservation name of the task's next logical request: the same on every run of the task."""
        self._slots_taken += 1
        return f"{current_owner.get() or uuid.uuid4().hex}#{self._slots_taken}"

    def get(self, path: str, **params: Any) -> list[Any]:
        """Records of `GET {base}/{path}?params`; the 404 'No results found.' (and 200 []) mean no rows."""
        owner = self._owner()
        for attempt in range(1, self.max_attempts + 1):
            self.take_slot(owner)
            try:
                return self._get_once(path, params)
            except RetryableError as exc:
                wait = self._wait_before_retry(exc, attempt)
                if wait is None:
                    raise
                log.info("openf1 %s retry %d/%d in %.2fs: %s", path, attempt, self.max_attempts - 1, wait, exc)
                time.sleep(wait)
        raise AssertionError("unreachable")

    def _wait_before_retry(self, exc: RetryableError, attempt: int) -> float | None:
        """Seconds to wait before the next in-process attempt, or None to hand the retry to the task."""
        if isinstance(exc, RateLimited) and self.limiter is not None:
            self.limiter.cool_down(exc.retry_after)  # every worker waits; the next slot carries the wait
            return 0.0 if attempt < self.max_attempts else None
        if attempt >= self.max_attempts or isinstance(exc, SessionInProgress):
            return None  # a live-session lock-out lasts an hour or more: the task comes back later
        backoff = min(self.backoff_max, self.backoff * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)
        wait = exc.retry_after if exc.retry_after is not None else backoff
        return wait if wait <= MAX_INLINE_WAIT else None

    def _get_once(self, path: str, params: dict[str, Any]) -> list[Any]:
        url = f"{self.base_url}/{path}"
        headers = self.token.header(self) if self.token else {}
        self.requests_made += 1
        try:
            response = self.session.get(url, params=params, headers=headers, timeout=self.timeouts)
            body = response.text
        except requests.RequestException as exc:
            raise UpstreamUnavailable(f"OpenF1 {path} unreachable ({type(exc).__name__})") from None
        if response.status_code == 401 and self.token and "session in progress" not in body.lower():
            self.token.value = None  # expired or revoked: log in again on the next attempt
            raise UpstreamUnavailable(f"OpenF1 {path} refused the bearer token (HTTP 401)")
        error = classify_http(response.status_code, body, parse_retry_after(response.headers.get("Retry-After")))
        if error is not None:
            raise error
        if response.status_code == 404:
            return []
        return _records(path, response)


def _records(path: str, response: requests.Response) -> list[Any]:
    try:
        data = response.json()
    except ValueError:
        raise UpstreamUnavailable(f"OpenF1 {path} answered with a body that is not complete JSON") from None
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and "detail" not in data:
        return [data]
    raise PermanentError(f"OpenF1 {path} answered an unexpected document: {str(data)[:120]!r}")
