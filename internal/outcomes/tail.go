// Package outcomes lets the API wait for the result of a command it
// produced: a Tail reads the outcomes topic from the moment it starts and
// hands each outcome to whoever registered its correlation id.
package outcomes

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/stockflow/stockflow/schemas"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

// defaultFetchMaxWait bounds how long the broker holds an empty fetch; a
// fetch returns as soon as any outcome arrives, so it does not add latency.
const defaultFetchMaxWait = 500 * time.Millisecond

// Tail reads the outcomes topic and dispatches outcomes to waiters.
type Tail struct {
	client *kgo.Client

	mu      sync.Mutex
	waiters map[string]map[*waiter]struct{}
}

type waiter struct {
	ch chan *pb.Outcome
}

// Start positions a consumer at the current end of every outcomes partition,
// so every outcome produced after Start returns is seen. Call Run to consume.
func Start(ctx context.Context, brokers []string) (*Tail, error) {
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
	return &Tail{client: client, waiters: map[string]map[*waiter]struct{}{}}, nil
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
	t.mu.Lock()
	defer t.mu.Unlock()
	for w := range t.waiters[o.GetCorrelationId()] {
		select {
		case w.ch <- o:
		default: // the waiter has one pending outcome already; it reads the newest it needs
		}
	}
}

// Watch registers interest in outcomes for id. Register before producing the
// command, then read the channel; call stop when done.
func (t *Tail) Watch(id string) (outcomes <-chan *pb.Outcome, stop func()) {
	w := &waiter{ch: make(chan *pb.Outcome, 4)}
	t.mu.Lock()
	if t.waiters[id] == nil {
		t.waiters[id] = map[*waiter]struct{}{}
	}
	t.waiters[id][w] = struct{}{}
	t.mu.Unlock()
	return w.ch, func() {
		t.mu.Lock()
		delete(t.waiters[id], w)
		if len(t.waiters[id]) == 0 {
			delete(t.waiters, id)
		}
		t.mu.Unlock()
	}
}
