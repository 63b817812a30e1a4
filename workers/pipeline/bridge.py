"""The bridge (docs/identity.md): one driver, team and circuit whatever source wrote it.

A source that has one (history) names its target source (OpenF1) and the seasons both cover; its dispatcher lands
what those seasons need (schedules, and the race results when results are included), and `apply` then ties each
of its keys to the target's row: registered when this source has no row for it yet (its later writes go to the
target's row), merged when it has one (references and identities moved to the target's row, its own deleted,
the target's attributes kept: the newer source wins). So whichever source was synced first, the rows end the
same. `apply` runs after the dispatcher lands and whenever a run succeeds; it makes no request. A merge that
user data stands in the way of (a row users reference) is refused and left to `db audit` and an operator."""

from __future__ import annotations

import logging
from typing import Any

from workers import sources
from workers.db import connection, identities, racing
from workers.pipeline.landing import LandedReader

log = logging.getLogger("parcferme.bridge")


def apply() -> dict[str, int]:
    """Tie every bridged key to its target row; counts of keys registered, rows merged, merges refused."""
    counts = {"unchanged": 0, "registered": 0, "merged": 0, "refused": 0}
    for source in sources.all_sources():
        if source.bridge_target is None:
            continue
        with connection() as conn:
            identities.lock_bridge(conn)
            for season in source.bridge_seasons():
                targets = racing.bridge_targets(conn, source.bridge_target, [season])
                if targets:
                    for match in source.bridge(LandedReader(conn, source, season), season, targets):
                        counts[_tie(conn, source.name, match)] += 1
    if counts["merged"] or counts["refused"]:
        log.info("bridge: %s", counts)
    return counts


def _tie(conn: Any, source: str, match: Any) -> str:
    current = identities.row_of(conn, source, match.kind, match.key)
    if current == match.row_id:
        return "unchanged"
    if current is not None and not identities.merge(conn, match.kind, current, match.row_id):
        log.warning("bridge: %s %s %s is referenced by user data: not merged into the %s row", source, match.kind,
                    match.key, match.kind)
        return "refused"
    identities.register(conn, source, match.kind, {match.key: match.row_id})
    return "merged" if current is not None else "registered"
