package e2e_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/stockflow/stockflow/internal/chtest"
	"github.com/stockflow/stockflow/system"
)

// TestAnalyticsTotalsEqualStockLevels runs the whole system with the
// ClickHouse sink: receipts, counts, corrections, orders that are paid,
// cancelled, rejected and left to expire. Once the sink has caught up,
// ClickHouse's per product@warehouse totals equal the levels the API shows.
func TestAnalyticsTotalsEqualStockLevels(t *testing.T) {
	addr, db, conn := chtest.Database(t)
	parts := system.Parts{Embedded: true, Processors: system.ProcessorNames(), API: true, Sink: true}
	s := startWith(t, t.TempDir(), parts, func(c *system.Config) {
		c.ReservationTTL = 2 * time.Second
		c.ClickHouseAddr, c.ClickHouseDatabase = addr, db
		c.ClickHouseFlushInterval = 100 * time.Millisecond
	})
	north, south := s.warehouse("north"), s.warehouse("south")
	tee, mug := s.product("TEE"), s.product("MUG")
	shop := s.shop(north, south)
	s.receive(north, tee, 10)
	s.receive(south, tee, 4)
	s.receive(north, mug, 6)
	s.adjust(south, tee, "count", 5)
	s.adjust(north, mug, "correct", -1)

	placed := func(ls []map[string]any) order {
		t.Helper()
		status, body := s.place(shop, ls)
		if status != http.StatusCreated {
			t.Fatalf("place = %d %s", status, body)
		}
		return decode[order](t, body)
	}
	paid := placed(lines(tee, 12, mug, 2)) // splits tee across north and south
	s.mustCall(http.StatusOK, http.MethodPost, "/orders/"+paid.ID+"/pay", nil, nil)
	cancelled := placed(lines(mug, 1))
	s.mustCall(http.StatusOK, http.MethodPost, "/orders/"+cancelled.ID+"/cancel", map[string]any{"reason": "changed my mind"}, nil)
	expiring := placed(lines(tee, 1))
	// Rejected: mug is held, then released when tee cannot be had. (With an
	// Idempotency-Key the saga decides; without one the API would refuse
	// it from its stock view before anything is held.)
	if status, body := s.call(http.MethodPost, "/orders", map[string]any{"shop_id": shop, "lines": lines(mug, 1, tee, 50)}, nil, "Idempotency-Key", "rejected-1"); status != http.StatusConflict {
		t.Fatalf("place = %d %s, want 409", status, body)
	}
	waitStatus(t, s, expiring.ID, "expired")

	// /metrics shows the sink's and the processors' consumer lag.
	eventually(t, func() string {
		_, body := s.call(http.MethodGet, "/metrics", nil, nil)
		for _, want := range []string{`stockflow_consumer_group_lag{group="stock",topic="stock-commands"}`, `stockflow_consumer_group_lag{group="clickhouse-sink",topic="stock-movements"}`, "stockflow_sink_rows_written_total"} {
			if !strings.Contains(string(body), want) {
				return "/metrics has no " + want
			}
		}
		return ""
	})

	levels := map[string]level{}
	for _, p := range []string{tee, mug} {
		for _, w := range []string{north, south} {
			levels[p+"@"+w] = s.levelOf(p, w)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, kinds := clickhouseLevels(t, conn)
		diff := ""
		for k, l := range levels {
			if g := got[k]; g != [2]int64{l.OnHand, l.Reserved} {
				diff += fmt.Sprintf(" %s: clickhouse %v, api on_hand %d reserved %d;", k, g, l.OnHand, l.Reserved)
			}
		}
		// Adjustments show as receive/count/correct once the stock
		// processor fills adjust_kind, as adjust before.
		if kinds["receive"]+kinds["count"]+kinds["correct"]+kinds["adjust"] < 5 {
			diff += fmt.Sprintf(" %v adjustments, want 5;", kinds)
		}
		for _, want := range []string{"reserve", "commit", "release/cancel", "release/expire", "release/reject"} {
			if kinds[want] == 0 {
				diff += " no " + want + " movement;"
			}
		}
		if diff == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 30 s:%s", diff)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// clickhouseLevels sums the stored movements per level, and counts
// movements per kind (and cause, for releases).
func clickhouseLevels(t *testing.T, conn driver.Conn) (map[string][2]int64, map[string]uint64) {
	t.Helper()
	ctx := context.Background()
	levels := map[string][2]int64{}
	kinds := map[string]uint64{}
	rows, err := conn.Query(ctx, "SELECT product_id, warehouse_id, sum(on_hand_delta), sum(reserved_delta) FROM stock_movements FINAL GROUP BY product_id, warehouse_id")
	if err != nil {
		return levels, kinds // the sink may not have created the table yet
	}
	for rows.Next() {
		var p, w string
		var oh, r int64
		if err := rows.Scan(&p, &w, &oh, &r); err != nil {
			t.Fatal(err)
		}
		levels[p+"@"+w] = [2]int64{oh, r}
	}
	rows.Close()
	rows, err = conn.Query(ctx, "SELECT if(cause = '', toString(kind), concat(toString(kind), '/', cause)) AS k, count() FROM stock_movements FINAL GROUP BY k")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		var n uint64
		if err := rows.Scan(&k, &n); err != nil {
			t.Fatal(err)
		}
		kinds[k] = n
	}
	rows.Close()
	return levels, kinds
}

func (s *stack) adjust(warehouse, product, kind string, qty int) {
	s.t.Helper()
	s.mustCall(http.StatusOK, http.MethodPost, "/warehouses/"+warehouse+"/stock",
		map[string]any{"product_id": product, "kind": kind, "quantity": qty, "reason": "test " + kind}, nil)
}

func waitStatus(t *testing.T, s *stack, id, want string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var o order
		s.mustCall(http.StatusOK, http.MethodGet, "/orders/"+id, nil, &o)
		if o.Status == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("order %s is %s, want %s", id, o.Status, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
