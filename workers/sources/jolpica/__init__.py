"""Jolpica-F1 (https://api.jolpi.ca/ergast/f1), the Ergast API's successor: Formula 1 history (docs/sources/jolpica.md):
settings.py, client.py, endpoints.py, models.py, mapping.py, results.py, bridge.py, source.py (the season plan and
the mapping of landed pages) and health.py.

Importing the package loads only what the registry reads cheaply: its `ABOUT` and its settings class; `SOURCE` and
the rest of source.py load on first use."""

from workers.sources import lazy_attributes
from workers.sources.about import CC_BY_NC_SA_4, SEASONS, About, Attribution
from workers.sources.formula1 import FORMULA_1
from workers.sources.jolpica.settings import JolpicaSettings as Settings

ABOUT = About(
    name="jolpica", label="Jolpica", role=SEASONS, serves=FORMULA_1,
    # docs/sources/jolpica.md: Jolpica-F1's terms (TERMS.md, 27 August 2025) license its data under CC BY-NC-SA 4.0;
    # it carries on the Ergast API's data, so the credit names both.
    attribution=Attribution("Jolpica-F1", "https://api.jolpi.ca/ergast/f1", CC_BY_NC_SA_4,
                            "Formula 1 history (1950–2022): Jolpica-F1 (api.jolpi.ca), the successor of the Ergast "
                            "API, CC BY-NC-SA 4.0."))

LAZY = ('SOURCE', 'Jolpica', 'parse_round_key')
__getattr__ = lazy_attributes(__name__, LAZY)
__all__ = ["ABOUT", "Settings", *LAZY]
