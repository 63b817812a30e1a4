"""OpenF1 (https://api.openf1.org/v1), Formula 1 from 2023 on (SPEC §2): settings.py, client.py, endpoints.py,
models.py, mapping.py and source.py (the season plan and the mapping of landed answers).

Importing the package loads only its settings class (the command line checks a year with it); `SOURCE` and
the rest of source.py load on first use."""

from workers.sources import lazy_attributes
from workers.sources.openf1.settings import OpenF1Settings as Settings

LAZY = ('SOURCE', 'OpenF1', 'meeting_end')
__getattr__ = lazy_attributes(__name__, LAZY)
__all__ = ["Settings", *LAZY]
