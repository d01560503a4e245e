package kafka

import (
	"fmt"
	"hash"
	"sync"

	"github.com/IBM/sarama"
	"github.com/lovoo/goka"
)

// orderedProducer resolves goka's write promises in the order the writes
// were issued, and fails every write issued after a failed one; once a
// failure is known, later writes are not even sent.
//
// goka marks an input message consumed once that message's own writes
// (table update and emits) are acknowledged, and sarama's marks only move
// forward. Without ordering, message N+1's acknowledgements can arrive
// first (its writes went to another broker) and mark past N while N's
// writes are still in flight; a crash then loses N's writes without N being
// replayed. With promises resolved in issue order, a marked message implies
// that every earlier message's writes landed: after a crash, everything not
// durable is replayed.
//
// Not sending after a known failure matters for the stock level's stamps
// (docs/architecture.md, "Why each command is applied exactly once"):
// sarama fails a write at once when it cannot find the partition's leader,
// and would deliver the next write to that partition once it can, so a
// saga's later command could land where an earlier one was lost.
type orderedProducer struct {
	inner  goka.Producer
	mu     sync.Mutex
	last   *goka.Promise
	failed error // the first failed write's error
}

// orderedProducerBuilder wraps goka's default producer builder.
func orderedProducerBuilder(brokers []string, clientID string, hasher func() hash.Hash32) (goka.Producer, error) {
	inner, err := goka.DefaultProducerBuilder(brokers, clientID, hasher)
	if err != nil {
		return nil, err
	}
	return &orderedProducer{inner: inner}, nil
}

// Emit sends a message; see EmitWithHeaders.
func (p *orderedProducer) Emit(topic, key string, value []byte) *goka.Promise {
	return p.EmitWithHeaders(topic, key, value, nil)
}

// EmitWithHeaders sends a message and returns a promise that resolves once
// it and every earlier message are acknowledged.
func (p *orderedProducer) EmitWithHeaders(topic, key string, value []byte, headers goka.Headers) *goka.Promise {
	out, finish := goka.NewPromiseWithFinisher()
	p.mu.Lock()
	prev, failed := p.last, p.failed
	p.last = out
	p.mu.Unlock()
	if failed != nil {
		finish(nil, fmt.Errorf("not sent, an earlier write failed: %w", failed))
		return out
	}
	p.inner.EmitWithHeaders(topic, key, value, headers).ThenWithMessage(func(msg *sarama.ProducerMessage, err error) {
		if err != nil {
			p.fail(err)
		}
		if prev == nil {
			finish(msg, err)
			return
		}
		prev.Then(func(prevErr error) {
			if err == nil && prevErr != nil {
				err = fmt.Errorf("an earlier write failed: %w", prevErr)
			}
			finish(msg, err)
		})
	})
	return out
}

func (p *orderedProducer) fail(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failed == nil {
		p.failed = err
	}
}

// Close flushes and closes the underlying producer.
func (p *orderedProducer) Close() error { return p.inner.Close() }
