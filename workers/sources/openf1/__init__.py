"""OpenF1 (https://api.openf1.org/v1), Formula 1 from 2023 on (SPEC §2): settings.py, client.py, endpoints.py,
models.py, mapping.py and source.py (the season plan and the mapping of landed answers).

Importing the package loads only its settings class (the command line checks a year with it); `SOURCE` and
the rest of source.py load on first use."""

from workers.sources.openf1.settings import OpenF1Settings as Settings



LAZY = ('SOURCE', 'OpenF1', 'meeting_end')


def __getattr__(name: str):
    if name in LAZY:
        from workers.sources.openf1 import source

        return getattr(source, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Settings", *LAZY]
