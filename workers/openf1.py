"""The OpenF1 HTTP client: it only fetches. Timeouts, short in-process retries with backoff and jitter,
Retry-After honoured; anything longer leaves as a RetryableError for the task to re-schedule."""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass, field
from typing import Any

import requests

from workers.errors import PermanentError, RetryableError, UpstreamUnavailable, classify_http
from workers.settings import Settings

log = logging.getLogger(__name__)

# Waits longer than this are not slept through in a worker: the task retries with a countdown instead.
MAX_INLINE_WAIT = 2.0


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # HTTP-date form: ignored, the backoff applies


@dataclass
class OpenF1Client:
    base_url: str
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_attempts: int = 4
    backoff: float = 0.5
    backoff_max: float = 8.0
    session: requests.Session = field(default_factory=requests.Session)
    requests_made: int = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> "OpenF1Client":
        return cls(settings.OPENF1_BASE_URL, settings.OPENF1_CONNECT_TIMEOUT, settings.OPENF1_READ_TIMEOUT,
                   settings.OPENF1_MAX_ATTEMPTS, settings.OPENF1_BACKOFF_SECONDS, settings.OPENF1_BACKOFF_MAX_SECONDS)

    def get(self, path: str, **params: Any) -> list[Any]:
        """Records of `GET {base}/{path}?params`; the 404 'No results found.' (and 200 []) mean no rows."""
        for attempt in range(1, self.max_attempts + 1):
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
        if attempt >= self.max_attempts:
            return None
        backoff = min(self.backoff_max, self.backoff * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)
        wait = exc.retry_after if exc.retry_after is not None else backoff
        return wait if wait <= MAX_INLINE_WAIT else None

    def _get_once(self, path: str, params: dict[str, Any]) -> list[Any]:
        url = f"{self.base_url}/{path}"
        self.requests_made += 1
        try:
            response = self.session.get(url, params=params, timeout=(self.connect_timeout, self.read_timeout))
            body = response.text
        except requests.RequestException as exc:
            raise UpstreamUnavailable(f"OpenF1 {path} unreachable ({type(exc).__name__})") from None
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
