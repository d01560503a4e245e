package kafka_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/lovoo/goka"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/proto"

	"github.com/stockflow/stockflow/internal/kafka"
	"github.com/stockflow/stockflow/schemas"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

// The fence's versions: a level's applied_offset (field 9), an order's
// applied_offsets (field 4).
var (
	levelVersion = kafka.Int64Field(9)
	orderVersion = kafka.Int64Map(4)
)

func marshal(t *testing.T, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVersionsAreReadFromTheStoredValues(t *testing.T) {
	t.Parallel()
	level := marshal(t, &pb.StockLevel{ProductId: "p", OnHand: 3, Version: 7, AppliedOffset: 110, Sources: map[string]int64{"x": 5}})
	if v, err := levelVersion(level); err != nil || v[""] != 110 {
		t.Fatalf("level version %v, %v; want 110", v, err)
	}
	order := marshal(t, &pb.OrderState{Order: &pb.Order{Id: "o1", Version: 4}, AppliedOffsets: map[string]int64{"order-commands": 12, "stock-replies": 40}})
	if v, err := orderVersion(order); err != nil || len(v) != 2 || v["order-commands"] != 12 || v["stock-replies"] != 40 {
		t.Fatalf("order version %v, %v", v, err)
	}
	if _, err := levelVersion([]byte{0xff, 0xff}); err == nil {
		t.Fatal("a malformed value has a version")
	}
}

// levelAt is a stored level that applied the command at offset applied.
func levelAt(t *testing.T, applied, onHand int64) []byte {
	return marshal(t, &pb.StockLevel{ProductId: "p", WarehouseId: "w", OnHand: onHand, AppliedOffset: applied})
}

func orderAt(t *testing.T, commands, replies int64) []byte {
	return marshal(t, &pb.OrderState{Order: &pb.Order{Id: "o1"}, AppliedOffsets: map[string]int64{"order-commands": commands, "stock-replies": replies}})
}

func TestTheFenceSkipsOnlyRecordsOlderThanTheStoredValue(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name           string
		stored, record []byte
		version        kafka.VersionOf
		skipped        bool
	}{
		{"a later level", levelAt(t, 105, 1), levelAt(t, 110, 2), levelVersion, false},
		{"the same level again", levelAt(t, 110, 2), levelAt(t, 110, 2), levelVersion, false},
		{"an older level (a late write)", levelAt(t, 110, 2), levelAt(t, 105, 1), levelVersion, true},
		{"an order older in one input, the same in the other", orderAt(t, 12, 40), orderAt(t, 12, 39), orderVersion, true},
		{"an order older in both inputs", orderAt(t, 12, 40), orderAt(t, 11, 39), orderVersion, true},
		{"an order further in one input, behind in the other", orderAt(t, 12, 40), orderAt(t, 13, 39), orderVersion, false},
		{"an order that applied nothing yet from an input the stored one did", orderAt(t, 12, 40),
			marshal(t, &pb.OrderState{AppliedOffsets: map[string]int64{"stock-replies": 40}}), orderVersion, true},
		{"an unreadable record applies", levelAt(t, 110, 2), []byte{0xff}, levelVersion, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := kafka.Older(tc.version, tc.record, tc.stored); got != tc.skipped {
				t.Fatalf("skipped %v, want %v", got, tc.skipped)
			}
		})
	}
}

