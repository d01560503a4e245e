package kafka

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/IBM/sarama"
	"github.com/lovoo/goka"
)

// orderedProducer resolves goka's write promises in the order the writes
// were issued, fails every write issued after a failed one, and sends a
// processor's emits only once the table writes issued before them are
// acknowledged.
//
// goka marks an input message consumed once that message's own writes
// (table update and emits) are acknowledged, and sarama's marks only move
// forward. Without ordering, message N+1's acknowledgements can arrive
// first (its writes went to another broker) and mark past N while N's
// writes are still in flight; a crash then loses N's writes without N being
// replayed. With promises resolved in issue order, and a message that
// writes nothing waiting for the writes before it (commitsAfterWrites), a
// marked message implies that every earlier message's writes landed: after
// a crash, everything not durable is replayed.
//
// Not sending after a known failure matters for the stock level's stamps
// (docs/architecture.md, "Why each command is applied exactly once"):
// sarama fails a write at once when it cannot find the partition's leader,
// and would deliver the next write to that partition once it can, so a
// saga's later command could land where an earlier one was lost.
//
// Emits wait for the state (an outbox without the extra hop): a saga's
// commands, outcomes and events leave only once the state that decided
// them is stored. Otherwise a crash could land a command whose state write
// was lost; the input is then applied again, perhaps after a reply from
// the other input topic that the first run had not seen yet (goka does
// not order a key's inputs across topics) or later on the clock, and
// decided differently: a hold released twice, or a reserve nobody
// releases. With the barrier, a command that landed has its state stored,
// and a replay re-sends it from there, with its stamp (redrive).
type orderedProducer struct {
	inner goka.Producer

	mu     sync.Mutex
	last   *goka.Promise // the latest write's
	stored *goka.Promise // resolves once the latest table write and every earlier one are acknowledged
	failed error         // the first failed write's error

	held     chan *heldEmit // emits waiting for their table writes, in issue order
	heldDone chan struct{}
	sendMu   sync.Mutex // guards closed: held emits are not sent once closed
	closed   bool
}

// heldEmit is an emit waiting until ready is closed (its barrier, the
// table writes issued before it, resolved with err).
type heldEmit struct {
	ready  chan struct{}
	err    error
	send   func()
	finish goka.PromiseFinisher
}

// heldEmits bounds the emits waiting for their state; the processor
// waits when there are more.
const heldEmits = 4096

func newOrderedProducer(inner goka.Producer) *orderedProducer {
	p := &orderedProducer{inner: inner, held: make(chan *heldEmit, heldEmits), heldDone: make(chan struct{})}
	go p.sendHeld()
	return p
}

// latest is the promise of the latest write issued (nil before the
// first): it resolves once that write and every earlier one are
// acknowledged, failing if any failed.
func (p *orderedProducer) latest() *goka.Promise {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.last
}

// Emit sends a message; see EmitWithHeaders.
func (p *orderedProducer) Emit(topic, key string, value []byte) *goka.Promise {
	return p.EmitWithHeaders(topic, key, value, nil)
}

// EmitWithHeaders sends a message and returns a promise that resolves once
// it and every earlier message are acknowledged. A table write is sent at
// once; any other write once the table writes issued before it are
// acknowledged.
func (p *orderedProducer) EmitWithHeaders(topic, key string, value []byte, headers goka.Headers) *goka.Promise {
	out, finish := goka.NewPromiseWithFinisher()
	table := strings.HasSuffix(topic, string(goka.GroupTable("")))
	// A table write's stored promise resolves once it and every earlier
	// table write are acknowledged. Emits in between are not waited for:
	// held emits would otherwise wait for each other's acknowledgements,
	// one round trip each.
	var stored *goka.Promise
	var finishStored goka.PromiseFinisher
	if table {
		stored, finishStored = goka.NewPromiseWithFinisher()
	}
	p.mu.Lock()
	prev, failed, barrier := p.last, p.failed, p.stored
	p.last = out
	if table {
		p.stored = stored
	}
	p.mu.Unlock()
	if failed != nil {
		err := fmt.Errorf("not sent, an earlier write failed: %w", failed)
		if table {
			finishStored(nil, err)
		}
		finish(nil, err)
		return out
	}
	send := func() {
		p.inner.EmitWithHeaders(topic, key, value, headers).ThenWithMessage(func(msg *sarama.ProducerMessage, err error) {
			if err != nil {
				p.fail(err)
			}
			if table {
				after(barrier, finishStored, msg, err)
			}
			after(prev, finish, msg, err)
		})
	}
	if table || barrier == nil {
		send()
		return out
	}
	h := &heldEmit{ready: make(chan struct{}), send: send, finish: finish}
	barrier.Then(func(err error) {
		h.err = err
		close(h.ready)
	})
	p.held <- h
	return out
}

// after resolves finish with a write's outcome once prev (an earlier
// write's promise, if any) has resolved too, failing it if prev failed.
func after(prev *goka.Promise, finish goka.PromiseFinisher, msg *sarama.ProducerMessage, err error) {
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
}

// sendHeld sends the held emits in issue order, each once its table
// writes are acknowledged; none once a write failed or the producer closed.
func (p *orderedProducer) sendHeld() {
	defer close(p.heldDone)
	for h := range p.held {
		<-h.ready
		p.mu.Lock()
		failed := p.failed
		p.mu.Unlock()
		if failed == nil && h.err != nil {
			p.fail(h.err)
			failed = h.err
		}
		p.sendMu.Lock()
		switch {
		case failed != nil:
			h.finish(nil, fmt.Errorf("not sent, an earlier write failed: %w", failed))
		case p.closed:
			h.finish(nil, errors.New("not sent, the producer is closed"))
		default:
			h.send()
		}
		p.sendMu.Unlock()
	}
}

func (p *orderedProducer) fail(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failed == nil {
		p.failed = err
	}
}

// Close flushes and closes the underlying producer; emits still held then
// are not sent.
func (p *orderedProducer) Close() error {
	p.sendMu.Lock()
	p.closed = true
	p.sendMu.Unlock()
	err := p.inner.Close()
	close(p.held)
	<-p.heldDone
	return err
}
