"""OpenF1 (https://api.openf1.org/v1), Formula 1 from 2023 on (docs/sources/openf1.md): settings.py, client.py,
endpoints.py, models.py, mapping.py, source.py (the season plan and the mapping of landed answers) and health.py.

Importing the package loads only what the registry reads cheaply: its `ABOUT` and its settings class (the command
line checks a year with it); `SOURCE` and the rest of source.py load on first use."""

from workers.sources import lazy_attributes
from workers.sources.about import CC_BY_NC_SA_4, SEASONS, About, Attribution
from workers.sources.formula1 import FORMULA_1
from workers.sources.openf1.settings import OpenF1Settings as Settings

ABOUT = About(
    name="openf1", label="OpenF1", role=SEASONS, serves=FORMULA_1,
    # docs/sources/openf1.md: used under CC BY-NC-SA 4.0, as the data of the two other sources; OpenF1 states no
    # licence of its data apart, and is unofficial.
    attribution=Attribution("OpenF1", "https://openf1.org", CC_BY_NC_SA_4,
                            "Formula 1 data from 2023: OpenF1 (openf1.org), CC BY-NC-SA 4.0. OpenF1 is unofficial and "
                            "not associated with Formula 1."))

LAZY = ('SOURCE', 'OpenF1', 'meeting_end')
__getattr__ = lazy_attributes(__name__, LAZY)
__all__ = ["ABOUT", "Settings", *LAZY]
