"""The Third Turn (https://www.thethirdturn.com/wiki/), a MediaWiki of the results of most racing series (SPEC §7),
read page by page: settings.py, client.py (robots.txt, User-Agent, the fleet limit), wiki.py (MediaWiki's HTML:
configuration, links, text), pages.py (hub, season and race pages parsed), mapping.py (pure: pages → rows),
titles.py (page titles as MediaWiki keys them) and source.py (the series plan).

Importing the package loads only its settings class; `SOURCE` and the rest of source.py load on first use."""

from workers.sources import lazy_attributes
from workers.sources.thirdturn.settings import ThirdTurnSettings as Settings

LAZY = ('SOURCE', 'ThirdTurn')
__getattr__ = lazy_attributes(__name__, LAZY)
__all__ = ["Settings", *LAZY]
