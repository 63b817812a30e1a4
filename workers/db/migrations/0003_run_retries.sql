-- Retries are part of what an operator sees of a run: error retries (which spend the task's budget) and
-- throttles (waits for an OpenF1 slot, which do not).
ALTER TABLE "SyncRunMeetings" ADD COLUMN IF NOT EXISTS "Retries" integer NOT NULL DEFAULT 0;
ALTER TABLE "SyncRunMeetings" ADD COLUMN IF NOT EXISTS "Throttles" integer NOT NULL DEFAULT 0;
ALTER TABLE "SyncRuns" ADD COLUMN IF NOT EXISTS "Retries" integer NOT NULL DEFAULT 0;
