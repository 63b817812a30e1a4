-- The season in motion: what the app reads while a season runs.

-- When each session ends, as its source publishes it (the API's "Sessions" has its start only). The status of a
-- session with an end here follows the clock (Scheduled → InProgress → Completed) without a request. No foreign
-- key: a table that references "Sessions" is user data to `db clean-racing`; its rows are pruned with the session.
CREATE TABLE IF NOT EXISTS "SessionTimes" (
    "SessionId" uuid PRIMARY KEY,
    "Source" text NOT NULL,
    "EndTimeUtc" timestamp with time zone NOT NULL,
    "UpdatedAt" timestamp with time zone NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS "IX_SessionTimes_EndTimeUtc" ON "SessionTimes" ("EndTimeUtc");

-- One row per change of a session the app can act on: its status (a cancellation is a status), its start or end
-- time (schedule), or its results (counts only: never a position, time, points, gap, laps or classification).
-- The first sync of a season writes none (it is the initial state); a re-sync of unchanged data writes none.
CREATE TABLE IF NOT EXISTS "SessionChanges" (
    "Id" bigserial PRIMARY KEY,
    "SessionId" uuid NOT NULL,
    "Kind" text NOT NULL CHECK ("Kind" IN ('status', 'schedule', 'results')),
    "Before" jsonb NOT NULL,
    "After" jsonb NOT NULL,
    "At" timestamp with time zone NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS "IX_SessionChanges_SessionId" ON "SessionChanges" ("SessionId", "Id");
CREATE INDEX IF NOT EXISTS "IX_SessionChanges_At" ON "SessionChanges" ("At");

-- Each change is also announced on the channel "parcferme_sessions" with its id, whoever wrote it; the app pushes
-- from the notification and reads the table for what it missed while it was not listening.
CREATE OR REPLACE FUNCTION "NotifySessionChange"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('parcferme_sessions', NEW."Id"::text);
    RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS "TR_SessionChanges_Notify" ON "SessionChanges";
CREATE TRIGGER "TR_SessionChanges_Notify" AFTER INSERT ON "SessionChanges"
    FOR EACH ROW EXECUTE FUNCTION "NotifySessionChange"();

-- When an identity was first registered: a session's results announced as changed only when the session existed
-- before the run that writes them (a season's first sync is its initial state). Rows already here predate it.
ALTER TABLE "SourceIdentities" ADD COLUMN IF NOT EXISTS "CreatedAt" timestamp with time zone NOT NULL DEFAULT now();

-- Following the season: what was last read of each source's calendar, and of each round's results.
CREATE TABLE IF NOT EXISTS "FollowedSources" (
    "Source" text PRIMARY KEY,
    "CalendarReadAt" timestamp with time zone NULL,  -- the last calendar read sent
    "CalendarRunId" uuid NULL,
    "UpdatedAt" timestamp with time zone NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS "FollowedRounds" (
    "Source" text NOT NULL,
    "RoundKey" text NOT NULL,
    "Season" integer NOT NULL,
    "ResultsReadAt" timestamp with time zone NULL,   -- the last read of its results sent (a look or a correction)
    "ResultsReads" integer NOT NULL DEFAULT 0,
    "CorrectionsDone" integer NOT NULL DEFAULT 0,    -- how many of FOLLOW_CORRECTIONS_AT have been read
    "RunId" uuid NULL,                               -- the run of that read
    "UpdatedAt" timestamp with time zone NOT NULL DEFAULT now(),
    PRIMARY KEY ("Source", "RoundKey")
);
