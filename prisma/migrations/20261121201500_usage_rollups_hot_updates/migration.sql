-- Every ingestion request updates the hourly rollups of the events it records, so a busy rollup
-- row is rewritten many times a second. With free space on its page (fillfactor 50), each update is
-- a HOT update: no new index entry, and the old version is pruned in place without waiting for a
-- vacuum. Autovacuum also visits the table more often than the default 20 % of dead rows.
ALTER TABLE "usage_rollups" SET (fillfactor = 50, autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.05);
