"""Jolpica-F1 (https://api.jolpi.ca/ergast/f1), the Ergast API's successor: Formula 1 history (SPEC §5):
settings.py, client.py, endpoints.py, models.py, mapping.py, results.py and source.py (the season plan and the
mapping of landed pages).

Importing the package loads only its settings class; `SOURCE` and the rest of source.py load on first use."""

from workers.sources.jolpica.settings import JolpicaSettings as Settings


LAZY = ('SOURCE', 'Jolpica', 'parse_round_key')


def __getattr__(name: str):
    if name in LAZY:
        from workers.sources.jolpica import source

        return getattr(source, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Settings", *LAZY]
