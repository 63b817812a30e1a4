-- A run that ends (succeeded or failed) says so on the channel "parcferme_runs" with its id, so a command
-- following it (`python -m ingestion sync`, `follow`) learns at once instead of at its next look.
CREATE OR REPLACE FUNCTION "NotifyRunEnded"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('parcferme_runs', NEW."Id"::text);
    RETURN NEW;
END
$$;

DROP TRIGGER IF EXISTS "TR_SyncRuns_Ended" ON "SyncRuns";
CREATE TRIGGER "TR_SyncRuns_Ended" AFTER INSERT OR UPDATE OF "Status" ON "SyncRuns"
    FOR EACH ROW WHEN (NEW."Status" <> 'running') EXECUTE FUNCTION "NotifyRunEnded"();
