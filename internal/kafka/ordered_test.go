package kafka

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/lovoo/goka"
)

// manualProducer returns promises the test finishes in any order.
type manualProducer struct {
	mu       sync.Mutex
	finishes []goka.PromiseFinisher
	topics   []string
}

func (m *manualProducer) Emit(topic, key string, value []byte) *goka.Promise {
	return m.EmitWithHeaders(topic, key, value, nil)
}

func (m *manualProducer) EmitWithHeaders(topic string, _ string, _ []byte, _ goka.Headers) *goka.Promise {
	p, finish := goka.NewPromiseWithFinisher()
	m.mu.Lock()
	m.finishes = append(m.finishes, finish)
	m.topics = append(m.topics, topic)
	m.mu.Unlock()
	return p
}

func (m *manualProducer) Close() error { return nil }

// finish is the finisher of the i-th write (under the lock: the ordered
// producer's sender goroutine may be appending one).
func (m *manualProducer) finish(i int) goka.PromiseFinisher {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.finishes[i]
}

// topics sent so far.
func (m *manualProducer) sent() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.topics)
}

// waitSent waits until n writes reached the producer.
func (m *manualProducer) waitSent(t *testing.T, n int) []string {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); len(m.sent()) < n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d writes sent, want %d", len(m.sent()), n)
		}
	}
	return m.sent()
}

func TestOrderedProducerResolvesWritesInTheOrderTheyWereIssued(t *testing.T) {
	inner := &manualProducer{}
	p := newOrderedProducer(inner)
	defer p.Close()
	var mu sync.Mutex
	var resolved []int
	var errs []error
	for i := range 4 {
		p.Emit("t", "k", nil).Then(func(err error) {
			mu.Lock()
			resolved, errs = append(resolved, i), append(errs, err)
			mu.Unlock()
		})
	}
	boom := errors.New("broker refused")
	inner.finish(3)(&sarama.ProducerMessage{}, nil)
	inner.finish(1)(&sarama.ProducerMessage{}, boom)
	if len(resolved) != 0 {
		t.Fatalf("resolved %v before the first write was acknowledged", resolved)
	}
	inner.finish(0)(&sarama.ProducerMessage{}, nil)
	inner.finish(2)(&sarama.ProducerMessage{}, nil)
	if !slices.Equal(resolved, []int{0, 1, 2, 3}) {
		t.Fatalf("resolved in order %v, want 0 1 2 3", resolved)
	}
	if errs[0] != nil || !errors.Is(errs[1], boom) || !errors.Is(errs[2], boom) || !errors.Is(errs[3], boom) {
		t.Fatalf("errors %v: every write after a failed one must fail too", errs)
	}
}

// TestOrderedProducerSendsNothingOnceAWriteFailed: a write issued after a
// known failure is not handed to sarama, so it cannot land where the failed
// one did not.
func TestOrderedProducerSendsNothingOnceAWriteFailed(t *testing.T) {
	inner := &manualProducer{}
	p := newOrderedProducer(inner)
	defer p.Close()
	p.Emit("t", "k", nil)
	boom := errors.New("client has run out of available brokers")
	inner.finish(0)(nil, boom)
	var got error
	p.Emit("t", "k", nil).Then(func(err error) { got = err })
	if len(inner.finishes) != 1 {
		t.Fatalf("%d writes reached sarama, want only the one before the failure", len(inner.finishes))
	}
	if !errors.Is(got, boom) {
		t.Fatalf("the later write resolved with %v, want the earlier failure", got)
	}
}

// An emit (a command, an outcome, an event) is sent only once the table
// write issued before it (the state that decided it) is acknowledged;
// table writes are not held.
func TestOrderedProducerSendsEmitsOnlyOnceTheirStateIsStored(t *testing.T) {
	inner := &manualProducer{}
	p := newOrderedProducer(inner)
	defer p.Close()
	p.Emit("orders-table", "o1", nil)
	p.Emit("stock-commands", "p@w", nil)
	p.Emit("orders-table", "o2", nil)
	p.Emit("outcomes", "o2", nil)
	time.Sleep(20 * time.Millisecond) // the held emits have had their chance to leave
	if got := inner.sent(); !slices.Equal(got, []string{"orders-table", "orders-table"}) {
		t.Fatalf("sent %v before any state write was acknowledged, want only the two table writes", got)
	}
	inner.finish(0)(&sarama.ProducerMessage{}, nil)
	if got := inner.waitSent(t, 3); !slices.Equal(got, []string{"orders-table", "orders-table", "stock-commands"}) {
		t.Fatalf("sent %v once o1's state was stored, want its command next", got)
	}
	inner.finish(1)(&sarama.ProducerMessage{}, nil)
	inner.finish(2)(&sarama.ProducerMessage{}, nil)
	if got := inner.waitSent(t, 4); got[3] != "outcomes" {
		t.Fatalf("sent %v, want o2's outcome last", got)
	}
}

// A crash between a state write and its emits is harmless (the replay
// re-sends from the stored state); a failed state write must take its
// emits with it.
func TestOrderedProducerDropsTheEmitsOfAStateWriteThatFailed(t *testing.T) {
	inner := &manualProducer{}
	p := newOrderedProducer(inner)
	defer p.Close()
	p.Emit("orders-table", "o1", nil)
	var got error
	done := make(chan struct{})
	p.Emit("stock-commands", "p@w", nil).Then(func(err error) { got = err; close(done) })
	boom := errors.New("not leader for partition")
	inner.finish(0)(nil, boom)
	<-done
	if !errors.Is(got, boom) {
		t.Fatalf("the command resolved with %v, want the state write's failure", got)
	}
	if sent := inner.sent(); len(sent) != 1 {
		t.Fatalf("sent %v, want only the failed state write", sent)
	}
}

// Held emits wait for the table writes before them, not for each other:
// waiting for every earlier write made each emit wait one acknowledgement
// for the one before it (a flash sale fell from ~8,000 to ~1,200 orders/s).
func TestOrderedProducerHeldEmitsDoNotWaitForEachOther(t *testing.T) {
	inner := &manualProducer{}
	p := newOrderedProducer(inner)
	defer p.Close()
	p.Emit("orders-table", "o1", nil)
	p.Emit("stock-commands", "p@w", nil)
	p.Emit("orders-table", "o2", nil)
	p.Emit("stock-commands", "p@w", nil)
	inner.finish(0)(&sarama.ProducerMessage{}, nil)
	inner.finish(1)(&sarama.ProducerMessage{}, nil) // o2's state; o1's command is not acknowledged
	if got := inner.waitSent(t, 4); !slices.Equal(got, []string{"orders-table", "orders-table", "stock-commands", "stock-commands"}) {
		t.Fatalf("sent %v, want both commands once both states are stored", got)
	}
}
