package kafka_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/lovoo/goka"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/stockflow/stockflow/internal/kafka"
	"github.com/stockflow/stockflow/schemas"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

// A cached view never answers an older value than its view holds: while a
// writer keeps updating a few keys, every Get of the cached view returns
// at least the version the view held just before it, and once the writes
// stop it answers the last one.
func TestACachedViewNeverAnswersOlderThanItsView(t *testing.T) {
	table := goka.GroupTable("cached")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	e, cl := embeddedTable(ctx, t, table)
	g := kafka.Goka{Brokers: e.Addrs(), StateDir: t.TempDir(), Replication: 1}
	view, err := g.NewCachedView(table, schemas.StockLevelViewCodec, "cached")
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- view.Run(runCtx) }()
	defer func() { stop(); <-done }()
	for !view.Recovered() {
		if ctx.Err() != nil {
			t.Fatal("the view did not recover in a minute")
		}
		time.Sleep(10 * time.Millisecond)
	}

	keys := []string{"a@w", "b@w", "c@w"}
	const versions = 300
	version := func(v any) int64 { l, _ := v.(*pb.StockLevel); return l.GetVersion() }
	var readers sync.WaitGroup
	stopReading := make(chan struct{})
	for r := range 4 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for i := 0; ; i++ {
				select {
				case <-stopReading:
					return
				default:
				}
				key := keys[(r+i)%len(keys)]
				held, _ := view.View.Get(key)
				got, err := view.Get(key)
				if err != nil {
					t.Error(err)
					return
				}
				if version(got) < version(held) {
					t.Errorf("%s: the cached view answered version %d after its view held %d", key, version(got), version(held))
					return
				}
			}
		}()
	}
	for v := int64(1); v <= versions; v++ {
		for _, key := range keys {
			if err := cl.ProduceSync(ctx, &kgo.Record{Key: []byte(key), Value: marshal(t, &pb.StockLevel{Version: v, OnHand: v})}).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, key := range keys {
		for held, _ := view.View.Get(key); version(held) != versions; held, _ = view.View.Get(key) {
			if ctx.Err() != nil {
				t.Fatalf("%s: the view did not reach version %d in a minute", key, versions)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	close(stopReading)
	readers.Wait()
	for _, key := range keys {
		if got, _ := view.Get(key); version(got) != versions {
			t.Errorf("%s: the cached view answers version %d, want %d", key, version(got), versions)
		}
	}
	if got, err := view.Get("absent@w"); got != nil || err != nil {
		t.Errorf("an absent key: got %v, %v; want nil, nil", got, err)
	}
}
