"""Adding a source is one package and one registry line: a throwaway fourth source (tests/contract/fourth_source:
Club Kart, another championship, answered from a dict) registered for these tests only, synced through the generic
path in this process (the dispatcher, then each round's steps, as the workers run them), on the real database. No
generic module names it, and the sources of the project answer as before beside it."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest

from workers import sources

REPO = Path(__file__).resolve().parents[2]
NAME, PACKAGE, CHAMPIONSHIP = "clubkart", "tests.contract.fourth_source", "club-kart"


@pytest.fixture()
def club_kart():
    sources.register(NAME, PACKAGE)
    try:
        yield sources.get(NAME)
    finally:
        sources.unregister(NAME)


def test_the_registry_answers_by_role_with_a_fourth_source_beside_the_three(club_kart):
    assert sources.names()[-1] == NAME and club_kart.role == sources.SEASONS
    assert sources.championships() == ["formula-1", CHAMPIONSHIP]
    assert sources.for_season(2024).name == "openf1" and sources.for_season(1988).name == "jolpica"  # as before
    assert sources.for_season(2024, CHAMPIONSHIP) is club_kart and sources.first_season(CHAMPIONSHIP) == 2001
    assert sources.scope_source().name == "thirdturn"
    assert sources.attributions()[NAME].licence.commercial_use is False
    with pytest.raises(ValueError, match="no source covers the 1999 season"):
        sources.for_season(1999, CHAMPIONSHIP)


def test_a_source_declaring_another_name_than_its_registry_line_is_refused():
    with pytest.raises(ValueError, match="declares itself 'clubkart'"):
        sources.register("karting", PACKAGE)
    assert "karting" not in sources.names()


def run_in_process(year: int, include_results: bool, now: datetime) -> str:
    """sync_season's dispatcher and every round's steps, called as the workers call them (no broker)."""
    from tasks.sync import season_selection
    from workers.pipeline import steps
    from workers.pipeline.dispatch import dispatch

    run_id = str(uuid.uuid4())
    plan = dispatch(run_id, season_selection("season", year, include_results, championship=CHAMPIONSHIP), now)
    for season, key in plan.rounds:
        steps.sync_sessions(run_id, plan.source, season, key, now)
        steps.sync_entrants(run_id, plan.source, season, key)
        if plan.include_results[season]:
            steps.sync_results(run_id, plan.source, season, key)
        steps.finish(run_id, key)
    return run_id


@pytest.mark.integration
def test_a_fourth_source_syncs_a_season_through_the_generic_path(club_kart, clean_db):
    from harness.tables import content_hash
    from workers.db import audit
    from workers.db.runs import get_run

    db, now = clean_db, datetime(2025, 1, 1, tzinfo=timezone.utc)
    run = get_run(db, run_in_process(2024, True, now))
    assert (run["status"], run["kind"], run["source"], run["requests"]) == ("succeeded", "season", NAME, 3)
    assert run["arguments"] == {"year": 2024, "include_results": True, "championship": CHAMPIONSHIP}
    counts = {t: n for t, n in audit.racing_counts(db).items() if n}
    assert counts == {"Series": 1, "Seasons": 1, "Circuits": 2, "Rounds": 2, "Sessions": 2, "Drivers": 4, "Teams": 2,
                      "Entrants": 8, "Results": 8}
    assert db.execute('SELECT "Slug" FROM "Series"').fetchone() == (CHAMPIONSHIP,)
    identities = dict(db.execute('SELECT "Kind", count(*) FROM "SourceIdentities" WHERE "Source" = %s GROUP BY 1',
                                 [NAME]).fetchall())
    assert identities == {"circuit": 2, "round": 2, "session": 2, "driver": 4, "team": 2}
    assert db.execute('SELECT count(*) FROM "Sessions" WHERE "OpenF1SessionKey" IS NULL').fetchone() == (2,)
    assert [f for f in audit.audit(db, sources.audit_rules())] == []  # its own rules: matched by car number

    digest = content_hash(db)
    again = get_run(db, run_in_process(2024, True, now))
    assert again["status"] == "succeeded" and again["rows_written"] == 0 and content_hash(db) == digest


def test_no_generic_file_names_the_fourth_source():
    generic = [p for entry in ("tasks", "ingestion", "workers") for p in (REPO / entry).rglob("*.py")
               if "sources" not in p.relative_to(REPO / entry).parts[:1]] + [REPO / "celeryconfig.py"]
    assert len(generic) > 40
    named = [str(p.relative_to(REPO)) for p in generic
             if any(word in p.read_text(encoding="utf-8")
                    for word in (NAME, CHAMPIONSHIP, "Club Kart", "fourth_source"))]
    assert named == []
