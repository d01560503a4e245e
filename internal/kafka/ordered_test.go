package kafka

import (
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/IBM/sarama"
	"github.com/lovoo/goka"
)

// manualProducer returns promises the test finishes in any order.
type manualProducer struct {
	mu       sync.Mutex
	finishes []goka.PromiseFinisher
}

func (m *manualProducer) Emit(topic, key string, value []byte) *goka.Promise {
	return m.EmitWithHeaders(topic, key, value, nil)
}

func (m *manualProducer) EmitWithHeaders(string, string, []byte, goka.Headers) *goka.Promise {
	p, finish := goka.NewPromiseWithFinisher()
	m.mu.Lock()
	m.finishes = append(m.finishes, finish)
	m.mu.Unlock()
	return p
}

func (m *manualProducer) Close() error { return nil }

func TestOrderedProducerResolvesWritesInTheOrderTheyWereIssued(t *testing.T) {
	inner := &manualProducer{}
	p := &orderedProducer{inner: inner}
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
	inner.finishes[3](&sarama.ProducerMessage{}, nil)
	inner.finishes[1](&sarama.ProducerMessage{}, boom)
	if len(resolved) != 0 {
		t.Fatalf("resolved %v before the first write was acknowledged", resolved)
	}
	inner.finishes[0](&sarama.ProducerMessage{}, nil)
	inner.finishes[2](&sarama.ProducerMessage{}, nil)
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
	p := &orderedProducer{inner: inner}
	p.Emit("t", "k", nil)
	boom := errors.New("client has run out of available brokers")
	inner.finishes[0](nil, boom)
	var got error
	p.Emit("t", "k", nil).Then(func(err error) { got = err })
	if len(inner.finishes) != 1 {
		t.Fatalf("%d writes reached sarama, want only the one before the failure", len(inner.finishes))
	}
	if !errors.Is(got, boom) {
		t.Fatalf("the later write resolved with %v, want the earlier failure", got)
	}
}
