"""The one HTTP client of every source: it only fetches. Every request takes a slot of the source's fleet
limit first; timeouts, short in-process retries with backoff and jitter, Retry-After honoured; any longer wait
leaves as a RetryableError (Throttled, RateLimited, …) for the task to re-schedule instead of sleeping.

A source adapts it by subclassing: `headers()` (authentication) and `check()` (its own answers that are not
errors, or errors that are not what their status says)."""

from __future__ import annotations

import logging
import random
import time
import uuid
from dataclasses import dataclass

import requests

from workers.errors import IngestionError, RateLimited, RetryableError, UpstreamUnavailable, classify_status
from workers.ratelimit import FleetLimiter, current_owner
from workers.settings import SourceSettings

log = logging.getLogger(__name__)

# Waits longer than this are not slept through in a worker: the task retries with a countdown instead.
MAX_INLINE_WAIT = 2.0
USER_AGENT = "ParcFerme-ingestion/1.0 (https://github.com/TheAnarchoX/ParcFerme)"


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # HTTP-date form: ignored, the backoff applies


@dataclass(frozen=True)
class Answer:
    """One answer as received: status and body text (what the landing keeps)."""

    status: int
    body: str


class SourceClient:
    label = "source"  # how messages name the source ("OpenF1")

    def __init__(self, settings: SourceSettings, limiter: FleetLimiter | None = None) -> None:
        self.base_url = settings.BASE_URL
        self.connect_timeout, self.read_timeout = settings.CONNECT_TIMEOUT, settings.READ_TIMEOUT
        self.max_attempts = settings.MAX_ATTEMPTS
        self.backoff, self.backoff_max = settings.BACKOFF_SECONDS, settings.BACKOFF_MAX_SECONDS
        self.limiter = limiter
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.requests_made = 0
        self._prepaid = 0
        self.first_slot_at: float | None = None  # time.monotonic() of the task execution's first slot asked

    @property
    def timeouts(self) -> tuple[float, float]:
        return (self.connect_timeout, self.read_timeout)

    # -- slots of the fleet limit ------------------------------------------------------------------------------

    def begin(self) -> None:
        """Start of a task execution: nothing prepaid, no slot asked yet."""
        self._prepaid = 0
        self.first_slot_at = None

    def reserve(self, n: int) -> None:
        """Take the slots of the next n requests at once (they then go back to back)."""
        if self.limiter is not None and n > 1:
            self.limiter.acquire(self._owner(), n)
            self._prepaid = n

    def take_slot(self, owner: str | None = None) -> None:
        if self.first_slot_at is None:
            self.first_slot_at = time.monotonic()
        if self._prepaid > 0:
            self._prepaid -= 1
        elif self.limiter is not None:
            self.limiter.acquire(owner or self._owner())

    def _owner(self) -> str:
        """The reservation's name: the running task's id (outside a task, a name of its own). A task holds at most
        one reservation at a time, the slot of the request it was throttled on (a slot used is given back at once),
        and, re-scheduled, sends whatever request comes first on that slot: a dispatcher that landed a page since
        may first ask for another (its next page, learnt from the one it landed), and a reservation named by its
        request would be left unused, a hole in the source's limit that nobody fills."""
        return current_owner.get() or uuid.uuid4().hex

    # -- requests --------------------------------------------------------------------------------------------

    def fetch(self, target: str) -> Answer:
        """`GET {base}/{target}` (path and query), retried in-process while the waits are short."""
        owner = self._owner()
        for attempt in range(1, self.max_attempts + 1):
            self.take_slot(owner)
            try:
                return self._fetch_once(target)
            except RetryableError as exc:
                wait = self._wait_before_retry(exc, attempt)
                if wait is None:
                    raise
                log.info("%s %s retry %d/%d in %.2fs: %s", self.label, target.partition("?")[0], attempt,
                         self.max_attempts - 1, wait, exc)
                time.sleep(wait)
        raise AssertionError("unreachable")

    def _wait_before_retry(self, exc: RetryableError, attempt: int) -> float | None:
        """Seconds to wait before the next in-process attempt, or None to hand the retry to the task."""
        if isinstance(exc, RateLimited) and self.limiter is not None:
            self.limiter.cool_down(exc.retry_after)  # every worker waits; the next slot carries the wait
            return 0.0 if attempt < self.max_attempts else None
        if attempt >= self.max_attempts:
            return None
        backoff = min(self.backoff_max, self.backoff * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)
        wait = exc.retry_after if exc.retry_after is not None else backoff
        return wait if wait <= MAX_INLINE_WAIT else None

    def _fetch_once(self, target: str) -> Answer:
        url = f"{self.base_url}/{target}"
        path = target.partition("?")[0]
        self.requests_made += 1
        try:
            response = self.session.get(url, headers=self.headers(), timeout=self.timeouts)
            body = response.text
        except requests.RequestException as exc:
            raise UpstreamUnavailable(f"{self.label} {path} unreachable ({type(exc).__name__})") from None
        error = self.check(path, response.status_code, body, parse_retry_after(response.headers.get("Retry-After")))
        if error is not None:
            raise error
        return Answer(response.status_code, body)

    def headers(self) -> dict[str, str]:
        return {}

    def check(self, path: str, status: int, body: str, retry_after: float | None) -> IngestionError | None:
        """The error an answer means, or None when it is usable."""
        return classify_status(f"{self.label} {path}", status, body, retry_after)
