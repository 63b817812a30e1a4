"""The command line Parc Fermé's team types: `python -m ingestion …`."""
