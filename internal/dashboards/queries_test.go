package dashboards_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/stockflow/stockflow/internal/chtest"
	"github.com/stockflow/stockflow/internal/dashboards"
	"github.com/stockflow/stockflow/sinks/clickhouse"
)

// withoutZone matches a DateTime type with its time zone.
var withoutZone = regexp.MustCompile(`DateTime\('[^']*'\)`)

var (
	base     = time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	from, to = base.Add(-time.Hour), base.Add(2 * time.Hour)
)

// testMovements covers every kind the panels read, over two warehouses,
// three products and a few minutes, as the sink would store them.
func testMovements() []clickhouse.Row {
	var rows []clickhouse.Row
	level := map[string][2]int64{}
	add := func(minute int, p, w, kind, cause, order, transfer string, dOnHand, dReserved int64) {
		k := p + "@" + w
		l := level[k]
		l[0], l[1] = l[0]+dOnHand, l[1]+dReserved
		level[k] = l
		v := int64(0)
		for _, r := range rows {
			if r.ProductID == p && r.WarehouseID == w {
				v = r.Version
			}
		}
		at := base.Add(time.Duration(minute)*time.Minute + time.Duration(len(rows))*time.Second)
		rows = append(rows, clickhouse.Row{
			MovementID: fmt.Sprintf("%s#%d", k, v+1), ProductID: p, WarehouseID: w, Kind: kind, Cause: cause,
			OnHandDelta: dOnHand, ReservedDelta: dReserved, OnHandAfter: l[0], ReservedAfter: l[1],
			OrderID: order, TransferID: transfer, Version: v + 1, At: at.Truncate(time.Second), AtUnixMs: at.UnixMilli(),
		})
	}
	for _, p := range []string{"tee", "mug", "cap"} {
		add(0, p, "north", "receive", "", "", "", 50, 0)
		add(0, p, "south", "receive", "", "", "", 20, 0)
	}
	add(1, "tee", "north", "reserve", "", "o1", "", 0, 5)
	add(2, "tee", "north", "commit", "", "o1", "", -5, -5)
	add(2, "mug", "north", "reserve", "", "o2", "", 0, 2)
	add(3, "mug", "north", "release", "cancel", "o2", "", 0, -2)
	add(3, "cap", "south", "reserve", "", "o3", "", 0, 1)
	add(9, "cap", "south", "release", "expire", "o3", "", 0, -1)
	add(4, "mug", "south", "reserve", "", "o4", "", 0, 3)
	add(4, "mug", "south", "release", "reject", "o4", "", 0, -3)
	add(5, "tee", "north", "transfer_out", "", "", "t1", -10, 0)
	add(6, "tee", "south", "transfer_in", "", "", "t1", 10, 0)
	add(7, "cap", "north", "count", "", "", "", -2, 0)
	add(8, "cap", "north", "correct", "", "", "", 1, 0)
	return rows
}

