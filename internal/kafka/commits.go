package kafka

import (
	"hash"
	"sync/atomic"

	"github.com/lovoo/goka"
)

// commitsAfterWrites keeps a processor's consumed offsets behind its
// writes: a message is marked consumed only once every write issued
// before it, by any message, is acknowledged.
//
// goka marks a message consumed once its own writes are acknowledged, and
// one that writes nothing (a retried place of a pending order, an expiry
// of a closed one, a reply already applied) as soon as its callback
// returns; sarama's marks only move forward. The ordered producer resolves
// writes in issue order, so a message with writes cannot mark past an
// earlier one still in flight, but a message without writes could: if the
// earlier message's writes then failed (a broker killed), the processor
// restarted past it, and that message was never applied. That is most
// likely how a fault run lost a placed order (never stored, nothing
// reserved, at a broker kill).
//
// Each message's commit therefore also waits for the latest write issued
// before its callback ran (goka's DeferCommit), which resolves once it and
// every earlier write are acknowledged, and fails with them.
type commitsAfterWrites struct {
	producer atomic.Pointer[orderedProducer] // the processor's current one (a restart builds another)
}

// build is the processor's goka.ProducerBuilder: an ordered producer,
// remembered for the context wrapper.
func (c *commitsAfterWrites) build(brokers []string, clientID string, hasher func() hash.Hash32) (goka.Producer, error) {
	inner, err := goka.DefaultProducerBuilder(brokers, clientID, hasher)
	if err != nil {
		return nil, err
	}
	p := newOrderedProducer(inner)
	c.producer.Store(p)
	return p, nil
}

// wrap is the processor's goka.ContextWrapper: it runs before each
// callback and defers the message's commit until the writes issued before
// it are acknowledged.
func (c *commitsAfterWrites) wrap(ctx goka.Context) goka.Context {
	p := c.producer.Load()
	if p == nil {
		return ctx
	}
	if earlier := p.latest(); earlier != nil {
		earlier.Then(ctx.DeferCommit())
	}
	return ctx
}
