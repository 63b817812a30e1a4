"""The audit's and verify's pure rules, without a database: weekend shapes by era, what history classifies, how
names and places are compared across sources, each source's declared rules as the generic engine runs them, and
the natural order of round keys."""

from __future__ import annotations

from ingestion.verify import in_order
from workers import sources
from workers.audit_rules import AuditRules
from workers.db import alike, audit
from workers.db.alike import HeldRow
from workers.rows import SessionType
from workers.sources import formula1
from workers.sources.formula1 import FP1, FP2, FP3, Q, RACE, SPRINT, SQ
from workers.sources.jolpica import mapping, results

OPENF1, JOLPICA, THIRDTURN = (sources.get(name).audit_rules() for name in ("openf1", "jolpica", "thirdturn"))


def team(name: str) -> HeldRow:
    return HeldRow(slug=name.lower(), name=name, location="", country="", sources=frozenset())


def test_history_declares_the_sessions_it_classifies_and_the_season_it_lists_practice_from():
    assert JOLPICA.weekend.listed_from == mapping.SCHEDULE_DATES_FROM == 2021
    assert JOLPICA.classified == {kind for _, kind, _ in results.SESSIONS} == {Q, SPRINT, RACE}
    assert OPENF1.weekend.listed_from is None and OPENF1.classified is None  # every session, results for all
    assert THIRDTURN.weekend is None and THIRDTURN.classified == {RACE}


def test_a_sprint_weekend_has_the_shape_of_its_era():
    assert alike.shape_gap("2021-british-grand-prix", 2021, {FP1, Q, FP2, SPRINT, RACE}, JOLPICA) is None
    assert alike.shape_gap("2023-austrian-grand-prix", 2023, {FP1, Q, SQ, SPRINT, RACE}, OPENF1) is None
    assert alike.shape_gap("2024-chinese-grand-prix", 2024, {FP1, SQ, SPRINT, Q, RACE}, OPENF1) is None
    assert alike.shape_gap("2022-sao-paulo-grand-prix", 2022, {FP1, Q, FP2, RACE}, JOLPICA) == \
        "2022-sao-paulo-grand-prix (conventional weekend): missing FP3"
    assert alike.shape_gap("2024-italian-grand-prix", 2024, {FP1, FP3, Q, RACE}, OPENF1) == \
        "2024-italian-grand-prix (conventional weekend): missing FP2"
    assert alike.shape_gap("wcs-2021-01", 2021, {RACE}, THIRDTURN) is None  # the wiki declares no weekend shape


def test_team_names_alike_across_sources_differ_only_by_racing_team_or_f1():
    words = alike.team_words(formula1.TEAM_NAME_FILLERS)
    assert words(team("Red Bull Racing")) == words(team("Red Bull"))
    assert words(team("Alpine F1 Team")) == words(team("Alpine"))
    assert words(team("Kick Sauber")) != words(team("Sauber"))  # a rebrand is a new team
    assert words(team("Team")) == frozenset({"team"})


def test_countries_compare_as_names_with_ergasts_abbreviations_spelled_out():
    country = alike.country(dict(formula1.COUNTRY_ALIASES))
    assert country("USA") == country("United States") == "united-states"
    assert country("UK") == country("United Kingdom")
    assert country("UAE") == country("United Arab Emirates")
    assert country("Monaco") == "monaco"


def test_round_keys_come_in_natural_order():
    assert in_order(["1988/12", "1988/5", "1950/1"]) == ["1950/1", "1988/5", "1988/12"]
    assert in_order([1252, 1229, 1230]) == [1229, 1230, 1252]
    assert in_order(["1230", "999"]) == ["999", "1230"]


def held(slug: str, name: str, *sources: str) -> HeldRow:
    return HeldRow(slug=slug, name=name, location="", country="", sources=frozenset(sources))


def test_namesakes_the_wiki_keeps_apart_are_a_notice_and_one_name_written_twice_elsewhere_a_defect():
    turner, turner_va = held("curtis-turner", "Curtis Turner", "thirdturn"), held("curtis-turner-va", "Curtis Turner",
                                                                                  "thirdturn")
    assert alike.namesakes_of("thirdturn", [turner, turner_va])  # SPEC §7: two pages, two people
    assert not alike.namesakes_of("thirdturn", [turner, held("curtis-turner-2", "Curtis Turner", "jolpica")])
    assert not alike.namesakes_of("thirdturn", [turner, held("curtis-turner-2", "Curtis Turner")])  # no source's
    assert THIRDTURN.namesakes and not OPENF1.namesakes and not JOLPICA.namesakes


def labels(rules: list[AuditRules]) -> list[str]:
    return [check.label for check in audit.checks(rules)]


def test_the_three_sources_make_the_twenty_checks_each_labelled_as_before():
    found = labels(sources.audit_rules())
    assert len(found) == audit.check_count(sources.audit_rules()) == 20
    assert found[0] == "rounds sharing one OpenF1 meeting key"
    assert "teams that two sources hold as two rows, their names of the same words (racing, team and f1 aside)" in found
    assert "entrants without a car number in rounds matched by driver and team (history)" in found
    assert "drivers of one name The Third Turn keeps apart by their page titles (namesakes, or one driver linked " \
           "through a redirect)" in found


def test_a_source_declaring_nothing_gets_the_checks_every_source_shares_and_none_of_another_s():
    shared = labels([AuditRules("plain")])
    assert len(shared) == 13
    assert not any("car number" in label or "weekend shape" in label or "meeting key" in label for label in shared)
    assert "teams that two sources hold as two rows, their names of the same words" in shared  # no filler declared
    numbered = labels([AuditRules("plain", by_car_number=True)])
    assert len(numbered) == 16 and sum("matched by car number" in label for label in numbered) == 3


def test_the_session_types_a_source_classifies_are_asked_of_its_rounds_only():
    assert set(map(int, JOLPICA.classified)) == {int(SessionType.QUALIFYING), int(SessionType.SPRINT),
                                                 int(SessionType.RACE)}
