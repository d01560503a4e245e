package timer_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/stockflow/stockflow/processors/timer"
)

// discard accepts every record.
type discard struct{}

func (discard) ProduceSync(_ context.Context, rs ...*kgo.Record) kgo.ProduceResults {
	out := make(kgo.ProduceResults, len(rs))
	for i, r := range rs {
		out[i] = kgo.ProduceResult{Record: r}
	}
	return out
}

// orderID is shaped like the API's ids (a 36-character UUID).
func orderID(i int) string { return fmt.Sprintf("019ad3c2-%04x-7000-8000-%012x", i>>48, i) }

// BenchmarkSchedulerWake measures one wake-up that fires 10 deadlines
// (once each, expiry and fired mark) while n others are pending (due in
// the next 30 minutes): its cost must not grow with n. At the default 5 wake-ups a second, CPU per second is
// five times ns/op plus the cost of the schedules themselves (one heap push
// each, BenchmarkPendingSet).
func BenchmarkSchedulerWake(b *testing.B) {
	for _, n := range []int{1_000, 1_000_000} {
		b.Run(fmt.Sprintf("pending=%d", n), func(b *testing.B) {
			now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
			s := &timer.Scheduler{Client: discard{}, Now: func() time.Time { return now }, Refire: -1}
			for i := range n {
				scheduleBench(b, s, orderID(i), now.Add(time.Second+time.Duration(i)*30*time.Minute/time.Duration(n)))
			}
			due := make([]string, 10)
			next := n
			for b.Loop() {
				b.StopTimer()
				for j := range due {
					due[j] = orderID(next)
					next++
					scheduleBench(b, s, due[j], now)
				}
				b.StartTimer()
				if fired, err := s.Wake(context.Background()); err != nil || fired != len(due) {
					b.Fatalf("fired %d (%v), want %d", fired, err, len(due))
				}
			}
			if s.Len() != n {
				b.Fatalf("%d pending after the run, want %d", s.Len(), n)
			}
		})
	}
}

// BenchmarkPendingSet measures recording one deadline (what each schedule
// costs the scheduler) into a set already holding n, and reports the
// memory the set holds per deadline.
func BenchmarkPendingSet(b *testing.B) {
	for _, n := range []int{1_000, 1_000_000} {
		b.Run(fmt.Sprintf("pending=%d", n), func(b *testing.B) {
			before := heapInUse()
			ids := make([]string, n) // the ids' bytes count: the set holds them
			for i := range ids {
				ids[i] = orderID(i)
			}
			p := timer.NewPending()
			base := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC).UnixMilli()
			for i, id := range ids {
				p.Set(id, base+int64(i%1_800_000))
			}
			held := float64(heapInUse()-before)/float64(n) - 16 // less ids' own string headers
			i := 0
			for b.Loop() {
				// Move an existing deadline: a push, plus the occasional
				// compaction that this churn triggers.
				p.Set(ids[i%n], base+int64(i%1_800_000)+1_800_000)
				i++
			}
			runtime.KeepAlive(ids)
			b.ReportMetric(held, "B/deadline")
		})
	}
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

func scheduleBench(b *testing.B, s *timer.Scheduler, id string, due time.Time) {
	b.Helper()
	v := deadlineBytes(id, due)
	if err := s.Update(nil, nil, id, v); err != nil {
		b.Fatal(err)
	}
}
