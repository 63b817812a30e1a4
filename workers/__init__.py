"""Everything a Parc Fermé ingestion worker runs: settings, the OpenF1 client, payload models,
pure mapping, the database layer. `tasks` imports this package, never the reverse."""
