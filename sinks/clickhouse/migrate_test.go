package clickhouse_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/stockflow/stockflow/internal/chtest"
	"github.com/stockflow/stockflow/sinks/clickhouse"
)

// schemaOf describes every table and view of the connection's database,
// with the database name taken out, plus the recorded migrations.
func schemaOf(t *testing.T, conn driver.Conn, database string) string {
	t.Helper()
	ctx := context.Background()
	rows, err := conn.Query(ctx, "SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	rows.Close()
	var b strings.Builder
	for _, n := range names {
		var ddl string
		if err := conn.QueryRow(ctx, "SHOW CREATE TABLE "+n).Scan(&ddl); err != nil {
			t.Fatal(err)
		}
		b.WriteString(strings.ReplaceAll(ddl, database+".", "") + "\n")
	}
	var versions []uint32
	if err := conn.QueryRow(ctx, "SELECT groupArray(version) FROM (SELECT DISTINCT version FROM schema_migrations ORDER BY version)").Scan(&versions); err != nil {
		t.Fatal(err)
	}
	for _, v := range versions {
		b.WriteString("applied " + itoa(int64(v)) + "\n")
	}
	return b.String()
}

func TestMigrateTwiceChangesNothing(t *testing.T) {
	t.Parallel()
	_, db, conn := chtest.Database(t)
	ctx := context.Background()
	first, err := clickhouse.Migrate(ctx, conn, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Applied) == 0 {
		t.Fatal("nothing applied on an empty database")
	}
	t.Logf("server %s: applied %v, skipped %v", first.Server, first.Applied, first.Skipped)
	want := schemaOf(t, conn, db)
	second, err := clickhouse.Migrate(ctx, conn, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(second.Applied) != 0 || !slices.Equal(second.Skipped, first.Skipped) {
		t.Fatalf("second run applied %v skipped %v", second.Applied, second.Skipped)
	}
	if got := schemaOf(t, conn, db); got != want {
		t.Fatalf("schema after a second run:\n%s\nwant:\n%s", got, want)
	}
}

func TestMigrateFromEachEarlierVersion(t *testing.T) {
	t.Parallel()
	migs, err := clickhouse.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	_, freshDB, fresh := chtest.Database(t)
	ctx := context.Background()
	if _, err := clickhouse.Migrate(ctx, fresh, 0); err != nil {
		t.Fatal(err)
	}
	seed(t, fresh)
	want := schemaOf(t, fresh, freshDB)
	wantTotals := totals(t, fresh)
	for _, m := range migs[:len(migs)-1] {
		t.Run("from_version_"+itoa(int64(m.Version)), func(t *testing.T) {
			t.Parallel()
			_, db, conn := chtest.Database(t)
			if _, err := clickhouse.Migrate(ctx, conn, m.Version); err != nil {
				t.Fatal(err)
			}
			// Data stored under the old schema must show in views created later.
			seed(t, conn)
			if _, err := clickhouse.Migrate(ctx, conn, 0); err != nil {
				t.Fatal(err)
			}
			if got := schemaOf(t, conn, db); got != want {
				t.Fatalf("schema:\n%s\nwant:\n%s", got, want)
			}
			if got := totals(t, conn); got != wantTotals {
				t.Fatalf("aggregates %s, want %s", got, wantTotals)
			}
		})
	}
}

// seed stores three movements of one level.
func seed(t *testing.T, conn driver.Conn) {
	t.Helper()
	rows := []clickhouse.Row{
		row("p1", "w1", 1, "receive", 10, 0, 10, 0),
		row("p1", "w1", 2, "reserve", 0, 4, 10, 4),
		row("p1", "w1", 3, "commit", -4, -4, 6, 0),
	}
	if err := clickhouse.Insert(context.Background(), conn, rows); err != nil {
		t.Fatal(err)
	}
}

// totals reads both aggregates of p1@w1 as a string.
func totals(t *testing.T, conn driver.Conn) string {
	t.Helper()
	var moves int64
	var onHand, q int64
	ctx := context.Background()
	if err := conn.QueryRow(ctx, "SELECT sum(movements), sum(on_hand_change), sum(quantity) FROM movements_by_minute").Scan(&moves, &onHand, &q); err != nil {
		t.Fatal(err)
	}
	var level, res int64
	if err := conn.QueryRow(ctx, "SELECT argMaxMerge(on_hand), argMaxMerge(reserved) FROM levels_by_minute").Scan(&level, &res); err != nil {
		t.Fatal(err)
	}
	return strings.Join([]string{itoa(moves), itoa(onHand), itoa(q), itoa(level), itoa(res)}, "/")
}
