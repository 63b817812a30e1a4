-- Tables of the workers' own (SPEC §1 allows them): runs, per-meeting progress, quarantine, sync state.

-- One row per sync_season / sync_recent run; its Id is the dispatcher task's id.
CREATE TABLE IF NOT EXISTS "SyncRuns" (
    "Id" uuid PRIMARY KEY,
    "Kind" text NOT NULL,                       -- 'season' | 'recent'
    "Arguments" jsonb NOT NULL,
    "IncludeResults" boolean NULL,
    "Status" text NOT NULL DEFAULT 'running',   -- running | succeeded | failed
    "StartedAt" timestamp with time zone NOT NULL DEFAULT now(),
    "FinishedAt" timestamp with time zone NULL,
    "MeetingsTotal" integer NULL,
    "Requests" integer NOT NULL DEFAULT 0,
    "Error" text NULL
);
CREATE INDEX IF NOT EXISTS "IX_SyncRuns_StartedAt" ON "SyncRuns" ("StartedAt");

-- One row per meeting of a run: its state and counts, so a run's completion can be observed.
CREATE TABLE IF NOT EXISTS "SyncRunMeetings" (
    "RunId" uuid NOT NULL REFERENCES "SyncRuns" ("Id") ON DELETE CASCADE,
    "MeetingKey" integer NOT NULL,
    "Status" text NOT NULL DEFAULT 'pending',   -- pending | done | failed
    "Requests" integer NOT NULL DEFAULT 0,
    "RowsWritten" integer NOT NULL DEFAULT 0,
    "RowsDeleted" integer NOT NULL DEFAULT 0,
    "Quarantined" integer NOT NULL DEFAULT 0,
    "Error" text NULL,
    "UpdatedAt" timestamp with time zone NOT NULL DEFAULT now(),
    PRIMARY KEY ("RunId", "MeetingKey")
);

-- Records that failed validation or mapping, with the reason and the payload as received.
CREATE TABLE IF NOT EXISTS "QuarantinedRecords" (
    "Id" bigserial PRIMARY KEY,
    "RunId" uuid NULL,
    "Endpoint" text NOT NULL,
    "MeetingKey" integer NULL,
    "SessionKey" integer NULL,
    "Reason" text NOT NULL,
    "Payload" jsonb NOT NULL,
    "PayloadHash" text NOT NULL,
    "CreatedAt" timestamp with time zone NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS "IX_QuarantinedRecords_Run_Endpoint_Hash"
    ON "QuarantinedRecords" ("RunId", "Endpoint", "PayloadHash");

-- The meetings the dispatcher read, so per-meeting tasks receive only keys (sync state).
CREATE TABLE IF NOT EXISTS "OpenF1Meetings" (
    "MeetingKey" integer PRIMARY KEY,
    "Year" integer NOT NULL,
    "RoundNumber" integer NOT NULL,
    "Record" jsonb NOT NULL
);
