package stock_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/proto"

	"github.com/stockflow/stockflow/internal/kafka"
	"github.com/stockflow/stockflow/processors/stock"
	"github.com/stockflow/stockflow/schemas"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

// Every change stored in the stock changelog is published, and a relay
// stopped part way resumes where it committed: nothing is missing (a
// duplicate, with the same ids, is allowed).
func TestRelayPublishesEveryStoredChangeAcrossARestart(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, string(topics.StockTable),
		string(topics.StockReplies), string(topics.TransferReplies), string(topics.StockMovements), string(topics.StockAlerts)))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	brokers := cluster.ListenAddrs()
	producer, err := kafka.NewProducer(brokers, "test")
	if err != nil {
		t.Fatal(err)
	}
	defer producer.Close()

	const changes = 300
	write := func(from, to int) {
		for v := from; v < to; v++ {
			key := fmt.Sprintf("p%d@w", v%7)
			level := &pb.StockLevel{Version: int64(v), Changes: []*pb.StockChange{{
				Reply:    &pb.StockReply{CommandId: fmt.Sprintf("c%d", v), OrderId: fmt.Sprintf("o%d", v)},
				Movement: &pb.StockMovement{MovementId: fmt.Sprintf("%s#%d", key, v)},
			}}}
			value, _ := proto.Marshal(level)
			if err := producer.ProduceSync(context.Background(), &kgo.Record{Topic: string(topics.StockTable), Key: []byte(key), Value: value}).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
	}
	runRelay := func(until func() bool) {
		consumer, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...)}, stock.RelayConsumerOpts()...)...)
		if err != nil {
			t.Fatal(err)
		}
		defer consumer.Close()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- stock.Relay{Consumer: consumer, Producer: producer}.Run(ctx) }()
		deadline := time.Now().Add(30 * time.Second)
		for !until() && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	seen := func(topic string) map[string]bool {
		cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		out := map[string]bool{}
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		for {
			fs := cl.PollFetches(ctx)
			if ctx.Err() != nil {
				return out
			}
			fs.EachRecord(func(r *kgo.Record) {
				if topic == string(topics.StockReplies) {
					m, _ := schemas.StockReplyCodec.Unmarshal(r.Value)
					out[m.GetCommandId()] = true
				} else {
					m, _ := schemas.StockMovementCodec.Unmarshal(r.Value)
					out[m.GetMovementId()] = true
				}
			})
		}
	}

	write(0, changes/2)
	runRelay(func() bool { return len(seen(string(topics.StockReplies))) >= changes/4 })
	write(changes/2, changes)
	runRelay(func() bool { return len(seen(string(topics.StockMovements))) == changes })
	if r, m := seen(string(topics.StockReplies)), seen(string(topics.StockMovements)); len(r) != changes || len(m) != changes {
		t.Fatalf("published %d replies and %d movements, want %d of each", len(r), len(m), changes)
	}
}
