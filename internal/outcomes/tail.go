// Package outcomes lets the API wait for the result of a command it
// produced: Waiters hands each outcome to whoever registered its
// correlation id; a Tail reads them from the outcomes topic from the moment
// it starts, and the orders table's view hands in decided orders
// (Waiters.OrderStored).
package outcomes

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/stockflow/stockflow/schemas"
	"github.com/stockflow/stockflow/topics"
)

// defaultFetchMaxWait bounds how long the broker holds an empty fetch; a
// fetch returns as soon as any outcome arrives, so it does not add latency.
const defaultFetchMaxWait = 500 * time.Millisecond

// Tail reads the outcomes topic and hands each outcome to its Waiters.
type Tail struct {
	client  *kgo.Client
	waiters *Waiters
}

// Start positions a consumer at the current end of every outcomes partition,
// so every outcome produced after Start returns is seen by waiters. Call
// Run to consume.
func Start(ctx context.Context, brokers []string, waiters *Waiters) (*Tail, error) {
	admin, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		return nil, fmt.Errorf("outcomes admin client: %w", err)
	}
	defer admin.Close()
	ends, err := kadm.NewClient(admin).ListEndOffsets(ctx, string(topics.Outcomes))
	if err != nil {
		return nil, fmt.Errorf("list outcome end offsets: %w", err)
	}
	if err := ends.Error(); err != nil {
		return nil, fmt.Errorf("list outcome end offsets: %w", err)
	}
	start := map[string]map[int32]kgo.Offset{string(topics.Outcomes): {}}
	ends.Each(func(o kadm.ListedOffset) {
		start[o.Topic][o.Partition] = kgo.NewOffset().At(o.Offset)
	})
	client, err := kgo.NewClient(
		kgo.SeedBrokers(brokers...),
		kgo.ConsumePartitions(start),
		kgo.FetchMaxWait(defaultFetchMaxWait),
	)
	if err != nil {
		return nil, fmt.Errorf("outcomes consumer: %w", err)
	}
	return &Tail{client: client, waiters: waiters}, nil
}

// Run consumes until ctx ends, then closes the consumer.
func (t *Tail) Run(ctx context.Context) error {
	defer t.client.Close()
	for {
		fetches := t.client.PollFetches(ctx)
		if ctx.Err() != nil {
			return nil
		}
		fetches.EachError(func(topic string, p int32, err error) {
			slog.Warn("outcomes fetch failed", "topic", topic, "partition", p, "error", err)
		})
		fetches.EachRecord(t.dispatch)
	}
}

func (t *Tail) dispatch(r *kgo.Record) {
	o, err := schemas.OutcomeCodec.Unmarshal(r.Value)
	if err != nil {
		slog.Warn("skipping undecodable outcome", "key", string(r.Key), "error", err)
		return
	}
	t.waiters.Deliver(o)
}
