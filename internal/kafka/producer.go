package kafka

import (
	"context"
	"fmt"
	"hash"
	"sync"
	"time"

	"github.com/IBM/sarama"
	"github.com/lovoo/goka"
	"github.com/twmb/franz-go/pkg/kgo"
)

// producerFlushTimeout bounds how long closing a processor's producer waits
// for its buffered writes; what is still unacknowledged then fails, and its
// input is replayed at the next start.
const producerFlushTimeout = 5 * time.Second

// producerMaxBuffered bounds the writes a processor's producer holds
// unacknowledged. Past half of it (a backlog replayed faster than the
// brokers take it, or brokers away) a write waits for room, up to
// producerWaitForRoom; a write that waited that long fails, and with it
// every later one (see producer), and the processor restarts.
const (
	producerMaxBuffered = 50_000
	producerWaitForRoom = 30 * time.Second
)

// producer is goka's producer on franz-go: it writes tables' changelogs and
// processors' emits.
//
// goka's own producer (sarama's) fails a write at once when it cannot find
// the partition's leader (every broker connection cut) and then sends the
// next write to that partition as soon as it can: a later write lands
// while an earlier one is lost. A stock level recognises a saga's re-sent
// command by its stamp only if the commands one saga partition sends to
// one level land in order, so this lost an order's commit and another's
// reserve in the fault suite (docs/architecture.md, "Why each command is
// applied exactly once"). franz-go's idempotent producer retries a write
// until the brokers answer, and when it does fail one (a non-retriable
// error, or closing) it fails every write buffered behind it in that
// partition. This producer also refuses every write issued once a write
// has failed, until the processor restarts and replays them in order.
type producer struct {
	client      *kgo.Client
	maxBuffered int

	mu     sync.Mutex
	failed error
}

// producerBuilder builds the producer for a goka processor. hasher is
// goka's; the client partitions like it (GokaPartitioner).
func producerBuilder(brokers []string, clientID string, _ func() hash.Hash32) (goka.Producer, error) {
	p, err := newProducer(brokers, clientID, producerMaxBuffered)
	if err != nil {
		return nil, err
	}
	return &orderedProducer{inner: p}, nil
}

func newProducer(brokers []string, clientID string, maxBuffered int) (*producer, error) {
	client, err := kgo.NewClient(
		kgo.SeedBrokers(brokers...),
		kgo.ClientID(clientID),
		kgo.RecordPartitioner(GokaPartitioner()),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerLinger(0),
		kgo.ProducerBatchCompression(kgo.NoCompression()),
		kgo.ProduceRequestTimeout(10*time.Second),
		kgo.MaxBufferedRecords(maxBuffered),
	)
	if err != nil {
		return nil, fmt.Errorf("kafka producer: %w", err)
	}
	return &producer{client: client, maxBuffered: maxBuffered}, nil
}

// Emit writes a record; see EmitWithHeaders.
func (p *producer) Emit(topic, key string, value []byte) *goka.Promise {
	return p.EmitWithHeaders(topic, key, value, nil)
}

// EmitWithHeaders writes a record and returns a promise resolved with its
// offset once the brokers acknowledged it, or with an error. After any
// failure every later write fails without being sent.
func (p *producer) EmitWithHeaders(topic, key string, value []byte, headers goka.Headers) *goka.Promise {
	promise, finish := goka.NewPromiseWithFinisher()
	if err := p.failure(); err != nil {
		finish(nil, fmt.Errorf("not sent, an earlier write failed: %w", err))
		return promise
	}
	rec := &kgo.Record{Topic: topic, Key: []byte(key), Value: value}
	for k, v := range headers {
		rec.Headers = append(rec.Headers, kgo.RecordHeader{Key: k, Value: v})
	}
	done := func(r *kgo.Record, err error) {
		if err != nil {
			p.fail(err)
			finish(nil, fmt.Errorf("write to %s: %w", topic, err))
			return
		}
		finish(&sarama.ProducerMessage{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset}, nil)
	}
	if p.client.BufferedProduceRecords() < int64(p.maxBuffered/2) {
		p.client.TryProduce(context.Background(), rec, done)
		return promise
	}
	// Wait for room, without a timer per write on the fast path above. The
	// deadline also bounds the record's delivery once buffered.
	ctx, cancel := context.WithTimeout(context.Background(), producerWaitForRoom)
	p.client.Produce(ctx, rec, func(r *kgo.Record, err error) {
		cancel()
		done(r, err)
	})
	return promise
}

func (p *producer) failure() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.failed
}

func (p *producer) fail(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failed == nil {
		p.failed = err
	}
}

// Close waits up to producerFlushTimeout for the buffered writes, then
// closes the client, failing whatever is left.
func (p *producer) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), producerFlushTimeout)
	defer cancel()
	err := p.client.Flush(ctx)
	p.client.Close()
	if err != nil {
		return fmt.Errorf("flush the producer: %w", err)
	}
	if err := p.failure(); err != nil {
		return fmt.Errorf("a write failed: %w", err)
	}
	return nil
}
