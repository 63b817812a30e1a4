"""In-process replay of The Third Turn's wiki: recorded pages served like https://www.thethirdturn.com/wiki/.

    with ThirdTurnReplayServer(rate_limit="1/5second", time_scale=50) as wiki:
        requests.get(f"{wiki.base_url}/wiki/NASCAR_Cup_Series_Central", headers={"User-Agent": "..."})

The wiki documents no limit, so the replay models a polite crawler's: ``1/5second`` unless told otherwise, in
fixed windows counting every request (robots.txt and 404s too); over it 429 with Retry-After. ``time_scale`` S
divides every period and the page latency (S=50 makes the 5 s window 0.1 s). Controls: ``GET /__replay/stats``,
``GET /__replay/health``, ``POST /__replay/reset``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Mapping

from replay_kit.faults import FaultPlan
from replay_kit.ratelimit import RateLimitSpec, describe_rules, parse_rate_limit, scaled
from replay_kit.server import DEFAULT_HOST, CheckedLatency, ReplayBase

from .handler import WikiRequestHandler
from .pages import Page, TitleRules, default_data_dir, load_pages, title_path
from .robots import RobotsPolicy
from .state import WikiState

POLITE_RATE_LIMIT = "1/5second"
REDIRECT_STATUSES = (301, 200)


class ThirdTurnReplayServer(CheckedLatency, ReplayBase):
    """The recorded wiki pages served over HTTP from a background daemon thread."""

    handler_class = WikiRequestHandler
    thread_name = "thirdturn-replay"

    def __init__(
        self,
        data_dir: str | Path | None = None,
        host: str = DEFAULT_HOST,
        port: int = 0,
        rate_limit: RateLimitSpec = POLITE_RATE_LIMIT,
        time_scale: float = 1.0,
        latency: float = 0.0,
        *,
        pages: Mapping[str, Page] | None = None,
        faults: FaultPlan | None = None,
        redirects: Mapping[str, str] | None = None,
        redirect_status: int = 301,
        robots: str | None = None,
        verbose: bool = False,
    ) -> None:
        """Index the pages now (``pages``, already loaded by ``load_pages``, replaces ``data_dir``).

        ``redirects`` {old title: new title} are the wiki's redirect pages: ``redirect_status`` 301 answers
        /wiki/OLD with a 301 to /wiki/NEW; 200 serves NEW's recorded page at /wiki/OLD, as MediaWiki does
        (without the "(Redirected from OLD)" line, which no recording shows). ``robots`` replaces the
        robots.txt text. ``latency`` (seconds, divided by the time scale) delays every recorded page."""
        self.data_dir = None if pages is not None else Path(data_dir or default_data_dir()).expanduser().resolve()
        self.pages = dict(pages) if pages is not None else load_pages(self.data_dir)
        self.titles = TitleRules(tuple({page.namespace for page in self.pages.values()}))
        if time_scale <= 0:
            raise ValueError(f"time scale must be > 0, got {time_scale}")
        if redirect_status not in REDIRECT_STATUSES:
            raise ValueError(f"redirect_status must be one of {REDIRECT_STATUSES}, got {redirect_status}")
        self.time_scale = float(time_scale)
        self.redirect_status = redirect_status
        self.redirects: dict[str, str] = {}
        for old, new in (redirects or {}).items():
            self.add_redirect(old, new)
        self.robots = RobotsPolicy(robots, self.time_scale)
        self._set_up(host, port, latency, faults, verbose)
        self.state = WikiState(scaled(parse_rate_limit(rate_limit), self.time_scale))

    @property
    def base_url(self) -> str:
        """The wiki's root: pages at ``{base_url}/wiki/{title}``, robots.txt at ``{base_url}/robots.txt``."""
        return self.root_url

    def page_url(self, title: str) -> str:
        """The URL of a page as the wiki's links write it (``.../wiki/Jack_O%27Brien``)."""
        return f"{self.base_url}{title_path(title)}"

    @property
    def titles_recorded(self) -> list[str]:
        return sorted(self.pages)

    @property
    def page_latency(self) -> float:
        """The delay before each recorded page, in real seconds (latency / time scale)."""
        return self._latency / self.time_scale

    def set_rate_limit(self, spec: RateLimitSpec, time_scale: float | None = None) -> None:
        """New rules (None disables), scaled by ``time_scale`` (default: the server's); the windows start again."""
        if time_scale is not None:
            self.time_scale = float(time_scale)
        self.state.set_rules(scaled(parse_rate_limit(spec), self.time_scale))

    def describe_limit(self) -> str:
        return " and ".join(f"{rule.limit} request(s) per {rule.period:g} s" for rule in self.rate_limit) or "any rate"

    def format_retry_after(self, seconds: float) -> str:
        """Retry-After in whole seconds (rounded up, at least 1) at time scale 1; a scaled run's waits are
        fractions of a second, so there it is a decimal (``0.093``), which the project's client reads."""
        if self.time_scale == 1:
            return str(max(1, math.ceil(seconds)))
        return f"{max(seconds, 0.001):.3f}"

    def add_redirect(self, old: str, new: str) -> None:
        """Make OLD a redirect page to NEW (both titles in any form MediaWiki accepts)."""
        source, target = self.titles.canonical(old), self.titles.canonical(new)
        if source is None or target is None or source == target:
            raise ValueError(f"invalid redirect {old!r} -> {new!r}")
        self.redirects[source] = target

    def set_robots(self, text: str | None) -> None:
        """Replace robots.txt (None: the default)."""
        self.robots = RobotsPolicy(text, self.time_scale)

    def stats(self) -> dict:
        """Same dict as ``GET /__replay/stats`` (see ``WikiState.snapshot``), plus the faults injected."""
        return {**super().stats(), "faults": dict(self.faults.injected)}

    def reset(self) -> None:
        """Clear stats, the limit's windows and a 429 storm."""
        self.state.reset()
        self.storm_until = 0.0
        self.faults.injected.clear()

    def __repr__(self) -> str:
        state = self.base_url if self.running else "stopped"
        return (f"<ThirdTurnReplayServer {self.data_dir or '<pages>'} {len(self.pages)} pages "
                f"[{describe_rules(self.rate_limit)}] {state}>")
