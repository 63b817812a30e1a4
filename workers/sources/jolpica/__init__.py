"""Jolpica-F1 (https://api.jolpi.ca/ergast/f1), the Ergast API's successor: Formula 1 history (SPEC §5):
settings.py, client.py, endpoints.py, models.py, mapping.py, results.py and source.py (the season plan and the
mapping of landed pages).

Importing the package loads only its settings class; `SOURCE` and the rest of source.py load on first use."""

from workers.sources import lazy_attributes
from workers.sources.jolpica.settings import JolpicaSettings as Settings

LAZY = ('SOURCE', 'Jolpica', 'parse_round_key')
__getattr__ = lazy_attributes(__name__, LAZY)
__all__ = ["Settings", *LAZY]
