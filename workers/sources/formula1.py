"""Facts of Formula 1 that both its sources share (OpenF1 from 2023, Jolpica's history before): the championship's
series row, the weekends its rounds have had, the words by which its sources name one team differently, and how
they spell countries. Imported by the two sources (and by their audit rules), never by generic code."""

from __future__ import annotations

from workers.audit_rules import AuditRules, WeekendShapes
from workers.rows import NaturalKeys, SessionType

FORMULA_1 = "formula-1"  # the championship's series slug: what both sources serve
SERIES = {"Name": "Formula 1", "Slug": FORMULA_1}

FP1, FP2, FP3 = SessionType.FP1, SessionType.FP2, SessionType.FP3
Q, SQ, SPRINT, RACE = SessionType.QUALIFYING, SessionType.SPRINT_QUALIFYING, SessionType.SPRINT, SessionType.RACE
# The usual weekend shapes of a championship round: 2021-2022's sprint weekends had FP2 after qualifying and no
# shootout; 2023's had the shootout instead of FP2, as 2024's do.
WEEKEND_SHAPES = {"conventional": frozenset({FP1, FP2, FP3, Q, RACE}), "sprint": frozenset({FP1, SQ, SPRINT, Q, RACE}),
                  "sprint (2021-2022)": frozenset({FP1, FP2, Q, SPRINT, RACE})}
SHOOTOUT_FROM = 2023
# Team names of one team differ by these words across sources (Jolpica "Red Bull", OpenF1 "Red Bull Racing").
TEAM_NAME_FILLERS = ("racing", "team", "f1")
# Ergast (Jolpica's data) abbreviates the country of some circuits that OpenF1 spells out (as slugs).
COUNTRY_ALIASES = (("usa", "united-states"), ("uk", "united-kingdom"), ("uae", "united-arab-emirates"))


def weekend_shape(year: int, types: frozenset[int]) -> tuple[str, frozenset[int]]:
    """The weekend a round of `year` with these session types is, and the sessions such a weekend has."""
    if not types & {SQ, SPRINT}:
        shape = "conventional"
    else:
        shape = "sprint" if year >= SHOOTOUT_FROM else "sprint (2021-2022)"
    return shape, WEEKEND_SHAPES[shape]


def audit_rules(source: str, keys: NaturalKeys = NaturalKeys(), *, by_car_number: bool = False,
                numbered: str | None = None, classified: frozenset[int] | None = None,
                listed_from: int | None = None) -> AuditRules:
    """A Formula 1 source's audit rules: what is its own (natural keys, how its results find their entrants, the
    sessions it classifies, the first season it lists every session of a round) and what the championship's are
    (its weekend shapes, team-name fillers and country spellings)."""
    return AuditRules(source, keys, by_car_number=by_car_number, numbered=numbered, classified=classified,
                      weekend=WeekendShapes(weekend_shape, listed_from), team_name_fillers=TEAM_NAME_FILLERS,
                      country_aliases=COUNTRY_ALIASES)