func TestEveryPanelQueryRunsOnClickHouse18(t *testing.T) {
	t.Parallel()
	_, _, conn := chtest.Database(t)
	ctx := context.Background()
	res, err := clickhouse.Migrate(ctx, conn, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := clickhouse.Insert(ctx, conn, testMovements()); err != nil {
		t.Fatal(err)
	}
	// The sink's repair must leave consistent aggregates as they are.
	for _, st := range clickhouse.MaintenanceSQL("tee", "north") {
		if err := conn.Exec(ctx, st); err != nil {
			t.Fatalf("%s: %v", st, err)
		}
	}
	for _, p := range dashboards.Panels() {
		t.Run(p.Title, func(t *testing.T) {
			rows, err := conn.Query(ctx, dashboards.Expand(p.SQL, from, to))
			if err != nil {
				t.Fatalf("server %s: %v", res.Server, err)
			}
			defer rows.Close()
			var got []dashboards.Column
			for _, c := range rows.ColumnTypes() {
				got = append(got, dashboards.Column{Name: c.Name(), Type: withoutZone.ReplaceAllString(c.DatabaseTypeName(), "DateTime")})
			}
			if fmt.Sprint(got) != fmt.Sprint(p.Columns) {
				t.Fatalf("columns %v, want %v", got, p.Columns)
			}
			result := scanAll(t, rows)
			if len(result) == 0 {
				t.Fatal("no rows on the test data")
			}
			if want, ok := expected[p.Title]; ok && fmt.Sprint(result) != fmt.Sprint(want) {
				t.Fatalf("rows %v, want %v", result, want)
			}
		})
	}
}

// expected holds the exact answers of some panels on testMovements.
var expected = map[string][][]string{
	"Reservations, commits, releases and expirations": {
		{"2026-01-02 03:01:00", "5", "0", "0", "0"},
		{"2026-01-02 03:02:00", "2", "5", "0", "0"},
		{"2026-01-02 03:03:00", "1", "0", "2", "0"},
		{"2026-01-02 03:04:00", "3", "0", "3", "0"},
		{"2026-01-02 03:09:00", "0", "0", "0", "1"},
	},
	"Transfer flows between warehouses":             {{"north", "south", "10", "1"}},
	"Top products by demand":                        {{"mug", "5"}, {"tee", "5"}, {"cap", "1"}},
	"Orders rejected for lack of stock, by product": {{"mug", "1"}},
	"Stock levels now": {
		{"north", "cap", "49", "0", "49"}, {"north", "mug", "50", "0", "50"}, {"north", "tee", "35", "0", "35"},
		{"south", "cap", "20", "0", "20"}, {"south", "mug", "20", "0", "20"}, {"south", "tee", "30", "0", "30"},
	},
}

// scanAll reads every row as strings (times as "2006-01-02 15:04:05" UTC).
func scanAll(t *testing.T, rows driver.Rows) [][]string {
	t.Helper()
	var out [][]string
	types := rows.ColumnTypes()
	for rows.Next() {
		vals := make([]any, len(types))
		for i, ct := range types {
			vals[i] = reflect.New(ct.ScanType()).Interface()
		}
		if err := rows.Scan(vals...); err != nil {
			t.Fatal(err)
		}
		var row []string
		for _, v := range vals {
			switch x := reflect.ValueOf(v).Elem().Interface().(type) {
			case time.Time:
				row = append(row, x.UTC().Format("2006-01-02 15:04:05"))
			default:
				row = append(row, fmt.Sprint(x))
			}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

type chdbChecks struct {
	Migrations []chdbMigration `json:"migrations"`
	Inserts    []string        `json:"inserts"`
	// Statements must run without error (the sink's own SQL).
	Statements []string    `json:"statements"`
	Queries    []chdbQuery `json:"queries"`
}

type chdbMigration struct {
	Version    int      `json:"version"`
	MinServer  string   `json:"min_server"`
	Statements []string `json:"statements"`
}

type chdbQuery struct {
	Title   string     `json:"title"`
	SQL     string     `json:"sql"`
	Columns [][]string `json:"columns"`
	// Rows, when set, is the exact answer (as strings).
	Rows [][]string `json:"rows,omitempty"`
}

// TestEveryPanelQueryRunsOnChdb runs the same checks, and every migration
// including the production-only ones, on a current engine (chdb, through
// scripts/chdb.sh, which installs it into a project-local venv).
func TestEveryPanelQueryRunsOnChdb(t *testing.T) {
	t.Parallel()
	migs, err := clickhouse.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	var checks chdbChecks
	for _, m := range migs {
		checks.Migrations = append(checks.Migrations, chdbMigration{m.Version, m.MinServer, m.Statements})
	}
	checks.Inserts = []string{insertSQL(testMovements())}
	checks.Statements = clickhouse.MaintenanceSQL("tee", "north")
	for _, p := range dashboards.Panels() {
		q := chdbQuery{Title: p.Title, SQL: dashboards.Expand(p.SQL, from, to), Rows: expected[p.Title]}
		for _, c := range p.Columns {
			q.Columns = append(q.Columns, []string{c.Name, c.Type})
		}
		checks.Queries = append(checks.Queries, q)
	}
	data, err := json.Marshal(checks)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "checks.json")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	root, _ := filepath.Abs("../..")
	install := exec.Command(filepath.Join(root, "scripts/chdb.sh"), "install")
	if out, err := install.CombinedOutput(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("chdb install: %v\n%s", err, out)
		}
		t.Skipf("chdb cannot be installed here: %v\n%s", err, out)
	}
	out, err := exec.Command(filepath.Join(root, "scripts/chdb.sh"), "run", filepath.Join(root, "scripts/chdb_check.py"), file).CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("chdb checks failed: %v", err)
	}
}

// insertSQL is one INSERT of rows with inline values (for chdb).
func insertSQL(rows []clickhouse.Row) string {
	q := func(s string) string { return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'" }
	var vals []string
	for _, r := range rows {
		vals = append(vals, fmt.Sprintf("(%s, %s, %s, %s, %s, %d, %d, %d, %d, %s, %s, %s, %s, %d, toDateTime(%d), %d)",
			q(r.MovementID), q(r.ProductID), q(r.WarehouseID), q(r.Kind), q(r.Cause), r.OnHandDelta, r.ReservedDelta,
			r.OnHandAfter, r.ReservedAfter, q(r.OrderID), q(r.TransferID), q(r.CommandID), q(r.Reason), r.Version, r.At.Unix(), r.AtUnixMs))
	}
	return "INSERT INTO stock_movements (" + clickhouse.Columns + ") VALUES " + strings.Join(vals, ", ")
}
