-- Per product@warehouse and minute: the level at the end of the minute
-- (the movement with the highest version wins). argMax is insensitive to
-- duplicates, so this stays exact even if a movement were inserted twice.
CREATE TABLE IF NOT EXISTS levels_by_minute (
    minute DateTime,
    warehouse_id String,
    product_id String,
    on_hand AggregateFunction(argMax, Int64, Int64),
    reserved AggregateFunction(argMax, Int64, Int64),
    last_version AggregateFunction(max, Int64)
) ENGINE = AggregatingMergeTree
ORDER BY (minute, warehouse_id, product_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS levels_by_minute_mv TO levels_by_minute AS
SELECT
    toStartOfMinute(at) AS minute,
    warehouse_id,
    product_id,
    argMaxState(on_hand_after, version) AS on_hand,
    argMaxState(reserved_after, version) AS reserved,
    maxState(version) AS last_version
FROM stock_movements
GROUP BY minute, warehouse_id, product_id;

INSERT INTO levels_by_minute
SELECT
    toStartOfMinute(at) AS minute,
    warehouse_id,
    product_id,
    argMaxState(on_hand_after, version) AS on_hand,
    argMaxState(reserved_after, version) AS reserved,
    maxState(version) AS last_version
FROM stock_movements FINAL
WHERE (SELECT count() FROM levels_by_minute) = 0
GROUP BY minute, warehouse_id, product_id;
