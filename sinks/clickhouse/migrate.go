package clickhouse

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	ddl "github.com/stockflow/stockflow/deploy/clickhouse"
)

// Migration is one numbered schema step from deploy/clickhouse.
type Migration struct {
	// Version is the file's number (0001_… is 1).
	Version int
	// Name is the file name without number and extension.
	Name string
	// MinServer is the oldest server version ("20.3") the migration needs;
	// empty for the base schema, which runs everywhere.
	MinServer string
	// Statements run in order.
	Statements []string
}

var (
	fileName   = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.sql$`)
	minVersion = regexp.MustCompile(`(?m)^--\s*min_version:\s*(\d+(?:\.\d+)*)\s*$`)
)

// Migrations parses the embedded DDL files, in version order.
func Migrations() ([]Migration, error) {
	return parseMigrations(ddl.Files)
}

func parseMigrations(fsys fs.FS) ([]Migration, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	sort.Strings(names)
	var out []Migration
	for i, name := range names {
		m := fileName.FindStringSubmatch(path.Base(name))
		if m == nil {
			return nil, fmt.Errorf("migration file %q is not named NNNN_name.sql", name)
		}
		v, _ := strconv.Atoi(m[1])
		if v != i+1 {
			return nil, fmt.Errorf("migration %q: want version %d (versions are contiguous from 1)", name, i+1)
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read migration %q: %w", name, err)
		}
		mig := Migration{Version: v, Name: m[2], Statements: SplitStatements(string(body))}
		if mv := minVersion.FindStringSubmatch(string(body)); mv != nil {
			mig.MinServer = mv[1]
		}
		if len(mig.Statements) == 0 {
			return nil, fmt.Errorf("migration %q has no statements", name)
		}
		out = append(out, mig)
	}
	return out, nil
}

// SplitStatements drops "--" comment lines and splits on ";" at line ends.
func SplitStatements(sql string) []string {
	var b strings.Builder
	for _, line := range strings.Split(sql, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "--") {
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	var out []string
	for _, s := range strings.Split(b.String(), ";\n") {
		if s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), ";")); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// olderThan reports whether server version a ("18.16.1") is older than b ("20.3").
func olderThan(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pb); i++ {
		var x, y int
		if i < len(pa) {
			x, _ = strconv.Atoi(pa[i])
		}
		y, _ = strconv.Atoi(pb[i])
		if x != y {
			return x < y
		}
	}
	return false
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version UInt32,
    name String,
    applied_at DateTime DEFAULT now()
) ENGINE = ReplacingMergeTree
ORDER BY version`

// MigrateResult says what Migrate did.
type MigrateResult struct {
	// Server is the server's version().
	Server string
	// Applied are the versions run now; Skipped those too new for the server.
	Applied, Skipped []int
}

// Migrate applies, in order, every migration up to and including upTo
// (0: all) that schema_migrations does not record, and records each one
// after its last statement succeeds. Safe to run any number of times and
// from any earlier version.
func Migrate(ctx context.Context, conn driver.Conn, upTo int) (MigrateResult, error) {
	var res MigrateResult
	migs, err := Migrations()
	if err != nil {
		return res, err
	}
	if err := conn.QueryRow(ctx, "SELECT version()").Scan(&res.Server); err != nil {
		return res, fmt.Errorf("clickhouse version: %w", err)
	}
	if err := conn.Exec(ctx, createMigrationsTable); err != nil {
		return res, fmt.Errorf("create schema_migrations: %w", err)
	}
	done, err := appliedVersions(ctx, conn)
	if err != nil {
		return res, err
	}
	for _, m := range migs {
		if (upTo > 0 && m.Version > upTo) || done[m.Version] {
			continue
		}
		if m.MinServer != "" && olderThan(res.Server, m.MinServer) {
			res.Skipped = append(res.Skipped, m.Version)
			continue
		}
		for i, stmt := range m.Statements {
			if err := conn.Exec(ctx, stmt); err != nil {
				return res, fmt.Errorf("migration %04d_%s statement %d: %w", m.Version, m.Name, i+1, err)
			}
		}
		if err := recordMigration(ctx, conn, m); err != nil {
			return res, err
		}
		res.Applied = append(res.Applied, m.Version)
	}
	return res, nil
}

func appliedVersions(ctx context.Context, conn driver.Conn) (map[int]bool, error) {
	rows, err := conn.Query(ctx, "SELECT DISTINCT version FROM schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	defer rows.Close()
	done := map[int]bool{}
	for rows.Next() {
		var v uint32
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("read schema_migrations: %w", err)
		}
		done[int(v)] = true
	}
	return done, rows.Err()
}

func recordMigration(ctx context.Context, conn driver.Conn, m Migration) error {
	b, err := conn.PrepareBatch(ctx, "INSERT INTO schema_migrations (version, name)")
	if err != nil {
		return fmt.Errorf("record migration %d: %w", m.Version, err)
	}
	if err := b.Append(uint32(m.Version), m.Name); err != nil {
		return fmt.Errorf("record migration %d: %w", m.Version, err)
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("record migration %d: %w", m.Version, err)
	}
	return nil
}
