-- One pipeline for every source: answers landed raw, one identity table across sources (SPEC §6), and runs,
-- progress and quarantine keyed by source and round (a text key: an OpenF1 meeting key, a Jolpica
-- "season/round", a wiki page title) instead of an OpenF1 meeting key.

-- Every answer as received, one row per distinct request, replaced when fetched again; the transforms read it.
CREATE TABLE IF NOT EXISTS "LandedAnswers" (
    "Id" bigserial PRIMARY KEY,
    "Source" text NOT NULL,
    "Request" text NOT NULL,                    -- endpoint?query, e.g. drivers?meeting_key>=1229&meeting_key<=1252
    "Endpoint" text NOT NULL,
    "Season" integer NULL,
    "Rounds" text[] NULL,                       -- the rounds the answer covers; NULL: the whole season
    "Status" integer NOT NULL,
    "Body" text NOT NULL,
    "ContentHash" text NOT NULL,                -- sha256 of the body
    "FetchedAt" timestamp with time zone NOT NULL DEFAULT now(),
    "RunId" uuid NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS "IX_LandedAnswers_Source_Request" ON "LandedAnswers" ("Source", "Request");
CREATE INDEX IF NOT EXISTS "IX_LandedAnswers_Source_Endpoint_Season"
    ON "LandedAnswers" ("Source", "Endpoint", "Season", "FetchedAt");

-- (source, kind, source key) → the row it is: one driver, team, circuit whatever source wrote it.
CREATE TABLE IF NOT EXISTS "SourceIdentities" (
    "Source" text NOT NULL,
    "Kind" text NOT NULL,                       -- circuit | round | session | driver | team
    "SourceKey" text NOT NULL,
    "RowId" uuid NOT NULL,
    "UpdatedAt" timestamp with time zone NOT NULL DEFAULT now(),
    PRIMARY KEY ("Source", "Kind", "SourceKey")
);
CREATE INDEX IF NOT EXISTS "IX_SourceIdentities_Kind_RowId" ON "SourceIdentities" ("Kind", "RowId");

-- OpenF1 rows already written keep being found by their keys.
INSERT INTO "SourceIdentities" ("Source", "Kind", "SourceKey", "RowId")
SELECT DISTINCT ON ("OpenF1MeetingKey") 'openf1', 'round', "OpenF1MeetingKey"::text, "Id" FROM "Rounds"
WHERE "OpenF1MeetingKey" IS NOT NULL ORDER BY "OpenF1MeetingKey", "Slug" ON CONFLICT DO NOTHING;
INSERT INTO "SourceIdentities" ("Source", "Kind", "SourceKey", "RowId")
SELECT 'openf1', 'session', "OpenF1SessionKey"::text, "Id" FROM "Sessions" WHERE "OpenF1SessionKey" IS NOT NULL
ON CONFLICT DO NOTHING;

-- Runs: one source each; rounds instead of meetings; the endpoints that fell back to per-round requests.
ALTER TABLE "SyncRuns" ADD COLUMN IF NOT EXISTS "Source" text NOT NULL DEFAULT 'openf1';
ALTER TABLE "SyncRuns" ALTER COLUMN "Source" DROP DEFAULT;
ALTER TABLE "SyncRuns" ADD COLUMN IF NOT EXISTS "Fallbacks" text[] NOT NULL DEFAULT '{}';
ALTER TABLE "SyncRuns" RENAME COLUMN "MeetingsTotal" TO "RoundsTotal";
ALTER TABLE "SyncRunMeetings" RENAME TO "SyncRunRounds";
ALTER TABLE "SyncRunRounds" RENAME COLUMN "MeetingKey" TO "RoundKey";
ALTER TABLE "SyncRunRounds" ALTER COLUMN "RoundKey" TYPE text USING "RoundKey"::text;
ALTER TABLE "SyncRunRounds" ADD COLUMN IF NOT EXISTS "Season" integer NULL;
ALTER INDEX IF EXISTS "SyncRunMeetings_pkey" RENAME TO "SyncRunRounds_pkey";

-- Quarantine: by source and round; the record's own key as text.
ALTER TABLE "QuarantinedRecords" ADD COLUMN IF NOT EXISTS "Source" text NOT NULL DEFAULT 'openf1';
ALTER TABLE "QuarantinedRecords" ALTER COLUMN "Source" DROP DEFAULT;
ALTER TABLE "QuarantinedRecords" RENAME COLUMN "MeetingKey" TO "RoundKey";
ALTER TABLE "QuarantinedRecords" ALTER COLUMN "RoundKey" TYPE text USING "RoundKey"::text;
ALTER TABLE "QuarantinedRecords" RENAME COLUMN "SessionKey" TO "RecordKey";
ALTER TABLE "QuarantinedRecords" ALTER COLUMN "RecordKey" TYPE text USING "RecordKey"::text;
DROP INDEX IF EXISTS "IX_QuarantinedRecords_Run_Endpoint_Hash";
CREATE UNIQUE INDEX IF NOT EXISTS "IX_QuarantinedRecords_Run_Source_Endpoint_Hash"
    ON "QuarantinedRecords" ("RunId", "Source", "Endpoint", "PayloadHash");

-- The meetings a dispatcher read now live in the landing (the `meetings?year=` answer).
DROP TABLE IF EXISTS "OpenF1Meetings";

-- A dispatcher that lands a season waits for slots too: its throttles are counted like a round's.
ALTER TABLE "SyncRuns" ADD COLUMN IF NOT EXISTS "Throttles" integer NOT NULL DEFAULT 0;
