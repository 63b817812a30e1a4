"""Replay of The Third Turn (https://www.thethirdturn.com/wiki/, MediaWiki): recorded pages served offline.

Each recorded ``*.html`` under the data directory is served byte for byte at ``/wiki/<its wgPageName>`` (and
``/w/index.php?title=``), with MediaWiki's title rules (301 to the canonical URL, 404 "There is currently no text
in this page"), a redirect table, a robots.txt, a polite-crawler limit (1 request per 5 s by default, 429 with
Retry-After), injected faults and the ``/__replay/*`` controls of ``replay_kit``, which the three replays stand on.
Content of the pages: The Third Turn (thethirdturn.com), CC BY-NC-SA 4.0.

    from thirdturn_replay import ThirdTurnReplayServer
    with ThirdTurnReplayServer(rate_limit=None) as wiki:
        requests.get(f"{wiki.base_url}/wiki/NASCAR_Cup_Series_Central")

Command line: ``python -m thirdturn_replay --help``.
"""

from .pages import DATA_DIR_ENV, Page, TitleRules, default_data_dir, load_pages, page_config, title_path
from .robots import DEFAULT_ROBOTS, RobotsPolicy, default_robots
from .server import POLITE_RATE_LIMIT, ThirdTurnReplayServer

__all__ = [
    "DATA_DIR_ENV",
    "DEFAULT_ROBOTS",
    "POLITE_RATE_LIMIT",
    "Page",
    "RobotsPolicy",
    "ThirdTurnReplayServer",
    "TitleRules",
    "default_data_dir",
    "default_robots",
    "load_pages",
    "page_config",
    "title_path",
]
