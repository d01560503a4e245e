package dashboards

import "fmt"

// Kind is how a panel shows its query.
type Kind string

// Panel kinds.
const (
	TimeSeries Kind = "timeseries"
	Table      Kind = "table"
	BarGauge   Kind = "bargauge"
)

// Column is a column a panel's query returns: its name and ClickHouse
// type, without a DateTime's time zone (engines differ in showing it).
type Column struct {
	Name, Type string
}

// Panel is one dashboard panel: what it shows and the SQL behind it. SQL
// may use $__timeFilter(col), $__fromTime and $__toTime (see Expand) and
// only what ClickHouse 18.16 and current ClickHouse both accept: no CTEs,
// window functions, toStartOfInterval or $__timeInterval.
type Panel struct {
	Title, Description string
	Kind               Kind
	Unit               string
	SQL                string
	// Columns the query returns, in order; the tests check them.
	Columns []Column
}

// levelSQL is the level of each warehouse over time, summed over its
// products: a running sum of the per-minute changes from the first
// movement on, so the range shows true levels, not changes within it.
func levelSQL(column, change string) string {
	return fmt.Sprintf(`SELECT t AS time, warehouse_id, level AS %s
FROM (
    SELECT warehouse_id, arraySort(groupArray((minute, change))) AS points,
        arrayMap(p -> p.1, points) AS times, arrayCumSum(arrayMap(p -> p.2, points)) AS levels
    FROM (
        SELECT warehouse_id, minute, sum(%s) AS change
        FROM movements_by_minute
        WHERE minute <= $__toTime
        GROUP BY warehouse_id, minute
    )
    GROUP BY warehouse_id
)
ARRAY JOIN times AS t, levels AS level
WHERE t >= $__fromTime
ORDER BY time, warehouse_id`, column, change)
}

func levelPanel(title, column, change string) Panel {
	return Panel{
		Title:       title,
		Description: "Sum over products of each warehouse's " + column + ", at the end of every minute with a movement (from movements_by_minute).",
		Kind:        TimeSeries, Unit: "short",
		SQL:     levelSQL(column, change),
		Columns: []Column{{"time", "DateTime"}, {"warehouse_id", "String"}, {column, "Int64"}},
	}
}

// Panels are the analytics dashboard's panels, in order.
func Panels() []Panel {
	return []Panel{
		levelPanel("Stock on hand by warehouse", "on_hand", "on_hand_change"),
		levelPanel("Stock reserved by warehouse", "reserved", "reserved_change"),
		levelPanel("Stock available by warehouse", "available", "on_hand_change - reserved_change"),
		{
			Title:       "Reservations, commits, releases and expirations",
			Description: "Units per minute: reserved for orders, committed (paid), released (cancelled, rejected, orphaned) and expired.",
			Kind:        TimeSeries, Unit: "short",
			SQL: `SELECT minute AS time,
    sumIf(quantity, kind = 'reserve') AS reserved,
    sumIf(quantity, kind = 'commit') AS committed,
    sumIf(quantity, kind = 'release' AND cause != 'expire') AS released,
    sumIf(quantity, kind = 'release' AND cause = 'expire') AS expired
FROM movements_by_minute
WHERE $__timeFilter(minute) AND kind IN ('reserve', 'commit', 'release')
GROUP BY time
ORDER BY time`,
			Columns: []Column{{"time", "DateTime"}, {"reserved", "Int64"}, {"committed", "Int64"}, {"released", "Int64"}, {"expired", "Int64"}},
		},
		{
			Title:       "Expiry rate",
			Description: "Share of reserved units whose reservation expired unpaid, per five minutes.",
			Kind:        TimeSeries, Unit: "percentunit",
			SQL: `SELECT toStartOfFiveMinute(minute) AS time,
    sumIf(quantity, kind = 'release' AND cause = 'expire') / greatest(sumIf(quantity, kind = 'reserve'), 1) AS expiry_rate
FROM movements_by_minute
WHERE $__timeFilter(minute) AND kind IN ('reserve', 'release')
GROUP BY time
ORDER BY time`,
			Columns: []Column{{"time", "DateTime"}, {"expiry_rate", "Float64"}},
		},
		{
			Title:       "Transfer flows between warehouses",
			Description: "Units moved from one warehouse to another by completed transfers (both legs stored) that left in the range.",
			Kind:        Table, Unit: "short",
			SQL: `SELECT from_warehouse, to_warehouse, sum(quantity) AS quantity, count() AS transfers
FROM (
    SELECT transfer_id, warehouse_id AS from_warehouse, -on_hand_delta AS quantity
    FROM stock_movements FINAL
    WHERE kind = 'transfer_out' AND $__timeFilter(at)
) AS outs
ANY INNER JOIN (
    SELECT transfer_id, warehouse_id AS to_warehouse
    FROM stock_movements FINAL
    WHERE kind = 'transfer_in'
) AS ins USING transfer_id
GROUP BY from_warehouse, to_warehouse
ORDER BY quantity DESC`,
			Columns: []Column{{"from_warehouse", "String"}, {"to_warehouse", "String"}, {"quantity", "Int64"}, {"transfers", "UInt64"}},
		},
		{
			Title:       "Top products by demand",
			Description: "Units reserved by orders in the range, all warehouses.",
			Kind:        BarGauge, Unit: "short",
			SQL: `SELECT product_id, sum(quantity) AS demand
FROM movements_by_minute
WHERE $__timeFilter(minute) AND kind = 'reserve'
GROUP BY product_id
ORDER BY demand DESC, product_id
LIMIT 10`,
			Columns: []Column{{"product_id", "String"}, {"demand", "Int64"}},
		},
		{
			Title: "Orders rejected for lack of stock, by product",
			Description: "Orders rejected because a line could not be held, counted on each product whose hold they released. " +
				"A product whose stock ran out before anything was held for the order does not show (no movement names it).",
			Kind: BarGauge, Unit: "short",
			SQL: `SELECT product_id, uniqExact(order_id) AS rejected_orders
FROM stock_movements FINAL
WHERE $__timeFilter(at) AND kind = 'release' AND cause = 'reject'
GROUP BY product_id
ORDER BY rejected_orders DESC, product_id
LIMIT 20`,
			Columns: []Column{{"product_id", "String"}, {"rejected_orders", "UInt64"}},
		},
		{
			Title:       "Stock levels now",
			Description: "Current level of every product@warehouse: the latest movement's after-values (argMax over levels_by_minute, exact before merges).",
			Kind:        Table, Unit: "short",
			SQL: `SELECT warehouse_id, product_id, argMaxMerge(on_hand) AS on_hand_now, argMaxMerge(reserved) AS reserved_now,
    on_hand_now - reserved_now AS available_now
FROM levels_by_minute
WHERE minute <= $__toTime
GROUP BY warehouse_id, product_id
ORDER BY warehouse_id, product_id`,
			Columns: []Column{{"warehouse_id", "String"}, {"product_id", "String"}, {"on_hand_now", "Int64"}, {"reserved_now", "Int64"}, {"available_now", "Int64"}},
		},
	}
}
