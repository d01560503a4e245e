package metrics_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/stockflow/stockflow/internal/metrics"
)

func TestConsumerGroupLagIsWhatTheGroupHasNotCommitted(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "events"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumerGroup("g"), kgo.ConsumeTopics("events"),
		kgo.DisableAutoCommit(), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for range 10 {
		if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "events", Value: []byte("x")}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	var got []*kgo.Record
	pollCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for len(got) < 4 {
		got = append(got, cl.PollRecords(pollCtx, 4-len(got)).Records()...)
		if pollCtx.Err() != nil {
			t.Fatal("records not consumed")
		}
	}
	if err := cl.CommitRecords(ctx, got...); err != nil {
		t.Fatal(err)
	}
	admin, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	stop := metrics.WatchGroupLag(kadm.NewClient(admin), []string{"g"})
	defer stop()
	want := `
# HELP stockflow_consumer_group_lag Records not yet consumed by a consumer group (processors, the ClickHouse sink), by topic, summed over partitions; read from Kafka at scrape time.
# TYPE stockflow_consumer_group_lag gauge
stockflow_consumer_group_lag{group="g",topic="events"} 6
`
	if err := testutil.GatherAndCompare(metrics.Registry, strings.NewReader(want), "stockflow_consumer_group_lag"); err != nil {
		t.Fatal(err)
	}
}
