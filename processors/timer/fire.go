package timer

import (
	"context"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/proto"

	"github.com/stockflow/stockflow/internal/metrics"
	"github.com/stockflow/stockflow/topics"
)

// Wake fires every deadline due now, in batches, and returns how many it
// fired for the first time. Each is fired again Refire after its first
// firing, and only then deleted. A batch that could not be sent is kept
// to be fired next time. O(fired · log pending).
func (s *Scheduler) Wake(ctx context.Context) (int, error) {
	now := s.now()
	metrics.TimerPending.Set(float64(s.Len()))
	once := s.refire() < 0
	fired := 0
	for {
		n, err := s.fire(ctx, now, s.deadlines, once, 0)
		fired += n
		if err != nil {
			return fired, err
		}
		if n == 0 {
			break
		}
	}
	for {
		n, err := s.fire(ctx, now, s.refires, true, s.refire().Milliseconds())
		if err != nil || n == 0 {
			return fired, err
		}
	}
}

// fire pops one batch due in set and sends ExpireOrder for each, then, if
// final, FiredExpiry for the time dueOffset ms before the popped time (the
// deadline itself, or when it was first fired: the timer deletes any
// deadline due by then); otherwise it queues the batch to fire again
// Refire from now.
func (s *Scheduler) fire(ctx context.Context, now time.Time, set func() *Pending, final bool, dueOffset int64) (int, error) {
	s.mu.Lock()
	batch := set().PopDue(now.UnixMilli(), s.batch())
	s.mu.Unlock()
	if len(batch) == 0 {
		return 0, nil
	}
	err := s.send(ctx, batch, now, final, dueOffset)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range batch {
		switch {
		case err != nil:
			set().SetIfAbsent(d.OrderID, d.DueUnixMs)
		case !final:
			s.refires().Set(d.OrderID, now.Add(s.refire()).UnixMilli())
		}
		if err == nil && dueOffset == 0 {
			metrics.TimerLateness.Observe(now.Sub(time.UnixMilli(d.DueUnixMs)).Seconds())
		}
	}
	if err != nil {
		return 0, err
	}
	if dueOffset == 0 {
		metrics.TimerFired.Add(float64(len(batch)))
	}
	return len(batch), nil
}

// send produces the batch's expiries, then, if final and only once they
// are written, the FiredExpiry that deletes each deadline: a crash in
// between leaves the deadlines stored, to fire again.
func (s *Scheduler) send(ctx context.Context, batch []Deadline, now time.Time, final bool, dueOffset int64) error {
	expiries := make([]*kgo.Record, 0, len(batch))
	var fired []*kgo.Record
	for _, d := range batch {
		e, err := proto.Marshal(ExpireCommand(d.OrderID, now))
		if err != nil {
			return fmt.Errorf("encode expiry: %w", err)
		}
		expiries = append(expiries, &kgo.Record{Topic: string(topics.OrderCommands), Key: []byte(d.OrderID), Value: e})
		if final {
			f, err := proto.Marshal(FiredCommand(d.OrderID, d.DueUnixMs-dueOffset))
			if err != nil {
				return fmt.Errorf("encode fired: %w", err)
			}
			fired = append(fired, &kgo.Record{Topic: string(topics.TimerCommands), Key: []byte(Key(d.OrderID)), Value: f})
		}
	}
	if err := s.Client.ProduceSync(ctx, expiries...).FirstErr(); err != nil {
		return fmt.Errorf("produce %d expiries: %w", len(expiries), err)
	}
	if len(fired) == 0 {
		return nil
	}
	if err := s.Client.ProduceSync(ctx, fired...).FirstErr(); err != nil {
		return fmt.Errorf("produce %d fired deadlines: %w", len(fired), err)
	}
	return nil
}
