-- A wiki page is landed with the revision it was rendered from (MediaWiki's wgCurRevisionId), so an operator
-- can tell which edit of a page the rows came from, and link back to it. NULL for sources without revisions.
ALTER TABLE "LandedAnswers" ADD COLUMN IF NOT EXISTS "Revision" bigint;
