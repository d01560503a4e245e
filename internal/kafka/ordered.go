package kafka

import (
	"fmt"
	"sync"

	"github.com/IBM/sarama"
	"github.com/lovoo/goka"
)

// orderedProducer resolves goka's write promises in the order the writes
// were issued, and fails every write issued after a failed one.
//
// goka marks an input message consumed once that message's own writes
// (table update and emits) are acknowledged, and sarama's marks only move
// forward. Without ordering, message N+1's acknowledgements can arrive
// first (its writes went to another broker) and mark past N while N's
// writes are still in flight; a crash then loses N's writes without N being
// replayed. With promises resolved in issue order, a marked message implies
// that every earlier message's writes landed: after a crash, everything not
// durable is replayed.
type orderedProducer struct {
	inner goka.Producer
	mu    sync.Mutex
	last  *goka.Promise
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
	prev := p.last
	p.last = out
	p.mu.Unlock()
	p.inner.EmitWithHeaders(topic, key, value, headers).ThenWithMessage(func(msg *sarama.ProducerMessage, err error) {
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

// Close flushes and closes the underlying producer.
func (p *orderedProducer) Close() error { return p.inner.Close() }