// A replaced instance's late write lands in the changelog after the new
// owner's newer value of the same key. A view, and a processor restoring
// its table, keep the newer value; without the fence they take the last.
func TestRestoresAndViewsKeepTheNewestValueWhenALateWriteLandsLast(t *testing.T) {
	const group, input = goka.Group("fence"), "fence-input"
	table := goka.GroupTable(group)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	brokers := tableHolding(ctx, t, table, []*kgo.Record{
		{Key: []byte("p@w"), Value: levelAt(t, 110, 5)}, // the new owner's
		{Key: []byte("p@w"), Value: levelAt(t, 105, 9)}, // the replaced instance's, late
	}, input)

	for _, fenced := range []bool{true, false} {
		g := kafka.Goka{Brokers: brokers, StateDir: t.TempDir(), Replication: 1}
		want := int64(9) // the last record
		if fenced {
			g.Versions, want = kafka.Versions{table: levelVersion}, 5
		}
		view, err := g.NewView(table, schemas.StockLevelCodec, "fence")
		if err != nil {
			t.Fatal(err)
		}
		graph := goka.DefineGroup(group,
			goka.Input(input, schemas.StockLevelCodec, func(goka.Context, any) {}),
			goka.Persist(schemas.StockLevelCodec))
		proc, err := g.NewProcessor(graph)
		if err != nil {
			t.Fatal(err)
		}
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan error, 2)
		go func() { done <- view.Run(runCtx) }()
		go func() { done <- proc.Run(runCtx) }()
		for !view.Recovered() || !proc.Recovered() {
			if ctx.Err() != nil {
				t.Fatal("the view and the processor did not recover in a minute")
			}
			time.Sleep(10 * time.Millisecond)
		}
		fromView, _ := view.Get("p@w")
		fromProc, _ := proc.Get("p@w")
		stop()
		<-done
		<-done
		for who, v := range map[string]any{"view": fromView, "processor": fromProc} {
			if l, _ := v.(*pb.StockLevel); l.GetOnHand() != want {
				t.Errorf("fenced %v: the %s holds on_hand %d, want %d", fenced, who, l.GetOnHand(), want)
			}
		}
	}
}

// embeddedTable starts kfake with table and the other topics (one
// partition each) and returns it with a client producing to table; both
// close when t ends.
func embeddedTable(ctx context.Context, t *testing.T, table goka.Table, others ...string) (*kafka.Embedded, *kgo.Client) {
	t.Helper()
	e, cl := kafka.BrokerWithClient(t, kgo.DefaultProduceTopic(string(table)))
	if _, err := kadm.NewClient(cl).CreateTopics(ctx, 1, 1, nil, append([]string{string(table)}, others...)...); err != nil {
		t.Fatal(err)
	}
	return e, cl
}

// tableHolding starts kfake with table, whose changelog holds records in
// order, and the other topics (see embeddedTable); it returns the brokers.
func tableHolding(ctx context.Context, t *testing.T, table goka.Table, records []*kgo.Record, others ...string) []string {
	t.Helper()
	e, cl := embeddedTable(ctx, t, table, others...)
	if err := cl.ProduceSync(ctx, records...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	return e.Addrs()
}

// An observed view tells of every value it stores, and only those: not a
// late write the fence skips, nor a tombstone.
func TestAnObservedViewTellsOfTheValuesItStores(t *testing.T) {
	table := goka.GroupTable("observed")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	newer, late, last := levelAt(t, 110, 5), levelAt(t, 105, 9), levelAt(t, 120, 7)
	brokers := tableHolding(ctx, t, table, []*kgo.Record{
		{Key: []byte("p@w"), Value: newer},
		{Key: []byte("p@w"), Value: late}, // a replaced instance's, skipped
		{Key: []byte("q@w"), Value: newer},
		{Key: []byte("q@w")}, // a tombstone
		{Key: []byte("p@w"), Value: last},
	})
	g := kafka.Goka{Brokers: brokers, StateDir: t.TempDir(), Replication: 1, Versions: kafka.Versions{table: levelVersion}}
	var mu sync.Mutex
	var told []string
	view, err := g.NewObservedView(table, schemas.StockLevelCodec, "observed", func(key string, value []byte) {
		mu.Lock()
		defer mu.Unlock()
		told = append(told, fmt.Sprintf("%s=%x", key, value))
	})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- view.Run(runCtx) }()
	for !view.Recovered() {
		if ctx.Err() != nil {
			t.Fatal("the view did not recover in a minute")
		}
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	<-done
	want := []string{fmt.Sprintf("p@w=%x", newer), fmt.Sprintf("q@w=%x", newer), fmt.Sprintf("p@w=%x", last)}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(told, want) {
		t.Fatalf("told of %v, want %v", told, want)
	}
}
