package e2e_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/lovoo/goka"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/proto"

	"github.com/stockflow/stockflow/internal/kafka"
	"github.com/stockflow/stockflow/processors/timer"
	"github.com/stockflow/stockflow/topics"
)

// The scheduler's franz-go records must reach the partitions goka reads
// their keys from: each fired mark must delete its deadline, on every one
// of the six partitions.
func TestFiredDeadlinesAreDeletedOnEveryPartition(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	broker, err := kafka.StartEmbedded(kafka.EmbeddedConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer broker.Close()
	addrs := broker.Addrs()
	client, err := kafka.NewProducer(addrs, "test-timer")
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if err := topics.Ensure(ctx, kadm.NewClient(client), topics.Layout{Partitions: 6, Replication: 1}, topics.All()); err != nil {
		t.Fatal(err)
	}
	g := kafka.Goka{Brokers: addrs, StateDir: t.TempDir(), Replication: 1}
	p, err := g.NewProcessor(timer.Graph())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 2)
	go func() { done <- p.Run(ctx) }()
	runScheduler := func(s *timer.Scheduler) *goka.View {
		v, err := s.NewView(addrs, g.ViewOptions(topics.TimerTable, "test")...)
		if err != nil {
			t.Fatal(err)
		}
		go func() { done <- s.Run(ctx, v) }()
		return v
	}
	firing := &timer.Scheduler{Client: client, Interval: 20 * time.Millisecond, Refire: -1}
	runScheduler(firing)

	const n = 60
	var recs []*kgo.Record
	for i := range n {
		id := "order-" + strconv.Itoa(i)
		v, _ := proto.Marshal(timer.ScheduleCommand(id, time.Now().Add(-time.Second).UnixMilli()))
		recs = append(recs, &kgo.Record{Topic: string(topics.TimerCommands), Key: []byte(timer.Key(id)), Value: v})
	}
	if err := client.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}

	consumer, err := kgo.NewClient(kgo.SeedBrokers(addrs...), kgo.ConsumeTopics(string(topics.OrderCommands)),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	expired := map[string]bool{}
	deadline := time.Now().Add(30 * time.Second)
	for len(expired) < n && time.Now().Before(deadline) {
		pctx, pcancel := context.WithTimeout(ctx, time.Second)
		consumer.PollFetches(pctx).EachRecord(func(r *kgo.Record) { expired[string(r.Key)] = true })
		pcancel()
	}
	if len(expired) != n {
		t.Fatalf("%d of %d deadlines expired", len(expired), n)
	}

	// A scheduler started now reads the table: nothing may be left.
	fresh := &timer.Scheduler{Client: client, Interval: time.Hour}
	view := runScheduler(fresh)
	eventually(t, func() string {
		if !view.Recovered() {
			return "the table was not read in time"
		}
		if left := fresh.Len(); left > 0 {
			return strconv.Itoa(left) + " fired deadlines are still stored"
		}
		return ""
	})
	cancel()
	for range 3 {
		if err := <-done; err != nil {
			t.Errorf("stopped with: %v", err)
		}
	}
}
