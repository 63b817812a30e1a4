"""The Third Turn's side of the HTTP client (docs/sources/thethirdturn.md): a polite crawler of a wiki that has no API.

- A User-Agent naming the project and a contact (`THIRDTURN_CONTACT`, required before crawling the live wiki).
- robots.txt read before the first page and honoured: a disallowed page is never fetched; a `Crawl-delay` longer
  than `THIRDTURN_RATE_LIMIT`'s interval slows the whole fleet to it. The live wiki is never crawled with the
  limit off (`off` is for a replay on this machine). The fleet shares one copy (in the broker's
  Redis) for `THIRDTURN_ROBOTS_REFRESH_AFTER`, so a crawl asks for it once, not once per worker.
- Every request (robots.txt included) takes a slot of the fleet's limit, one page per 5 s by default.
- A page that does not exist (404) is an answer, landed as such (the round keeps no results); a cut page is
  retried."""

from __future__ import annotations

import logging
import time
from urllib.parse import quote
from urllib.robotparser import RobotFileParser

import requests

from workers.errors import (BadArgument, IngestionError, PermanentError, RateLimited, UpstreamUnavailable,
                            classify_status)
from workers.hosts import is_loopback_url
from workers.http import USER_AGENT, Answer, SourceClient
from workers.ratelimit import FleetLimiter, Rate
from workers.sources.thirdturn.settings import ThirdTurnSettings

log = logging.getLogger(__name__)

LABEL = "The Third Turn"
ROBOTS_PATH = "robots.txt"
PAGE_PREFIX = "wiki/"


def page_target(title: str) -> str:
    """The path of a page by its title (`Jack_O'Brien` → `wiki/Jack_O%27Brien`), as MediaWiki writes its links."""
    return PAGE_PREFIX + quote(title.replace(" ", "_"), safe="/:,()!*@$;~")


def title_of(target: str) -> str:
    from urllib.parse import unquote

    return unquote(target.removeprefix(PAGE_PREFIX))


def user_agent(contact: str) -> str:
    """`ParcFerme-ingestion/1.0 (https://github.com/…; contact)`: who crawls, and whom to tell."""
    project = USER_AGENT.split(" ", 1)[0]
    site = USER_AGENT[USER_AGENT.find("(") + 1:USER_AGENT.rfind(")")]
    return f"{project} (+{site}; {contact})" if contact else f"{project} (+{site})"



def classify(path: str, status: int, body: str, retry_after: float | None = None) -> IngestionError | None:
    """The wiki's status (and body) → error class; None means the answer is landed (a page, or no page: 404)."""
    if status == 404:
        return None
    if status == 429:
        return RateLimited(f"{LABEL} rate limit exceeded (HTTP 429): the fleet slows down (THIRDTURN_RATE_LIMIT)",
                           retry_after)
    if 200 <= status < 300 and not body.rstrip().endswith("</html>"):
        return UpstreamUnavailable(f"{LABEL} {path} answered a cut page (no closing </html>)")
    return classify_status(f"{LABEL} {path}", status, body, retry_after)


class ThirdTurnClient(SourceClient):
    label = LABEL

    def __init__(self, settings: ThirdTurnSettings, limiter: FleetLimiter | None = None) -> None:
        super().__init__(settings, limiter)
        self.contact = settings.CONTACT.strip()
        self.agent = user_agent(self.contact)
        self.session.headers["User-Agent"] = self.agent
        self.robots_refresh_after = settings.ROBOTS_REFRESH_AFTER
        self.interval = max((r.period / r.limit for r in limiter.rates), default=0.0) if limiter else 0.0
        self._robots: RobotFileParser | None = None
        self._robots_read_at = 0.0
        self._crawl_delay: FleetLimiter | None = None

    # -- politeness ------------------------------------------------------------------------------------------

    def require_manners(self) -> None:
        """The live wiki is crawled only with a contact in the User-Agent and under the fleet limit (a replay on
        this machine may go without either)."""
        if is_loopback_url(self.base_url):
            return
        if not self.contact:
            raise BadArgument("THIRDTURN_CONTACT is not set: the crawler names a contact (an e-mail address or URL) "
                              "in its User-Agent before it reads the live wiki")
        if self.limiter is None:
            raise BadArgument("THIRDTURN_RATE_LIMIT is off: the live wiki is crawled only under the fleet's limit "
                              "(default one page per 5 s)")

    def robots(self) -> RobotFileParser:
        """The wiki's robots.txt rules: this process's copy, else the fleet's, else fetched (one slot)."""
        if self._robots is not None and time.monotonic() - self._robots_read_at < self.robots_refresh_after:
            return self._robots
        text = self._shared_robots()
        if text is None:
            text = self._fetch_robots()
        parser = RobotFileParser()
        parser.parse(text.splitlines())
        self._robots, self._robots_read_at = parser, time.monotonic()
        self._follow_crawl_delay(parser)
        return parser

    def _shared_robots(self) -> str | None:
        if self.limiter is None:
            return None
        cached = self.limiter.redis.get(self._robots_key())
        return cached.decode() if cached is not None else None

    def _robots_key(self) -> str:
        return f"parcferme:thirdturn:robots:{self.base_url}"

    def _fetch_robots(self) -> str:
        """robots.txt through the fleet limit. None there (4xx): everything is allowed (RFC 9309); the server
        failing (5xx, no answer): nothing is, for now (retried later)."""
        self.take_slot(self._owner())
        self.requests_made += 1
        try:
            response = self.session.get(f"{self.base_url}/{ROBOTS_PATH}", timeout=self.timeouts)
        except requests.RequestException as exc:
            raise UpstreamUnavailable(f"{LABEL} robots.txt unreachable ({type(exc).__name__})") from None
        if response.status_code == 429:
            raise RateLimited(f"{LABEL} robots.txt: rate limit exceeded (HTTP 429)", None)
        if response.status_code >= 500:
            raise UpstreamUnavailable(f"{LABEL} robots.txt unavailable (HTTP {response.status_code}): nothing is "
                                      "crawled until it can be read")
        text = response.text if response.status_code < 400 else ""
        if self.limiter is not None:
            self.limiter.redis.set(self._robots_key(), text, ex=int(self.robots_refresh_after))
        log.info("%s robots.txt read (%d rules lines)", LABEL, len(text.splitlines()))
        return text

    def _follow_crawl_delay(self, parser: RobotFileParser) -> None:
        delay = parser.crawl_delay(self.agent)
        if self.limiter is None or delay is None or float(delay) <= self.interval:
            self._crawl_delay = None
            return
        self._crawl_delay = FleetLimiter(self.limiter.redis, [Rate(1, float(delay))],
                                         source=f"{self.limiter.source}:crawl-delay", grace=self.limiter.grace,
                                         max_sleep=self.limiter.max_sleep)

    def take_slot(self, owner: str | None = None) -> None:
        super().take_slot(owner)
        if self._crawl_delay is not None:
            self._crawl_delay.acquire(owner)

    # -- pages -----------------------------------------------------------------------------------------------

    def fetch(self, target: str) -> Answer:
        """`GET {base}/wiki/{title}`, once robots.txt allows it."""
        self.require_manners()
        if not self.robots().can_fetch(self.agent, f"{self.base_url}/{target}"):
            raise PermanentError(f"{LABEL} robots.txt disallows {target}: not fetched")
        return super().fetch(target)

    def check(self, path: str, status: int, body: str, retry_after: float | None) -> IngestionError | None:
        return classify(path, status, body, retry_after)
