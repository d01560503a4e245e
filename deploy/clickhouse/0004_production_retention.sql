-- min_version: 20.3
-- Production-only storage settings, skipped on servers older than 20.3
-- (18.16 has neither TTL nor CODEC). It is not recorded as applied when
-- skipped, so it runs once the server is upgraded.
ALTER TABLE stock_movements MODIFY TTL at + toIntervalDay(400);
ALTER TABLE stock_movements MODIFY COLUMN at_unix_ms Int64 CODEC(Delta, ZSTD(1));
ALTER TABLE movements_by_minute MODIFY TTL minute + toIntervalDay(800);
ALTER TABLE levels_by_minute MODIFY TTL minute + toIntervalDay(800);
