"""The audit's and verify's pure rules, without a database: weekend shapes by era, what history classifies, how
names and places are compared across sources, and the natural order of round keys."""

from __future__ import annotations

from ingestion.verify import in_order
from workers.db import audit
from workers.db.audit import FP1, FP2, FP3, HeldRow, Q, RACE, SPRINT, SQ
from workers.sources.jolpica import mapping, results


def team(name: str) -> HeldRow:
    return HeldRow(slug=name.lower(), name=name, location="", country="", sources=frozenset())


def test_history_lists_practice_and_classifies_sessions_as_the_audit_assumes():
    assert audit.PRACTICE_LISTED_FROM == mapping.SCHEDULE_DATES_FROM
    assert set(audit.HISTORY_CLASSIFIED) == {kind for _, kind, _ in results.SESSIONS}


def test_a_sprint_weekend_has_the_shape_of_its_era():
    assert audit._shape_gap("2021-british-grand-prix", 2021, {FP1, Q, FP2, SPRINT, RACE}) is None
    assert audit._shape_gap("2023-austrian-grand-prix", 2023, {FP1, Q, SQ, SPRINT, RACE}) is None
    assert audit._shape_gap("2024-chinese-grand-prix", 2024, {FP1, SQ, SPRINT, Q, RACE}) is None
    assert audit._shape_gap("2022-sao-paulo-grand-prix", 2022, {FP1, Q, FP2, RACE}) == \
        "2022-sao-paulo-grand-prix (conventional weekend): missing FP3"
    assert audit._shape_gap("2024-italian-grand-prix", 2024, {FP1, FP3, Q, RACE}) == \
        "2024-italian-grand-prix (conventional weekend): missing FP2"


def test_team_names_alike_across_sources_differ_only_by_racing_team_or_f1():
    assert audit._team_words(team("Red Bull Racing")) == audit._team_words(team("Red Bull"))
    assert audit._team_words(team("Alpine F1 Team")) == audit._team_words(team("Alpine"))
    assert audit._team_words(team("Kick Sauber")) != audit._team_words(team("Sauber"))  # a rebrand is a new team
    assert audit._team_words(team("Team")) == frozenset({"team"})


def test_countries_compare_as_names_with_ergasts_abbreviations_spelled_out():
    assert audit._country("USA") == audit._country("United States") == "united-states"
    assert audit._country("UK") == audit._country("United Kingdom")
    assert audit._country("UAE") == audit._country("United Arab Emirates")
    assert audit._country("Monaco") == "monaco"


def test_round_keys_come_in_natural_order():
    assert in_order(["1988/12", "1988/5", "1950/1"]) == ["1950/1", "1988/5", "1988/12"]
    assert in_order([1252, 1229, 1230]) == [1229, 1230, 1252]
    assert in_order(["1230", "999"]) == ["999", "1230"]


def held(slug: str, name: str, *sources: str) -> HeldRow:
    return HeldRow(slug=slug, name=name, location="", country="", sources=frozenset(sources))


def test_namesakes_the_wiki_keeps_apart_are_a_notice_and_one_name_written_twice_elsewhere_a_defect():
    turner, turner_va = held("curtis-turner", "Curtis Turner", "thirdturn"), held("curtis-turner-va", "Curtis Turner",
                                                                                  "thirdturn")
    assert audit._wiki_namesakes([turner, turner_va])  # SPEC §7: two pages, two people
    assert not audit._wiki_namesakes([turner, held("curtis-turner-2", "Curtis Turner", "jolpica")])
    assert not audit._wiki_namesakes([turner, held("curtis-turner-2", "Curtis Turner")])  # a row no source holds
