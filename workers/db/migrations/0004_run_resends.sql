-- A step lost by the broker (a Redis that lost its data, an outage longer than REDIS_OUTAGE_SECONDS) leaves
-- its meeting pending for ever. The resume sweep (beat's `resume_stalled`, `python -m ingestion resume`)
-- sends such a meeting's chain again, at most a few times, counted here; "UpdatedAt" is its last progress.
ALTER TABLE "SyncRunMeetings" ADD COLUMN IF NOT EXISTS "Resent" integer NOT NULL DEFAULT 0;
ALTER TABLE "SyncRuns" ADD COLUMN IF NOT EXISTS "Resent" integer NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS "IX_SyncRuns_Running" ON "SyncRuns" ("StartedAt") WHERE "Status" = 'running';
