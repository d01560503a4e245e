-- Every stock movement, one row per movement_id. Redelivered copies of a
-- movement share its (product_id, warehouse_id, version), the sorting key,
-- so ReplacingMergeTree keeps one of them; queries read it with FINAL (or
-- argMax) to stay exact before background merges. No time partitioning:
-- two copies of one movement may carry different times, and copies in
-- different partitions would never be merged.
CREATE TABLE IF NOT EXISTS stock_movements (
    movement_id String,
    product_id String,
    warehouse_id String,
    kind Enum8('receive' = 1, 'count' = 2, 'correct' = 3, 'reserve' = 4, 'release' = 5, 'commit' = 6, 'transfer_out' = 7, 'transfer_in' = 8, 'adjust' = 9),
    cause String,
    on_hand_delta Int64,
    reserved_delta Int64,
    on_hand_after Int64,
    reserved_after Int64,
    order_id String,
    transfer_id String,
    command_id String,
    reason String,
    version Int64,
    at DateTime,
    at_unix_ms Int64,
    inserted_at DateTime DEFAULT now()
) ENGINE = ReplacingMergeTree
ORDER BY (product_id, warehouse_id, version);
