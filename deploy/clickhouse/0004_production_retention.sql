-- min_version: 21.1
-- Production-only storage settings, skipped on servers older than 21.1
-- (18.16 has no TTL, CODEC or DateTime64). It is not recorded as applied
-- when skipped, so it runs once the server is upgraded. Every statement is
-- idempotent.
ALTER TABLE stock_movements MODIFY TTL at + toIntervalDay(400);
ALTER TABLE stock_movements MODIFY COLUMN at_unix_ms Int64 CODEC(Delta, ZSTD(1));
ALTER TABLE stock_movements ADD COLUMN IF NOT EXISTS at_ms DateTime64(3, 'UTC') DEFAULT fromUnixTimestamp64Milli(at_unix_ms, 'UTC');
ALTER TABLE movements_by_minute MODIFY TTL minute + toIntervalDay(800);
ALTER TABLE levels_by_minute MODIFY TTL minute + toIntervalDay(800);
