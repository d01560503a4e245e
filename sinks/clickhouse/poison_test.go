package clickhouse_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/proto"

	"github.com/stockflow/stockflow/internal/chtest"
	"github.com/stockflow/stockflow/internal/kafka"
	"github.com/stockflow/stockflow/internal/metrics"
	"github.com/stockflow/stockflow/schemas"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/sinks/clickhouse"
	"github.com/stockflow/stockflow/topics"
)

// poisonMovement is a stock-movements record the sink must dead-letter.
type poisonMovement struct {
	name  string
	key   string
	value []byte
}

func movementBytes(f func(m *pb.StockMovement)) []byte {
	m := &pb.StockMovement{MovementId: "p1@w1#1", ProductId: "p1", WarehouseId: "w1", Kind: pb.MovementKind_MOVEMENT_KIND_RESERVE,
		ReservedDelta: 1, ReservedAfter: 1, OrderId: "o1", Version: 1, AtUnixMs: 1_700_000_000_000}
	f(m)
	data, err := proto.Marshal(m)
	if err != nil {
		panic(err)
	}
	return data
}

var poisonMovements = []poisonMovement{
	{"undecodable_bytes", "p1@w1", []byte("not a protobuf \xff\xff")},
	{"an_unknown_kind", "p1@w1", movementBytes(func(m *pb.StockMovement) { m.Kind = pb.MovementKind(42) })},
	{"no_kind", "p1@w1", movementBytes(func(m *pb.StockMovement) { m.Kind = pb.MovementKind_MOVEMENT_KIND_UNSPECIFIED })},
	{"no_movement_id", "p1@w1", movementBytes(func(m *pb.StockMovement) { m.MovementId = "" })},
	{"no_product", "@w1", movementBytes(func(m *pb.StockMovement) { m.ProductId = "" })},
	{"no_version", "p1@w1", movementBytes(func(m *pb.StockMovement) { m.Version = 0 })},
	{"a_movement_on_another_levels_key", "p1@w2", movementBytes(func(*pb.StockMovement) {})},
}

func TestDecodeRefusesPoisonMovements(t *testing.T) {
	t.Parallel()
	for _, c := range poisonMovements {
		t.Run(c.name, func(t *testing.T) {
			if row, err := clickhouse.Decode(c.key, c.value); err == nil {
				t.Fatalf("decoded %+v, want an error", row)
			}
		})
	}
	t.Run("a_good_movement_decodes", func(t *testing.T) {
		row, err := clickhouse.Decode("p1@w1", movementBytes(func(*pb.StockMovement) {}))
		if err != nil || row.Kind != clickhouse.KindReserve || row.Version != 1 {
			t.Fatalf("Decode = %+v, %v", row, err)
		}
	})
	if _, err := clickhouse.Decode("p1@w2", movementBytes(func(*pb.StockMovement) {})); !errors.Is(err, clickhouse.ErrBadMovement) {
		t.Fatalf("wrong key: %v, want ErrBadMovement", err)
	}
}

func sinkDeadLetters() float64 {
	var m dto.Metric
	_ = metrics.ProcessorMessages.WithLabelValues(clickhouse.Group, string(topics.StockMovements), "dead_letter").Write(&m)
	return m.GetCounter().GetValue()
}

// Not parallel: it reads the process-wide dead-letter counter.
func TestSinkDeadLettersEachPoisonMovementAndStoresTheNext(t *testing.T) {
	addr, db, conn := chtest.Database(t)
	brokers := broker(t)
	cl, err := kafka.NewProducer(brokers, "test")
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	// Each poison record is followed by a good movement of its level.
	var good []*pb.StockMovement
	origin := map[string]*kgo.Record{} // poison case by "partition/offset"
	for i, c := range poisonMovements {
		v := int64(i + 1)
		m := &pb.StockMovement{MovementId: fmt.Sprintf("p1@w1#%d", v), ProductId: "p1", WarehouseId: "w1", Kind: pb.MovementKind_MOVEMENT_KIND_ADJUST,
			AdjustKind: pb.AdjustKind_ADJUST_KIND_RECEIVE, OnHandDelta: 1, OnHandAfter: v, Version: v, AtUnixMs: time.Now().UnixMilli()}
		good = append(good, m)
		value, err := schemas.StockMovementCodec.Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		res := cl.ProduceSync(context.Background(),
			&kgo.Record{Topic: string(topics.StockMovements), Key: []byte(c.key), Value: c.value},
			&kgo.Record{Topic: string(topics.StockMovements), Key: []byte("p1@w1"), Value: value})
		if err := res.FirstErr(); err != nil {
			t.Fatal(err)
		}
		for _, pr := range res { // results come in completion order
			if r := pr.Record; string(r.Value) == string(c.value) {
				origin[fmt.Sprintf("%d/%d", r.Partition, r.Offset)] = r
			}
		}
	}
	before := sinkDeadLetters()
	stop := runSink(t, clickhouse.Config{Brokers: brokers, Addr: addr, Database: db, BatchSize: 3, FlushInterval: 20 * time.Millisecond}, nil)
	waitStored(t, conn, uint64(len(good)))
	letters := readDeadLetters(t, brokers, len(poisonMovements)) // other partitions may come later
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	checkTotals(t, conn, good)
	if got := sinkDeadLetters() - before; got != float64(len(poisonMovements)) {
		t.Errorf("dead-letter counter rose by %v, want %d", got, len(poisonMovements))
	}
	for _, l := range letters {
		r, ok := origin[fmt.Sprintf("%d/%d", l.GetPartition(), l.GetOffset())]
		if !ok || l.GetKey() != string(r.Key) || string(l.GetValue()) != string(r.Value) || l.GetError() == "" {
			t.Errorf("dead letter %v names no poison record", l)
		}
		delete(origin, fmt.Sprintf("%d/%d", l.GetPartition(), l.GetOffset()))
	}
	if len(origin) != 0 {
		t.Errorf("%d poison records were not dead-lettered", len(origin))
	}
}

// readDeadLetters reads want dead letters, waiting up to 10 s.
func readDeadLetters(t *testing.T, brokers []string, want int) []*pb.DeadLetter {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(string(topics.DeadLetters)), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out []*pb.DeadLetter
	for len(out) < want && ctx.Err() == nil {
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
			dl, err := schemas.DeadLetterCodec.Unmarshal(r.Value)
			if err != nil || dl.GetSourceTopic() != string(topics.StockMovements) || dl.GetGroup() != clickhouse.Group {
				t.Errorf("dead letter %v: %v", dl, err)
				return
			}
			out = append(out, dl)
		})
	}
	if len(out) != want {
		t.Fatalf("%d dead letters, want %d", len(out), want)
	}
	return out
}
