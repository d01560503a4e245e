-- Per product@warehouse, per minute and kind: how many movements and how
-- much they moved. A materialized view fills it on every insert into
-- stock_movements; the sink inserts each movement once (it skips versions
-- already stored), so sums over this table are exact. Read with sum() and
-- GROUP BY: rows of one key are only summed together by merges.
CREATE TABLE IF NOT EXISTS movements_by_minute (
    minute DateTime,
    warehouse_id String,
    product_id String,
    kind Enum8('receive' = 1, 'count' = 2, 'correct' = 3, 'reserve' = 4, 'release' = 5, 'commit' = 6, 'transfer_out' = 7, 'transfer_in' = 8, 'adjust' = 9),
    cause String,
    movements Int64,
    on_hand_change Int64,
    reserved_change Int64,
    quantity Int64
) ENGINE = SummingMergeTree((movements, on_hand_change, reserved_change, quantity))
ORDER BY (minute, warehouse_id, product_id, kind, cause);

CREATE MATERIALIZED VIEW IF NOT EXISTS movements_by_minute_mv TO movements_by_minute AS
SELECT
    toStartOfMinute(at) AS minute,
    warehouse_id,
    product_id,
    kind,
    cause,
    toInt64(count()) AS movements,
    sum(on_hand_delta) AS on_hand_change,
    sum(reserved_delta) AS reserved_change,
    sum(toInt64(greatest(abs(on_hand_delta), abs(reserved_delta)))) AS quantity
FROM stock_movements
GROUP BY minute, warehouse_id, product_id, kind, cause;

-- Backfill what was stored before the view existed (an upgrade from
-- version 1), once: only while the table is still empty.
INSERT INTO movements_by_minute
SELECT
    toStartOfMinute(at) AS minute,
    warehouse_id,
    product_id,
    kind,
    cause,
    toInt64(count()) AS movements,
    sum(on_hand_delta) AS on_hand_change,
    sum(reserved_delta) AS reserved_change,
    sum(toInt64(greatest(abs(on_hand_delta), abs(reserved_delta)))) AS quantity
FROM stock_movements FINAL
WHERE (SELECT count() FROM movements_by_minute) = 0
GROUP BY minute, warehouse_id, product_id, kind, cause;
