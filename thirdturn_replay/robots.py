"""The wiki's robots.txt and the question "may this User-Agent fetch this path?".

The default is the usual MediaWiki robots.txt (as mediawiki.org's Manual:Robots.txt recommends for short URLs):
the script path ``/w/`` (index.php, api.php, edit and history views) and the special pages closed to every
crawler, articles under ``/wiki/`` open, and a Crawl-delay of 5 s that states the same polite pace as the
replay's default limit (1 request per 5 s). The real site's file was not recorded: this one is a model.
Crawl-delay is divided by the time scale like the limit; below a second (a scaled test run) it is left out, as
robots.txt parsers read whole seconds only.
"""

from __future__ import annotations

from urllib.robotparser import RobotFileParser

DEFAULT_ROBOTS = """\
# robots.txt of The Third Turn (replay: a usual MediaWiki robots.txt, not a recording)
User-agent: *
Disallow: /w/
Disallow: /index.php
Disallow: /wiki/Special:
Disallow: /wiki/Special%3A
Disallow: /wiki/special:
Disallow: /wiki/special%3A
"""
CRAWL_DELAY = 5.0


class RobotsPolicy:
    """One robots.txt text, parsed once by the standard library's parser (as a polite client would)."""

    def __init__(self, text: str | None = None, time_scale: float = 1.0) -> None:
        self.text = default_robots(time_scale) if text is None else text
        self._parser = RobotFileParser()
        self._parser.parse(self.text.splitlines())

    @property
    def body(self) -> bytes:
        return self.text.encode("utf-8")

    def allows(self, user_agent: str, target: str) -> bool:
        """Whether robots.txt lets ``user_agent`` fetch ``target`` (path and query, as requested)."""
        return self._parser.can_fetch(user_agent or "*", target)


def default_robots(time_scale: float = 1.0) -> str:
    delay = CRAWL_DELAY / time_scale
    return DEFAULT_ROBOTS + (f"Crawl-delay: {round(delay)}\n" if delay >= 1 else "")
