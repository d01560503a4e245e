package timer

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/storage"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/stockflow/stockflow/schemas"
	"github.com/stockflow/stockflow/topics"
)

// Scheduler defaults.
const (
	// DefaultInterval is the time between wake-ups when Interval is zero.
	DefaultInterval = 200 * time.Millisecond
	// DefaultBatch bounds the deadlines fired per produce when Batch is zero.
	DefaultBatch = 10_000
	// DefaultRefire is how long after firing a deadline the scheduler fires
	// it again, when Refire is zero.
	DefaultRefire = 10 * time.Second
)

// Producer sends records; *kgo.Client is one.
type Producer interface {
	ProduceSync(ctx context.Context, rs ...*kgo.Record) kgo.ProduceResults
}

// Scheduler fires the timer table's deadlines. It follows the table
// through a goka view (see NewView) into Pending, and every Interval sends,
// for each deadline due, ExpireOrder to order-commands; Refire later it
// sends ExpireOrder again and then FiredExpiry to timer-commands, which
// deletes the deadline. All are keyed by order id. The view keeps
// nothing on disk and reads the whole compacted table at every start, so a
// scheduler needs no state of its own: after an outage of any length,
// everything due fires at the first wake-up once the view has recovered.
// Several schedulers may run; the duplicates they send are harmless (the
// saga expires only a reserved order past its deadline).
type Scheduler struct {
	// Client sends the commands. It must partition like goka
	// (kafka.NewProducer does).
	Client Producer
	// Interval is the time between wake-ups (DefaultInterval when zero).
	Interval time.Duration
	// Batch bounds the deadlines fired per produce (DefaultBatch when zero).
	Batch int
	// Refire is how long after firing a deadline the scheduler fires it a
	// second time and only then deletes it (DefaultRefire when zero;
	// negative fires once). The saga ignores an ExpireOrder that its own
	// clock says is early, so the second firing covers a saga whose clock
	// is up to Refire behind the scheduler's (the old ticker's 10-second
	// re-tick did the same).
	Refire time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time

	mu       sync.Mutex
	pending  *Pending
	refiring *Pending
}

// NewScheduler returns a scheduler that sends with client (a zero
// Scheduler with Client set works too).
func NewScheduler(client Producer) *Scheduler {
	return &Scheduler{Client: client}
}

// NewView creates the view of the timer table that feeds the scheduler.
// opts are applied first (brokers' topic manager, logger, ...); the
// scheduler's update callback and a storage that keeps nothing come last.
func (s *Scheduler) NewView(brokers []string, opts ...goka.ViewOption) (*goka.View, error) {
	opts = append(opts,
		goka.WithViewCallback(s.Update),
		goka.WithViewStorageBuilder(newOffsetStorage),
	)
	v, err := goka.NewView(brokers, topics.TimerTable, schemas.TimerDeadlineCodec, opts...)
	if err != nil {
		return nil, fmt.Errorf("timer scheduler view: %w", err)
	}
	return v, nil
}

// Update is the view's goka.UpdateCallback: a table record sets the
// order's deadline, a tombstone deletes it. It is called for every record
// while the view recovers and for every change after.
func (s *Scheduler) Update(_ goka.UpdateContext, _ storage.Storage, key string, value []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if value == nil {
		s.deadlines().Delete(key)
		s.refires().Delete(key)
		return nil
	}
	d, err := schemas.TimerDeadlineCodec.Unmarshal(value)
	if err == nil && d.GetOrderId() != key {
		err = fmt.Errorf("a deadline for order %q", d.GetOrderId())
	}
	if err != nil {
		// Not a deadline this timer wrote (for example a bucket of the
		// per-second timer this one replaced): never fire it.
		slog.Warn("skipping a timer table record that is not a deadline", "key", key, "error", err)
		return nil
	}
	s.refires().Delete(key) // a new value supersedes a second firing
	s.deadlines().Set(key, d.GetDueUnixMs())
	return nil
}

// Len is the number of pending deadlines the scheduler knows.
func (s *Scheduler) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deadlines().Len()
}

// Run runs view (made by NewView) and wakes every Interval until ctx ends;
// it fires nothing until the view has recovered. The view is closed only
// after the loop that reads it has returned.
func (s *Scheduler) Run(ctx context.Context, view *goka.View) error {
	viewCtx, stopView := context.WithCancel(context.Background())
	viewDone := make(chan error, 1)
	go func() { viewDone <- view.Run(viewCtx) }()
	t := time.NewTicker(s.interval())
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			stopView()
			return <-viewDone
		case err := <-viewDone:
			stopView()
			return err
		case <-t.C:
		}
		if !view.Recovered() {
			continue
		}
		if _, err := s.Wake(ctx); err != nil && ctx.Err() == nil {
			slog.Warn("timer scheduler could not fire; retrying at the next wake-up", "error", err)
		}
	}
}

// deadlines is the pending set (s.mu held).
func (s *Scheduler) deadlines() *Pending {
	if s.pending == nil {
		s.pending = NewPending()
	}
	return s.pending
}

// refires is the set of deadlines fired once, keyed to their second
// firing (s.mu held).
func (s *Scheduler) refires() *Pending {
	if s.refiring == nil {
		s.refiring = NewPending()
	}
	return s.refiring
}

func (s *Scheduler) refire() time.Duration {
	if s.Refire != 0 {
		return s.Refire
	}
	return DefaultRefire
}

func (s *Scheduler) interval() time.Duration {
	if s.Interval > 0 {
		return s.Interval
	}
	return DefaultInterval
}

func (s *Scheduler) batch() int {
	if s.Batch > 0 {
		return s.Batch
	}
	return DefaultBatch
}

func (s *Scheduler) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}
