"""What a source declares for `db audit`: the rules the generic engine (workers/db/audit.py) runs on its rows.

The engine holds the checks every source shares (duplicates, empty parents, completeness) and knows no source;
each source hands it the facts that decide how its rows are judged: the natural-key columns it fills, how its
results find their entrants, which of its sessions it classifies, the weekend its championship's rounds should
have, how it keeps namesakes apart, and how its names differ from other sources' (team-name fillers, country
spellings). Pure data, no I/O: a source's package declares them (`Source.audit_rules()`), the reason for each
declaration beside it, and the registry hands them all to the engine (`workers.sources.audit_rules()`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from workers.rows import NaturalKeys


@dataclass(frozen=True)
class WeekendShapes:
    """The sessions a championship round of the source should have. `shape(year, types)` names the weekend a round
    of that year with these session types is (e.g. "conventional", "sprint") and the types such a weekend has; a
    round whose types differ is a notice. Checked from `listed_from` on (the first season the source lists a
    round's every session), or for every season (None)."""

    shape: Callable[[int, frozenset[int]], tuple[str, frozenset[int]]]
    listed_from: int | None = None


@dataclass(frozen=True)
class AuditRules:
    """One source's rules. Every field has a default that asks nothing of the source's rows beyond the checks all
    sources share."""

    source: str  # the source's name, as its identities ("SourceIdentities"."Source") carry it
    keys: NaturalKeys = NaturalKeys()  # its natural-key columns: duplicates of a round key are a defect; findings
    #                                    name its sessions by theirs
    # Its results find their entrants by car number within a round: two entrants of one round sharing a number, or
    # one without a number, are defects (results would go astray); a round with fewer entrants than two per team
    # of its season is a notice.
    by_car_number: bool = False
    # Its results find their entrants by the source's driver and team keys, yet its entrants carry numbers: one
    # without a number is a notice, the rounds named so in the finding (e.g. "history").
    numbered: str | None = None
    # The session types it publishes results for (None: every type): a completed one without results, in a round
    # last synced with results, is a notice.
    classified: frozenset[int] | None = None
    weekend: WeekendShapes | None = None
    # The finding's label for rows of one name that this source alone holds, each under a key of its own: namesakes
    # it keeps apart, a notice instead of the defect of one name written twice (None: it keeps none apart).
    namesakes: str | None = None
    # Words by which the source's team names differ from another source's for one team ("Red Bull Racing" and
    # "Red Bull"), left out when names are compared across sources, in the order a finding lists them.
    team_name_fillers: tuple[str, ...] = ()
    # (spelling, as the others spell it) of countries, as slugs ("usa", "united-states"): circuits at one place
    # compare their countries so.
    country_aliases: tuple[tuple[str, str], ...] = ()
