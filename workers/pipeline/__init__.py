"""The generic path every source takes, written once and naming none:

    dispatch   plan → fetch (through the source's fleet limit) → land, for a season or a selection of rounds
    steps      per round, from the landing only: sessions → entrants → [results] → finish; map → upsert
    ledger     the run table: rounds pending / done / failed, counts, retries, throttles, quarantine
    resume     the sweep that sends again what the broker lost
    schedule   beat's recent sync, never two at once

Every function takes keys and returns a small summary of counts (never a result value: no spoilers)."""
