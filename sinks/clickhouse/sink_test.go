package clickhouse_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/stockflow/stockflow/internal/chtest"
	"github.com/stockflow/stockflow/internal/kafka"
	"github.com/stockflow/stockflow/schemas"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/sinks/clickhouse"
	"github.com/stockflow/stockflow/topics"
)

// broker is a kfake cluster with the sink's topics.
func broker(t testing.TB) []string {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(6, string(topics.StockMovements), string(topics.DeadLetters)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c.ListenAddrs()
}

// levelMovements returns n movements per level over levels levels:
// receive 100, then alternately reserve 3 and commit 3.
func levelMovements(levels, n int) []*pb.StockMovement {
	var out []*pb.StockMovement
	for l := 0; l < levels; l++ {
		p, w := fmt.Sprintf("p%d", l), fmt.Sprintf("w%d", l%3)
		var onHand, reserved int64
		for v := int64(1); v <= int64(n); v++ {
			m := &pb.StockMovement{MovementId: fmt.Sprintf("%s@%s#%d", p, w, v), ProductId: p, WarehouseId: w, Version: v, AtUnixMs: time.Now().UnixMilli()}
			switch {
			case v == 1:
				m.Kind, m.AdjustKind, m.OnHandDelta = pb.MovementKind_MOVEMENT_KIND_ADJUST, pb.AdjustKind_ADJUST_KIND_RECEIVE, 1000
			case v%2 == 0:
				m.Kind, m.ReservedDelta, m.OrderId = pb.MovementKind_MOVEMENT_KIND_RESERVE, 3, fmt.Sprintf("o%d", v)
			default:
				m.Kind, m.OnHandDelta, m.ReservedDelta, m.OrderId = pb.MovementKind_MOVEMENT_KIND_COMMIT, -3, -3, fmt.Sprintf("o%d", v-1)
			}
			onHand += m.OnHandDelta
			reserved += m.ReservedDelta
			m.OnHandAfter, m.ReservedAfter = onHand, reserved
			out = append(out, m)
		}
	}
	return out
}

func produce(t *testing.T, brokers []string, ms []*pb.StockMovement, raw ...[]byte) {
	t.Helper()
	cl, err := kafka.NewProducer(brokers, "test", kgo.ProducerLinger(5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var recs []*kgo.Record
	for _, m := range ms {
		v, err := schemas.StockMovementCodec.Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, &kgo.Record{Topic: string(topics.StockMovements), Key: []byte(m.ProductId + "@" + m.WarehouseId), Value: v})
	}
	for _, r := range raw {
		recs = append(recs, &kgo.Record{Topic: string(topics.StockMovements), Key: []byte("bad@key"), Value: r})
	}
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

// runSink runs a sink until the returned stop is called; stop returns Run's error.
func runSink(t *testing.T, cfg clickhouse.Config, hook func() error) func() error {
	t.Helper()
	s, err := clickhouse.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if hook != nil {
		clickhouse.SetAfterInsert(s, hook)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var stopped bool
	var runErr error
	stop := func() error {
		if !stopped {
			stopped = true
			cancel()
			runErr = <-done
		}
		return runErr
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

// stored counts rows (duplicates included) and distinct movements.
func stored(t *testing.T, conn driver.Conn) (rows, distinct uint64) {
	t.Helper()
	if err := conn.QueryRow(context.Background(), "SELECT count(), uniqExact(movement_id) FROM stock_movements").Scan(&rows, &distinct); err != nil {
		return 0, 0 // the table may not exist yet
	}
	return rows, distinct
}

func waitStored(t *testing.T, conn driver.Conn, want uint64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, d := stored(t, conn); d >= want {
			return
		}
		if time.Now().After(deadline) {
			_, d := stored(t, conn)
			t.Fatalf("%d movements stored, want %d", d, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func checkTotals(t *testing.T, conn driver.Conn, ms []*pb.StockMovement) {
	t.Helper()
	want := map[string][2]int64{}
	for _, m := range ms {
		k := m.ProductId + "@" + m.WarehouseId
		want[k] = [2]int64{want[k][0] + m.OnHandDelta, want[k][1] + m.ReservedDelta}
	}
	// Both ways of reading stay exact: the raw table with FINAL, and the
	// per-minute aggregate without it.
	for _, q := range []string{
		"SELECT product_id, warehouse_id, sum(on_hand_delta), sum(reserved_delta) FROM stock_movements FINAL GROUP BY product_id, warehouse_id",
		"SELECT product_id, warehouse_id, sum(on_hand_change), sum(reserved_change) FROM movements_by_minute GROUP BY product_id, warehouse_id",
	} {
		rows, err := conn.Query(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][2]int64{}
		for rows.Next() {
			var p, w string
			var oh, r int64
			if err := rows.Scan(&p, &w, &oh, &r); err != nil {
				t.Fatal(err)
			}
			got[p+"@"+w] = [2]int64{oh, r}
		}
		rows.Close()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%s:\n got %v\nwant %v", q, got, want)
		}
	}
}

func TestSinkStoresEveryMovementOnceAndDeadLettersPoison(t *testing.T) {
	t.Parallel()
	addr, db, conn := chtest.Database(t)
	brokers := broker(t)
	ms := levelMovements(20, 25)
	produce(t, brokers, ms, []byte("not a protobuf \xff\xff"))
	// Redelivered copies, as a producer retry would write them.
	produce(t, brokers, ms[:100])
	stop := runSink(t, clickhouse.Config{Brokers: brokers, Addr: addr, Database: db, BatchSize: 97, FlushInterval: 50 * time.Millisecond}, nil)
	waitStored(t, conn, uint64(len(ms)))
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if rows, distinct := stored(t, conn); rows != distinct {
		t.Fatalf("%d rows for %d movements: duplicates inserted", rows, distinct)
	}
	checkTotals(t, conn, ms)
	if n := deadLetters(t, brokers, 1); n != 1 {
		t.Fatalf("%d dead letters, want 1", n)
	}
}

func TestSinkKilledBetweenInsertAndCommitCountsNothingTwice(t *testing.T) {
	t.Parallel()
	addr, db, conn := chtest.Database(t)
	brokers := broker(t)
	ms := levelMovements(10, 40)
	produce(t, brokers, ms)
	cfg := clickhouse.Config{Brokers: brokers, Addr: addr, Database: db, BatchSize: 150, FlushInterval: 50 * time.Millisecond}
	crash := errors.New("killed before commit")
	var batches atomic.Int32
	stop := runSink(t, cfg, func() error {
		if batches.Add(1) == 2 {
			return crash
		}
		return nil
	})
	// The first run stores two batches, commits one, and dies.
	deadline := time.Now().Add(30 * time.Second)
	for batches.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if err := stop(); !errors.Is(err, crash) {
		t.Fatalf("first run ended with %v, want the crash", err)
	}
	if _, d := stored(t, conn); d == 0 || d >= uint64(len(ms)) {
		t.Fatalf("%d of %d stored after the crash: the test wants a partial run", d, len(ms))
	}
	// The restarted sink reads the uncommitted batch again.
	stop = runSink(t, cfg, nil)
	waitStored(t, conn, uint64(len(ms)))
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if rows, distinct := stored(t, conn); rows != distinct || distinct != uint64(len(ms)) {
		t.Fatalf("%d rows, %d movements, want %d of each", rows, distinct, len(ms))
	}
	checkTotals(t, conn, ms)
}

// deadLetters reads the dead letters, waiting up to 10 s for want of them.
func deadLetters(t *testing.T, brokers []string, want int) int {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(string(topics.DeadLetters)), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n := 0
	for n < want {
		f := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return n
		}
		f.EachRecord(func(r *kgo.Record) {
			dl, err := schemas.DeadLetterCodec.Unmarshal(r.Value)
			if err != nil || dl.GetSourceTopic() != string(topics.StockMovements) || dl.GetGroup() != clickhouse.Group {
				t.Errorf("dead letter %v: %v", dl, err)
			}
			n++
		})
	}
	return n
}
