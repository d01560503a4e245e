package kafka_test

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/stockflow/stockflow/internal/kafka"
)

func TestGroupWatchCountsRunningMembers(t *testing.T) {
	e, admin := kafka.BrokerWithClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := kadm.NewClient(admin).CreateTopic(ctx, 1, 1, nil, "in"); err != nil {
		t.Fatal(err)
	}
	member, err := kgo.NewClient(kgo.SeedBrokers(e.Addrs()...), kgo.ConsumerGroup("stock"), kgo.ConsumeTopics("in"))
	if err != nil {
		t.Fatal(err)
	}
	defer member.Close()
	go member.PollFetches(ctx) // joins the group

	for {
		// A fresh watch each time: answers are cached for two seconds.
		got, err := kafka.NewGroupWatch(admin, []string{"stock", "orders"}).Members(ctx)
		if err == nil && got["stock"] == 1 && got["orders"] == 0 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("members = %v, %v; want stock 1, orders 0", got, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
