package clickhouse

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// An insert that fails ambiguously (the connection dropped mid-way) may
// have been applied by the server, in part: ClickHouse writes the table and
// each materialized view one after the other, not atomically. The raw table
// stays exact (ReplacingMergeTree, read with FINAL), but the aggregates may
// hold a movement twice or miss it. So after such a failure the sink waits
// until the server has no insert of ours in flight, stores what is still
// missing, and then repairs the aggregates of the batch's levels from the
// raw table: correction rows bring movements_by_minute's sums to what
// stock_movements FINAL says, and levels_by_minute gets its (idempotent)
// argMax states again.

const (
	// repairMinuteSums inserts, per minute/level/kind/cause of the levels
	// in %[1]s, the difference between the raw table's sums and the
	// aggregate's. Source columns are renamed to dodge ClickHouse's
	// query-wide aliases.
	repairMinuteSums = `INSERT INTO movements_by_minute (minute, warehouse_id, product_id, kind, cause, movements, on_hand_change, reserved_change, quantity)
SELECT m_minute, m_warehouse, m_product, m_kind, m_cause, sum(n), sum(oh), sum(rs), sum(q)
FROM (
    SELECT toStartOfMinute(at) AS m_minute, warehouse_id AS m_warehouse, product_id AS m_product, kind AS m_kind, cause AS m_cause,
        toInt64(count()) AS n, sum(on_hand_delta) AS oh, sum(reserved_delta) AS rs,
        sum(toInt64(greatest(abs(on_hand_delta), abs(reserved_delta)))) AS q
    FROM stock_movements FINAL
    WHERE (product_id, warehouse_id) IN (%[1]s)
    GROUP BY m_minute, m_warehouse, m_product, m_kind, m_cause
    UNION ALL
    SELECT minute AS m_minute, warehouse_id AS m_warehouse, product_id AS m_product, kind AS m_kind, cause AS m_cause,
        -sum(movements) AS n, -sum(on_hand_change) AS oh, -sum(reserved_change) AS rs, -sum(quantity) AS q
    FROM movements_by_minute
    WHERE (product_id, warehouse_id) IN (%[1]s)
    GROUP BY m_minute, m_warehouse, m_product, m_kind, m_cause
)
GROUP BY m_minute, m_warehouse, m_product, m_kind, m_cause
HAVING sum(n) != 0 OR sum(oh) != 0 OR sum(rs) != 0 OR sum(q) != 0`

	repairLevels = `INSERT INTO levels_by_minute (minute, warehouse_id, product_id, on_hand, reserved, last_version)
SELECT toStartOfMinute(at) AS m_minute, warehouse_id, product_id,
    argMaxState(on_hand_after, version), argMaxState(reserved_after, version), maxState(version)
FROM stock_movements FINAL
WHERE (product_id, warehouse_id) IN (%[1]s)
GROUP BY m_minute, warehouse_id, product_id`

	inFlightInserts = `SELECT count() FROM system.processes WHERE query LIKE 'INSERT INTO stock_movements%'`
)

// settle waits until no insert into stock_movements runs on the server
// (the sink is its only writer), so what a dropped insert did is visible.
func (s *Sink) settle(ctx context.Context) error {
	deadline := time.Now().Add(time.Minute)
	for {
		var n uint64
		if err := s.conn.QueryRow(ctx, inFlightInserts).Scan(&n); err != nil {
			return fmt.Errorf("check in-flight inserts: %w", err)
		}
		if n == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d inserts into stock_movements still running after a minute", n)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// repair rebuilds the aggregates of the levels in keys from the raw table.
func (s *Sink) repair(ctx context.Context, keys map[[2]string]bool) error {
	var tuples []string
	for k := range keys {
		tuples = append(tuples, "("+quote(k[0])+", "+quote(k[1])+")")
	}
	for start := 0; start < len(tuples); start += 1000 {
		list := strings.Join(tuples[start:min(start+1000, len(tuples))], ", ")
		for _, q := range []string{repairMinuteSums, repairLevels} {
			if err := s.conn.Exec(ctx, fmt.Sprintf(q, list)); err != nil {
				return fmt.Errorf("repair aggregates: %w", err)
			}
		}
	}
	return nil
}

// MaintenanceSQL is every statement the sink runs besides its inserts,
// for product@warehouse: the stored-version lookup, the in-flight insert
// check and the two repairs. Tests run them on other engines (chdb).
func MaintenanceSQL(product, warehouse string) []string {
	tuple := "(" + quote(product) + ", " + quote(warehouse) + ")"
	return []string{
		fmt.Sprintf(lookupVersions, tuple),
		inFlightInserts,
		fmt.Sprintf(repairMinuteSums, tuple),
		fmt.Sprintf(repairLevels, tuple),
	}
}
