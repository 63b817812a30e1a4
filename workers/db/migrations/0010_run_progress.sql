-- What the command line needs to show a run's progress before its rounds are planned, and why it is retrying.
-- "RoundsKnown": the rounds the season indexes read so far list (a series crawl knows them after its season pages,
-- minutes before the last race page lands and "RoundsTotal" is set). "RequestsExpected": the run's requests so far
-- plus those its dispatcher still has to make, as it last counted them once every index was read (NULL before).
-- "LastRetry": the reason of the run's latest retry (a step's or its dispatcher's), an error as `describe` writes
-- it: no secret and no result value; "LastRetryAt": when.
ALTER TABLE "SyncRuns" ADD COLUMN IF NOT EXISTS "RoundsKnown" integer NULL;
ALTER TABLE "SyncRuns" ADD COLUMN IF NOT EXISTS "RequestsExpected" integer NULL;
ALTER TABLE "SyncRuns" ADD COLUMN IF NOT EXISTS "LastRetry" text NULL;
ALTER TABLE "SyncRuns" ADD COLUMN IF NOT EXISTS "LastRetryAt" timestamp with time zone NULL;
