"""The generic writer on the real database, for a source whose rows carry no OpenF1 key (as history's will):
its sessions are found by their identity, written once, updated only when a value changed."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from workers.db import racing
from workers.rows import SOURCE_KEY, RoundRows, SessionStatus, SessionType

pytestmark = pytest.mark.integration
SOURCE = "test-history"


def round_rows(race_status: SessionStatus = SessionStatus.COMPLETED) -> RoundRows:
    start = datetime(1988, 5, 15, tzinfo=timezone.utc)
    session = {"Type": int(SessionType.RACE), "StartTimeUtc": start, "Status": int(race_status),
               SOURCE_KEY: "1988/4/race"}
    qualifying = {"Type": int(SessionType.QUALIFYING), "StartTimeUtc": start, "Status": int(SessionStatus.COMPLETED),
                  SOURCE_KEY: "1988/4/qualifying"}
    return RoundRows(series={"Name": "Formula 1", "Slug": "formula-1"}, year=1988,
                     circuit={"Name": "Monaco", "Slug": "monaco", "Location": "Monte-Carlo", "Country": "Monaco",
                              SOURCE_KEY: "monaco"},
                     round={"Name": "Monaco Grand Prix", "Slug": "1988-monaco-grand-prix", "RoundNumber": 4,
                            "DateStart": date(1988, 5, 15), "DateEnd": date(1988, 5, 15), SOURCE_KEY: "1988/4"},
                     sessions=[session, qualifying])


def sessions(db) -> dict[str, tuple]:
    return {key: (row_id, status) for key, row_id, status in db.execute(
        'SELECT i."SourceKey", s."Id", s."Status" FROM "Sessions" s JOIN "SourceIdentities" i ON i."RowId" = s."Id" '
        'WHERE i."Source" = %s AND i."Kind" = \'session\'', [SOURCE]).fetchall()}


def test_sessions_without_an_openf1_key_are_kept_by_identity_and_rewritten_only_when_changed(clean_db):
    db = clean_db
    with db.transaction():
        _, first = racing.write_round(db, SOURCE, round_rows(SessionStatus.SCHEDULED))
    written = sessions(db)
    # series, season, circuit, round, 2 sessions
    assert set(written) == {"1988/4/race", "1988/4/qualifying"} and first.written == 6
    with db.transaction():
        _, again = racing.write_round(db, SOURCE, round_rows(SessionStatus.SCHEDULED))
    assert again.written == 0 and sessions(db) == written
    with db.transaction():
        _, changed = racing.write_round(db, SOURCE, round_rows(SessionStatus.COMPLETED))
    after = sessions(db)
    assert changed.written == 1 and after["1988/4/race"] == (written["1988/4/race"][0], int(SessionStatus.COMPLETED))
    assert db.execute('SELECT count(*) FROM "Sessions"').fetchone()[0] == 2
    assert racing.round_of(db, SOURCE, "1988/4")[0] == db.execute(
        'SELECT "Id" FROM "Rounds" WHERE "Slug" = \'1988-monaco-grand-prix\'').fetchone()[0]
