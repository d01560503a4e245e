package clickhouse_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stockflow/stockflow/internal/chtest"
	"github.com/stockflow/stockflow/sinks/clickhouse"
)

// BenchmarkInsert measures clickhouse.Insert alone (rows already built,
// both materialized views attached) by batch size.
func BenchmarkInsert(b *testing.B) {
	for _, size := range []int{10_000, 50_000, 200_000} {
		b.Run(fmt.Sprintf("batch_%d", size), func(b *testing.B) {
			_, _, conn := chtest.Database(b)
			ctx := context.Background()
			if _, err := clickhouse.Migrate(ctx, conn, 0); err != nil {
				b.Fatal(err)
			}
			var rows []clickhouse.Row
			for i := 0; i < size; i++ {
				rows = append(rows, row(fmt.Sprintf("p%d", i%1000), "w", int64(i/1000+1), "reserve", 0, 1, 100, int64(i/1000+1)))
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := clickhouse.Insert(ctx, conn, rows); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(size*b.N)/b.Elapsed().Seconds(), "movements/s")
		})
	}
}

// BenchmarkExactTotals compares the ways to read exact per-level totals
// before merges, over 1M stored movements of 10,000 levels of which 10%
// were inserted twice (as unmerged redeliveries would be).
func BenchmarkExactTotals(b *testing.B) {
	_, _, conn := chtest.Database(b)
	ctx := context.Background()
	if _, err := clickhouse.Migrate(ctx, conn, 0); err != nil {
		b.Fatal(err)
	}
	// Stop merges so the duplicates stay in separate parts.
	if err := conn.Exec(ctx, "SYSTEM STOP MERGES stock_movements"); err != nil {
		b.Fatal(err)
	}
	for chunk := 0; chunk < 10; chunk++ {
		var rows []clickhouse.Row
		for i := 0; i < 100_000; i++ {
			n := chunk*100_000 + i
			rows = append(rows, row(fmt.Sprintf("p%d", n%10_000), "w", int64(n/10_000+1), "receive", 1, 0, int64(n/10_000+1), 0))
		}
		if err := clickhouse.Insert(ctx, conn, rows); err != nil {
			b.Fatal(err)
		}
		if err := clickhouse.Insert(ctx, conn, rows[:10_000]); err != nil {
			b.Fatal(err)
		}
	}
	queries := map[string]string{
		"final":          "SELECT product_id, warehouse_id, sum(on_hand_delta) FROM stock_movements FINAL GROUP BY product_id, warehouse_id",
		"argmax_level":   "SELECT product_id, warehouse_id, argMax(on_hand_after, version) FROM stock_movements GROUP BY product_id, warehouse_id",
		"distinct_by_id": "SELECT product_id, warehouse_id, sum(d) FROM (SELECT product_id, warehouse_id, version, any(on_hand_delta) AS d FROM stock_movements GROUP BY product_id, warehouse_id, version) GROUP BY product_id, warehouse_id",
		"raw_no_dedup":   "SELECT product_id, warehouse_id, sum(on_hand_delta) FROM stock_movements GROUP BY product_id, warehouse_id",
	}
	for _, name := range []string{"final", "argmax_level", "distinct_by_id", "raw_no_dedup"} {
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				rows, err := conn.Query(ctx, queries[name])
				if err != nil {
					b.Fatal(err)
				}
				var total int64
				for rows.Next() {
					var p, w string
					var v int64
					if err := rows.Scan(&p, &w, &v); err != nil {
						b.Fatal(err)
					}
					total += v
				}
				rows.Close()
				if name != "raw_no_dedup" && total != 1_000_000 {
					b.Fatalf("%s: total %d, want 1000000 (exact)", name, total)
				}
			}
		})
	}
}
