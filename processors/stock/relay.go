package stock

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/proto"

	"github.com/stockflow/stockflow/internal/metrics"
	"github.com/stockflow/stockflow/schemas"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

// RelayGroup is the consumer group of the relay.
const RelayGroup = "stock-relay"

// Relay publishes what every stored stock change did: the reply to the
// saga that sent the command, the movement and the alert. It reads the
// stock table's changelog, so a change is published if and only if it was
// stored, whatever crashed when: a change whose write was lost is replayed
// by the stock processor and stored again, and a change stored before a
// crash is published even though its command is then replayed (as a no-op).
// Delivery is at least once; every output carries a stable id (command id,
// movement and alert ids "<key>#<version>") for consumers to deduplicate.
type Relay struct {
	// Consumer reads the changelog in group RelayGroup with auto-commit off
	// (see NewRelayConsumer).
	Consumer *kgo.Client
	// Producer must partition like goka (kafka.NewProducer does).
	Producer *kgo.Client
}

// RelayConsumerOpts are the franz-go options the relay's consumer needs.
func RelayConsumerOpts() []kgo.Opt {
	return []kgo.Opt{
		kgo.ConsumerGroup(RelayGroup),
		kgo.ConsumeTopics(string(topics.StockTable)),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.DisableAutoCommit(),
		kgo.FetchMaxWait(100 * time.Millisecond),
		kgo.BlockRebalanceOnPoll(),
	}
}

// Run relays until ctx ends: poll, produce every output, wait for the
// acknowledgements, then commit what was polled. A failed produce or
// commit (the broker is away) is retried with backoff, never skipped.
func (r Relay) Run(ctx context.Context) error {
	for {
		fetches := r.Consumer.PollRecords(ctx, 5000)
		if ctx.Err() != nil {
			r.Consumer.AllowRebalance()
			return nil
		}
		fetches.EachError(func(t string, p int32, err error) {
			slog.Warn("stock relay fetch error", "topic", t, "partition", p, "error", err)
		})
		recs := fetches.Records()
		retry(ctx, "publish", func() error { return r.relay(ctx, recs) })
		retry(ctx, "commit", func() error { return r.Consumer.CommitUncommittedOffsets(ctx) })
		r.Consumer.AllowRebalance()
	}
}

// retry runs fn until it succeeds or ctx ends, backing off up to 5 s.
func retry(ctx context.Context, what string, fn func() error) {
	backoff := 100 * time.Millisecond
	for {
		err := fn()
		if err == nil || ctx.Err() != nil {
			return
		}
		slog.Warn("stock relay: retrying", "step", what, "in", backoff, "error", err)
		metrics.RelayRetries.Inc()
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

func (r Relay) relay(ctx context.Context, recs []*kgo.Record) error {
	var out []*kgo.Record
	for _, rec := range recs {
		if rec.Value == nil {
			continue
		}
		changes, err := schemas.StockChangesOf(rec.Value)
		if err != nil {
			slog.Error("stock relay: undecodable changelog record", "partition", rec.Partition, "offset", rec.Offset, "error", err)
			continue
		}
		for _, c := range changes {
			out = appendChange(out, string(rec.Key), c)
		}
	}
	if len(out) == 0 {
		return nil
	}
	if err := r.Producer.ProduceSync(ctx, out...).FirstErr(); err != nil {
		return fmt.Errorf("produce %d outputs: %w", len(out), err)
	}
	metrics.RelayOutputs.Add(float64(len(out)))
	return nil
}

// appendChange adds the records one change publishes.
func appendChange(out []*kgo.Record, key string, c *pb.StockChange) []*kgo.Record {
	if r := c.GetReply(); r != nil {
		topic, replyKey := topics.StockReplies, r.GetOrderId()
		if r.GetTransferId() != "" {
			topic, replyKey = topics.TransferReplies, r.GetTransferId()
		}
		out = append(out, record(topic, replyKey, r))
	}
	if m := c.GetMovement(); m != nil {
		out = append(out, record(topics.StockMovements, key, m))
	}
	if a := c.GetAlert(); a != nil {
		out = append(out, record(topics.StockAlerts, key, a))
	}
	return out
}

func record[T interface{ ~string }](topic T, key string, m proto.Message) *kgo.Record {
	value, err := proto.Marshal(m)
	if err != nil {
		panic(errors.Join(errors.New("marshal a decoded message"), err)) // cannot happen
	}
	return &kgo.Record{Topic: string(topic), Key: []byte(key), Value: value}
}
