package clickhouse

import (
	"context"
	"fmt"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// maxTracked bounds the stored-version cache; past it the cache starts
// over and refills from ClickHouse as keys come back.
const maxTracked = 1 << 20

// stored remembers, per level ("<product>@<warehouse>"), the highest
// movement version ClickHouse holds. Movements of one level arrive in
// version order (they share a partition), so a movement at or below it is
// a redelivery: skipping it keeps every insert, and so every materialized
// view, free of duplicates. Levels not in the cache are looked up before
// the batch is inserted; after a failed insert (which may have landed) the
// batch's levels are forgotten and looked up again.
type stored struct {
	conn driver.Conn
	max  map[string]int64
}

func newStored(conn driver.Conn) *stored {
	return &stored{conn: conn, max: map[string]int64{}}
}

// fresh returns the rows of batch not yet stored, in order, after looking
// up the levels it does not know.
func (s *stored) fresh(ctx context.Context, batch []Row) ([]Row, error) {
	if err := s.lookup(ctx, batch); err != nil {
		return nil, err
	}
	seen := map[string]int64{}
	out := batch[:0:0]
	for _, r := range batch {
		k := r.key()
		top, ok := seen[k]
		if !ok {
			top = s.max[k]
		}
		if r.Version <= top {
			continue
		}
		seen[k] = r.Version
		out = append(out, r)
	}
	return out, nil
}

// commit records rows as stored.
func (s *stored) commit(rows []Row) {
	if len(s.max) > maxTracked {
		s.max = map[string]int64{}
	}
	for _, r := range rows {
		if r.Version > s.max[r.key()] {
			s.max[r.key()] = r.Version
		}
	}
}

// forget drops the batch's levels, so the next fresh looks them up.
func (s *stored) forget(batch []Row) {
	for _, r := range batch {
		delete(s.max, r.key())
	}
}

func (s *stored) lookup(ctx context.Context, batch []Row) error {
	var tuples []string
	asked := map[string]bool{}
	for _, r := range batch {
		k := r.key()
		if _, ok := s.max[k]; ok || asked[k] {
			continue
		}
		asked[k] = true
		tuples = append(tuples, "("+quote(r.ProductID)+", "+quote(r.WarehouseID)+")")
	}
	for start := 0; start < len(tuples); start += 1000 {
		end := min(start+1000, len(tuples))
		if err := s.query(ctx, tuples[start:end]); err != nil {
			return err
		}
	}
	for k := range asked {
		if _, ok := s.max[k]; !ok {
			s.max[k] = 0
		}
	}
	return nil
}

func (s *stored) query(ctx context.Context, tuples []string) error {
	q := fmt.Sprintf(lookupVersions, strings.Join(tuples, ", "))
	rows, err := s.conn.Query(ctx, q)
	if err != nil {
		return fmt.Errorf("look up stored versions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p, w string
		var v int64
		if err := rows.Scan(&p, &w, &v); err != nil {
			return fmt.Errorf("look up stored versions: %w", err)
		}
		s.max[p+"@"+w] = v
	}
	return rows.Err()
}

// lookupVersions finds the highest stored version of the levels in %s.
const lookupVersions = "SELECT product_id, warehouse_id, max(version) FROM stock_movements WHERE (product_id, warehouse_id) IN (%s) GROUP BY product_id, warehouse_id"

// quote is a ClickHouse string literal.
func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
