-- Whether a round of a run is synced with results: SPEC §3 decides it per season (a past season's rounds with,
-- the current season's without, unless asked), so one run over several seasons (a series) holds both kinds.
-- NULL: the run's "IncludeResults" (rounds planned before this column).
ALTER TABLE "SyncRunRounds" ADD COLUMN IF NOT EXISTS "IncludeResults" boolean NULL;
