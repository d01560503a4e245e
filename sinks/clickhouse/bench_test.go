package clickhouse_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/stockflow/stockflow/internal/chtest"
	"github.com/stockflow/stockflow/internal/kafka"
	"github.com/stockflow/stockflow/schemas"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/sinks/clickhouse"
	"github.com/stockflow/stockflow/topics"
)

// BenchmarkSinkThroughput measures movements/s from stock-movements
// (kfake, in process) into ClickHouse: b.N movements over 1,000 levels,
// all produced before the sink starts, timed until the last one is stored.
func BenchmarkSinkThroughput(b *testing.B) {
	addr, db, conn := chtest.Database(b)
	brokers := broker(b)
	ms := levelMovements(1000, max(1, b.N/1000))
	produceBulk(b, brokers, ms)
	b.ResetTimer()
	start := time.Now()
	s, err := clickhouse.New(clickhouse.Config{Brokers: brokers, Addr: addr, Database: db, FlushInterval: 200 * time.Millisecond, BatchSize: benchBatch})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	for {
		var n uint64
		_ = conn.QueryRow(ctx, "SELECT count() FROM stock_movements").Scan(&n)
		if n >= uint64(len(ms)) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	cancel()
	<-done
	b.ReportMetric(float64(len(ms))/elapsed.Seconds(), "movements/s")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkSinkFreshness measures movement time to queryable in ClickHouse
// while a background load of about 50,000 movements/s flows through the
// sink, with the default flush interval (1 s) and with 100 ms: a probe
// movement every 20 ms, and a poller that sees each one arrive.
func BenchmarkSinkFreshness(b *testing.B) {
	for _, flush := range []time.Duration{time.Second, 100 * time.Millisecond} {
		b.Run("flush_"+flush.String(), func(b *testing.B) { benchFreshness(b, flush) })
	}
}

func benchFreshness(b *testing.B, flush time.Duration) {
	addr, db, conn := chtest.Database(b)
	brokers := broker(b)
	s, err := clickhouse.New(clickhouse.Config{Brokers: brokers, Addr: addr, Database: db, FlushInterval: flush})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	cl, err := kafka.NewProducer(brokers, "bench", kgo.ProducerLinger(time.Millisecond))
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	probes := max(b.N, 100)
	sent := make([]time.Time, probes+1)
	var mu sync.Mutex
	go func() { // background load: 1,000 movements every 20 ms
		load := levelMovements(1000, 200)
		for i := 0; ctx.Err() == nil && i+1000 <= len(load); i += 1000 {
			produceAsync(cl, load[i:i+1000])
			time.Sleep(20 * time.Millisecond)
		}
	}()
	go func() {
		for v := 1; v <= probes && ctx.Err() == nil; v++ {
			now := time.Now()
			mu.Lock()
			sent[v] = now
			mu.Unlock()
			produceAsync(cl, []*pb.StockMovement{{MovementId: fmt.Sprintf("probe@w#%d", v), ProductId: "probe", WarehouseId: "w",
				Kind: pb.MovementKind_MOVEMENT_KIND_ADJUST, OnHandDelta: 1, OnHandAfter: int64(v), Version: int64(v), AtUnixMs: now.UnixMilli()}})
			time.Sleep(20 * time.Millisecond)
		}
	}()
	var lat []time.Duration
	seen := 0
	deadline := time.Now().Add(time.Duration(probes)*20*time.Millisecond + 30*time.Second)
	for seen < probes && time.Now().Before(deadline) {
		var top int64
		_ = conn.QueryRow(ctx, "SELECT max(version) FROM stock_movements WHERE product_id = 'probe' AND warehouse_id = 'w'").Scan(&top)
		now := time.Now()
		mu.Lock()
		for v := seen + 1; v <= int(top); v++ {
			lat = append(lat, now.Sub(sent[v]))
		}
		mu.Unlock()
		seen = max(seen, int(top))
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	if len(lat) == 0 {
		b.Fatal("no probe arrived")
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Milliseconds()), "p50_ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Milliseconds()), "p99_ms")
	b.ReportMetric(0, "ns/op")
}

func produceAsync(cl *kgo.Client, ms []*pb.StockMovement) {
	for _, m := range ms {
		v, _ := schemas.StockMovementCodec.Encode(m)
		cl.Produce(context.Background(), &kgo.Record{Topic: string(topics.StockMovements), Key: []byte(m.ProductId + "@" + m.WarehouseId), Value: v}, nil)
	}
}

func produceBulk(b *testing.B, brokers []string, ms []*pb.StockMovement) {
	b.Helper()
	cl, err := kafka.NewProducer(brokers, "bench", kgo.ProducerLinger(5*time.Millisecond), kgo.MaxBufferedRecords(1<<20))
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	produceAsync(cl, ms)
	if err := cl.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
}

// benchBatch is the batch size of BenchmarkSinkThroughput (the sink's default).
var benchBatch = 100_000
